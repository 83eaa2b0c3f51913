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
  return JSON.stringify(sortValue(value)) ?? 'null';
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
    .map((d) => ({ spec: d.spec, build: d.build, policy: d.policy }));
  return digestOf(items);
}

/** Structural equality through stable JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}
