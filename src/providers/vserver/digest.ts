/**
 * Fingerprints of observed state: per config dir (drift fingerprints) and for
 * the whole host (stale-plan detection). Both are sha256 over a canonical
 * serialization, so they are stable across runs when nothing changed.
 */
import { createHash } from 'node:crypto';
import type { ObservedHost } from '../../model/guest.js';
import type { ConfigTree } from './config-read.js';

/**
 * sha256 over a config dir snapshot: entries sorted by path; files by content,
 * symlinks by target (never by what they point at), directories by name.
 */
export function digestConfigTree(tree: ConfigTree): string {
  const h = createHash('sha256');
  const keys = [...tree.keys()].sort();
  for (const k of keys) {
    const e = tree.get(k)!;
    // NUL separators: no path or symlink target contains NUL, so the encoding is unambiguous.
    if (e.kind === 'file') {
      h.update(`F\0${k}\0${Buffer.byteLength(e.content)}\0`);
      h.update(e.content);
      // issue 10 (initx): an executable hook runs, a plain one is sourced: a chmod is a change (only marked when set,
      // so the digests of trees without executable hooks stay as they were)
      if (e.exec === true) h.update('\0X');
    } else if (e.kind === 'symlink') {
      h.update(`L\0${k}\0${e.target}\0`);
    } else {
      h.update(`D\0${k}\0`);
    }
  }
  return h.digest('hex');
}

/** JSON with object keys sorted, so equal values always serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v as object).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  });
}

/**
 * Digest over everything observed, except counters that move without anything
 * being changed (task counts of running contexts).
 *
 * The value is sha256 over the canonical JSON of
 * `{guests, hostName, unmanagedContexts, vciVersion}`; it is fed to the hash a
 * guest at a time, so no serialization of the whole host is ever held in
 * memory (the canonical form sorts keys, so the pieces come in that order).
 */
export function digestHost(host: Omit<ObservedHost, 'digest'>): string {
  const h = createHash('sha256');
  h.update('{"guests":[');
  host.guests.forEach((g, i) => {
    if (i > 0) h.update(',');
    h.update(canonicalJson({ ...g, runtime: g.runtime ? { ...g.runtime, tasks: undefined } : undefined }));
  });
  h.update(`],"hostName":${JSON.stringify(host.hostName)}`);
  h.update(`,"unmanagedContexts":${canonicalJson(host.unmanagedContexts.map((c) => ({ ...c, tasks: undefined })))}`);
  h.update(`,"vciVersion":${JSON.stringify(host.vciVersion ?? null)}}`);
  return h.digest('hex');
}
