import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal data hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The fingerprint of a drift item: what differs, never how it is worded, so a
 * message that embeds durations or counters cannot break de-duplication
 * (compare fluxcd/notification-controller#509).
 */
export function driftFingerprint(parts: {
  guest?: string;
  xid?: number;
  kind: string;
  details: unknown;
}): string {
  return sha256Hex(canonicalJson({ guest: parts.guest ?? null, xid: parts.xid ?? null, kind: parts.kind, details: parts.details }));
}
