/**
 * Which `vattribute --set` items bring a running guest from the `before`
 * lists to the `after` lists. Items removed from a list return to what
 * util-vserver sets at start (`--secure --flag default --flag fakeinit`, §5.4).
 */
import type { GuestSpec } from '../../model/guest.js';
import { SECURE_BCAPS, SECURE_CCAPS, valueOf, type ListKind } from './names.js';
import type { AttributeChange } from './commands.js';

const START_FLAGS = new Set(['virt_uptime', 'sc_helper', 'fakeinit', 'hide_netif']);

function isStartDefault(kind: ListKind, name: string): boolean {
  if (kind === 'flag') return START_FLAGS.has(name);
  const mask = kind === 'bcap' ? SECURE_BCAPS : SECURE_CCAPS;
  return (valueOf(kind, name) & mask) !== 0n;
}

function tokensFor(kind: ListKind, before: string[], after: string[]): string[] {
  const out = [...after];
  const afterSet = new Set(after.map((t) => t.replace(/^~/, '')));
  for (const tok of before) {
    const name = tok.replace(/^~/, '');
    if (afterSet.has(name)) continue;
    const negated = tok.startsWith('~');
    if (!negated && !isStartDefault(kind, name)) out.push('~' + name);
    if (negated && isStartDefault(kind, name)) out.push(name);
  }
  return out;
}

export function liveAttributeTokens(before: GuestSpec, after: GuestSpec): AttributeChange {
  return {
    flags: tokensFor('flag', before.flags, after.flags),
    bcaps: tokensFor('bcap', before.bcaps, after.bcaps),
    ccaps: tokensFor('ccap', before.ccaps, after.ccaps),
  };
}
