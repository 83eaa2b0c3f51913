/**
 * Stable JSON and sha256 digests. Pure: the same value always yields the same
 * text, whatever the key order of the objects it was built from.
 */
import { createHash } from 'node:crypto';
import type { DesiredGuest } from '../model/guest.js';

/** A deep copy with object keys sorted; `undefined` members are dropped (as JSON does). */
export function canonical<T>(value: T): T {
  return sortValue(value) as T;
}

function sortValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortValue(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortValue(v);
    }
    return out;
  }
  return value;
}

/** JSON with sorted keys and no whitespace. */
export function stableStringify(value: unknown): string {
  return write(value) ?? 'null';
}

// Writes directly instead of building a sorted copy first: digests of large hosts stay cheap.
function write(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'function') return undefined;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map((x) => write(x) ?? 'null').join(',') + ']';
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) {
    const w = write(o[k]);
    if (w !== undefined) parts.push(JSON.stringify(k) + ':' + w);
  }
  return '{' + parts.join(',') + '}';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of the stable JSON of a value. */
export function digestOf(value: unknown): string {
  return sha256Hex(stableStringify(value));
}

/**
 * Digest over the desired guests of a host: spec, build and policy, sorted by
 * name. Labels, host selectors and file origins do not change what is planned.
 */
export function digestDesired(desired: readonly DesiredGuest[]): string {
  const items = [...desired]
    .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0))
    .map((d) => ({ spec: d.spec, build: d.build, policy: d.policy, ...(d.safety ? { safety: d.safety } : {}) }));
  return digestOf(items);
}

/** Structural equality as JSON sees it: key order and `undefined` members do not matter. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameValue(v ?? null, bb[i] ?? null));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => bo[k] !== undefined && sameValue(ao[k], bo[k]));
}
