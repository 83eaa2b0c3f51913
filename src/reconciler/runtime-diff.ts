/**
 * Differences between a desired spec and the running context (/proc values):
 * runtime drift. Only what the desired spec sets is compared; util-vserver
 * sets more bits at start (reference §5.4) and those are not drift. Pure.
 */
import { LIMIT_NAMES, type GuestSpec, type LimitValue, type RuntimeState } from '../model/guest.js';
import { parseList, type ListKind } from '../providers/vserver/names.js';

export type RuntimeField = 'context' | 'limits' | 'flags' | 'bcaps' | 'ccaps' | 'nodename' | 'domainname';

export interface RuntimeDifference {
  /** `runtime.context`, `runtime.limits.nproc.hard`, `runtime.flags.hide_netif`, `runtime.nodename` */
  path: string;
  field: RuntimeField;
  /** the live value ('set' / 'clear' for a flag or capability bit) */
  before: unknown;
  after: unknown;
}

/** The kernel clamps soft to hard (reference §3.2), so compare the effective soft value. */
function effectiveSoft(soft: LimitValue, hard: LimitValue): LimitValue {
  if (hard === 'inf') return soft;
  if (soft === 'inf') return hard;
  return Math.min(soft, hard);
}

function parseMask(hex: string): bigint {
  const h = hex.trim().replace(/^0x/i, '');
  return /^[0-9a-fA-F]+$/.test(h) ? BigInt('0x' + h) : 0n;
}

const LIST_FIELDS: { field: 'flags' | 'bcaps' | 'ccaps'; kind: ListKind; hex: 'flagsHex' | 'bcapsHex' | 'ccapsHex' }[] = [
  { field: 'flags', kind: 'flag', hex: 'flagsHex' },
  { field: 'bcaps', kind: 'bcap', hex: 'bcapsHex' },
  { field: 'ccaps', kind: 'ccap', hex: 'ccapsHex' },
];

export function diffRuntime(desired: GuestSpec, runtime: RuntimeState): RuntimeDifference[] {
  const out: RuntimeDifference[] = [];
  // The xid is fixed for the context's lifetime (reference §7.10): only a restart changes it.
  if (runtime.xid !== desired.context) {
    out.push({ path: 'runtime.context', field: 'context', before: runtime.xid, after: desired.context });
  }
  if (runtime.nodename !== undefined && runtime.nodename !== desired.nodename) {
    out.push({ path: 'runtime.nodename', field: 'nodename', before: runtime.nodename, after: desired.nodename });
  }
  if (desired.domainname !== undefined && runtime.domainname !== undefined && runtime.domainname !== desired.domainname) {
    out.push({ path: 'runtime.domainname', field: 'domainname', before: runtime.domainname, after: desired.domainname });
  }
  for (const { field, kind, hex } of LIST_FIELDS) {
    const mask = parseMask(runtime[hex]);
    for (const token of desired[field]) {
      const parsed = parseList(kind, token);
      if (!parsed.ok) continue;
      for (const item of parsed.items) {
        const bits = mask & item.value;
        const ok = item.negate ? bits === 0n : bits === item.value;
        if (!ok) {
          const label = item.name ?? item.raw.replace(/^[~!]+/, '');
          out.push({
            path: `runtime.${field}.${label}`, field,
            before: item.negate ? 'set' : bits === 0n ? 'clear' : 'partly set',
            after: item.negate ? 'clear' : 'set',
          });
        }
      }
    }
  }
  for (const name of LIMIT_NAMES) {
    const want = desired.limits[name];
    const live = runtime.limits[name];
    if (!want || !live) continue;
    const soft = effectiveSoft(want.soft, want.hard);
    if (live.soft !== soft) out.push({ path: `runtime.limits.${name}.soft`, field: 'limits', before: live.soft, after: soft });
    if (live.hard !== want.hard) out.push({ path: `runtime.limits.${name}.hard`, field: 'limits', before: live.hard, after: want.hard });
  }
  return out;
}
