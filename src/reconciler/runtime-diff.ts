/**
 * Differences between a desired spec and the running context (/proc values):
 * runtime drift. Only what the desired spec sets is compared; util-vserver
 * sets more bits at start (reference §5.4) and those are not drift. Pure.
 */
import { LIMIT_NAMES, type CgroupSpec, type GuestSpec, type LimitValue, type RuntimeState } from '../model/guest.js';
import { parseList, type ListKind } from '../model/names.js';

export type RuntimeField = 'context' | 'limits' | 'flags' | 'bcaps' | 'ccaps' | 'nodename' | 'domainname' | 'cgroup';

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

const CGROUP_KEYS: (keyof CgroupSpec)[] = ['memoryLimit', 'cpuShares', 'cpuQuotaUs', 'cpuPeriodUs', 'cpusetCpus', 'cpusetMems'];
const PAGE = 4096;
/** The kernel's "no limit" for memory.limit_in_bytes (a page-rounded LONG_MAX; -1 on write). */
const UNLIMITED_MEMORY = 2 ** 62;

/** A cpuset list as the set it names: "0-2,5" = "0,1,2,5". */
function cpuList(v: string): string {
  const ids = new Set<number>();
  for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return v;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    for (let i = lo; i <= hi && i - lo < 4096; i++) ids.add(i);
  }
  return [...ids].sort((a, b) => a - b).join(',');
}

/** Whether a live cgroup value is what writing the desired one gives (kernel normalization). */
function sameCgroupValue(key: keyof CgroupSpec, want: number | string, live: number | string): boolean {
  if (typeof want === 'string' || typeof live === 'string') return cpuList(String(want)) === cpuList(String(live));
  if (key === 'memoryLimit') {
    if (want < 0) return live < 0 || live >= UNLIMITED_MEMORY;
    // kernels round the limit to whole pages (down or up, by version)
    return live === want || live === Math.floor(want / PAGE) * PAGE || live === Math.ceil(want / PAGE) * PAGE;
  }
  return live === want;
}

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
  // only what the desired spec sets, and only files the live cgroup has
  for (const key of CGROUP_KEYS) {
    const want = desired.cgroup[key];
    const live = runtime.cgroup?.[key];
    if (want === undefined || live === undefined || sameCgroupValue(key, want, live)) continue;
    out.push({ path: `runtime.cgroup.${key}`, field: 'cgroup', before: live, after: want });
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
