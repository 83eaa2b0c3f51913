import type { DesiredGuest, HostSelector } from '../model/guest.js';

export interface HostIdentity {
  name: string;
  labels: Record<string, string>;
}

/**
 * A guest belongs to a host when every given criterion matches: the host's
 * name is listed in `names` (if any are listed) and the host carries every
 * label of `matchLabels` (if any are given).
 */
export function matchesHost(selector: HostSelector, host: HostIdentity): boolean {
  if (selector.names.length > 0 && !selector.names.includes(host.name)) return false;
  return Object.entries(selector.matchLabels).every(([k, v]) => Object.hasOwn(host.labels, k) && host.labels[k] === v);
}

/** The guests placed on one host, in the given order. */
export function selectForHost(guests: DesiredGuest[], host: HostIdentity): DesiredGuest[] {
  return guests.filter((g) => matchesHost(g.hosts, host));
}

/**
 * Could some host match both selectors? Host labels are unknown when
 * validating, so this is conservative: yes, unless both list names and no
 * name is shared, or both require the same label with different values.
 */
export function selectorsMayOverlap(a: HostSelector, b: HostSelector): boolean {
  if (a.names.length > 0 && b.names.length > 0 && !a.names.some((n) => b.names.includes(n))) return false;
  for (const [k, v] of Object.entries(a.matchLabels)) {
    if (Object.hasOwn(b.matchLabels, k) && b.matchLabels[k] !== v) return false;
  }
  return true;
}
