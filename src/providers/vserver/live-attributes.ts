/**
 * Which `vattribute --set` items bring a running guest from the `before`
 * lists to the `after` lists. Items removed from a list return to what
 * util-vserver sets at start (`--secure --flag default --flag fakeinit`, §5.4).
 */
import type { GuestSpec } from '../../model/guest.js';
import { parseList, SECURE_BCAPS, SECURE_CCAPS, valueOf, type ListKind } from '../../model/names.js';
import type { NetStatus } from './proc-parse.js';
import type { AttributeChange } from './commands.js';

const START_FLAGS = ['virt_uptime', 'sc_helper', 'fakeinit', 'hide_netif'];

// ---- issue 10 (iface) ----
/**
 * nflags a network context has after util-vserver's start without an nflags file: the kernel's
 * NXF_INIT_SET (LIVE vs2.3.9.13 with CONFIG_VSERVER_AUTO_LBACK: lback_remap, hide_netif, hide_lback,
 * state_admin — reference §1.11, §5.3) and `chbind --secure` (hide_netif, UV src/nattribute.c
 * parseSecure). The state bits are left out: one-time, they can only be cleared (NXF_ONE_TIME).
 */
const START_NFLAGS = ['lback_remap', 'hide_netif', 'hide_lback'];
/** ncaps after start: `chbind --secure` sets raw_icmp (parseSecure). */
const START_NCAPS = ['raw_icmp'];
// ---- end issue 10 (iface) ----

/** Bits util-vserver sets at start for each list. */
function startMask(kind: ListKind): bigint {
  if (kind === 'flag') return START_FLAGS.reduce((m, n) => m | valueOf('flag', n), 0n);
  if (kind === 'nflag') return START_NFLAGS.reduce((m, n) => m | valueOf('nflag', n), 0n); // issue 10 (iface)
  if (kind === 'ncap') return START_NCAPS.reduce((m, n) => m | valueOf('ncap', n), 0n);
  return kind === 'bcap' ? SECURE_BCAPS : SECURE_CCAPS;
}

/** Bits of one normalized token's body: a name, a pseudo name (`default`, `all`), `^N` or a number. */
function bitsOf(kind: ListKind, body: string): bigint {
  const r = parseList(kind, body);
  return r.ok ? r.items.reduce((m, it) => m | it.value, 0n) : 0n;
}

function bitTokens(v: bigint): string[] {
  const out: string[] = [];
  for (let b = 0n; b < 64n; b++) if (v & (1n << b)) out.push(`^${b}`);
  return out;
}

function tokensFor(kind: ListKind, before: string[], after: string[]): string[] {
  const reverts: string[] = [];
  const afterSet = new Set(after.map((t) => t.replace(/^~/, '')));
  const mask = startMask(kind);
  for (const tok of before) {
    const name = tok.replace(/^~/, '');
    if (afterSet.has(name)) continue;
    const bits = bitsOf(kind, name);
    if (!tok.startsWith('~')) {
      // was set: clear what a start would not set
      const clear = bits & ~mask;
      if (clear === bits && clear !== 0n) reverts.push('~' + name);
      else reverts.push(...bitTokens(clear).map((b) => '~' + b));
    } else {
      // was cleared: set again what a start sets
      const set = bits & mask;
      if (set === bits && set !== 0n) reverts.push(name);
      else reverts.push(...bitTokens(set));
    }
  }
  // later items win for the same bits: what git asks for comes last
  return [...reverts, ...after];
}

export function liveAttributeTokens(before: GuestSpec, after: GuestSpec): AttributeChange {
  return {
    flags: tokensFor('flag', before.flags, after.flags),
    bcaps: tokensFor('bcap', before.bcaps, after.bcaps),
    ccaps: tokensFor('ccap', before.ccaps, after.ccaps),
  };
}

// ---- issue 10 (iface) ----
/**
 * `nattribute --set` items that bring a running network context from the `before` nflags /
 * ncapabilities to the `after` ones (a list the manifest leaves unset is not managed: no items).
 */
export function liveNetTokens(before: GuestSpec, after: GuestSpec): { nflags: string[]; ncaps: string[] } {
  return {
    nflags: after.nflags === undefined ? [] : tokensFor('nflag', before.nflags ?? [], after.nflags),
    ncaps: after.ncaps === undefined ? [] : tokensFor('ncap', before.ncaps ?? [], after.ncaps),
  };
}

/** STATE_SETUP | STATE_ADMIN: the kernel lets nattribute clear them, never set them (NXF_ONE_TIME, K-4.9 network.c). */
const NXF_ONE_TIME = (1n << 32n) | (1n << 34n);

/**
 * What `/proc/virtnet/<nid>/status` does not show after `nattribute --set` with these items
 * (later items win, like the tool's list parser), as `nflags set ^38 (kernel: clear)`. The
 * one-time state bits are not expected to be set.
 */
export function netMismatches(status: NetStatus, tokens: { nflags: string[]; ncaps: string[] }): string[] {
  const out: string[] = [];
  const check = (field: 'nflags' | 'ncapabilities', kind: ListKind, items: string[], have: bigint, unsettable: bigint) => {
    let set = 0n;
    let clear = 0n;
    for (const token of items) {
      const r = parseList(kind, token);
      if (!r.ok) continue;
      for (const it of r.items) {
        if (it.negate) { clear |= it.value; set &= ~it.value; } else { set |= it.value; clear &= ~it.value; }
      }
    }
    set &= ~unsettable;
    for (let b = 0n; b < 64n; b++) {
      const bit = 1n << b;
      if (set & bit && !(have & bit)) out.push(`${field} set ^${b} (kernel: clear)`);
      if (clear & bit && have & bit) out.push(`${field} clear ^${b} (kernel: set)`);
    }
  };
  check('nflags', 'nflag', tokens.nflags, status.flags, NXF_ONE_TIME);
  check('ncapabilities', 'ncap', tokens.ncaps, status.ncaps, 0n);
  return out;
}
// ---- end issue 10 (iface) ----
