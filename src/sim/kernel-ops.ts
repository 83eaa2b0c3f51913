/**
 * What the simulated kernel does on each vserver syscall: create contexts,
 * set limits / attributes / UTS, manage network contexts. Operates on
 * KernelState in memory; callers commit.
 */
import { SIM_NEW_CONTEXT_BCAPS, SIM_NEW_CONTEXT_FLAGS, type SimListValue } from './names.js';
import {
  big,
  freshLimits,
  hex,
  KERNEL_UTS,
  LIMIT_ROWS,
  nextPointer,
  ONE_TIME,
  PERSISTENT,
  type KernelState,
  type LimitRow,
  type NetAddress,
  type SimContext,
  type SimNetContext,
} from './kernel-state.js';

/** util-vserver resource names (vlimit options, rlimits/ files) → kernel id (§3.1). */
export const RESOURCES: [string, number][] = [
  ['cpu', 0], ['fsize', 1], ['data', 2], ['stack', 3], ['core', 4], ['rss', 5], ['nproc', 6], ['nofile', 7],
  ['memlock', 8], ['as', 9], ['locks', 10], ['msgqueue', 12], ['nsock', 16], ['openfd', 17], ['anon', 18],
  ['shmem', 19], ['semary', 20], ['nsems', 21], ['dentry', 22],
];
/** The only limits a G4 kernel accepts (§3.2), in id order — also `vlimit -a`'s rows. */
export const SETTABLE = ['nproc', 'nofile', 'locks', 'msgqueue', 'nsock', 'openfd', 'shmem', 'dentry'];

export const rowForId = (id: number): LimitRow | undefined => LIMIT_ROWS.find(([, i]) => i === id)?.[0];

export function createContext(state: KernelState, xid: number, now: number): SimContext {
  const c: SimContext = {
    xid,
    pointer: nextPointer(state),
    flags: hex(SIM_NEW_CONTEXT_FLAGS),
    bcaps: hex(SIM_NEW_CONTEXT_BCAPS),
    ccaps: '0',
    umask: '0',
    wmask: '0',
    procs: 0,
    initPid: 0,
    pids: [],
    oom: 0,
    limits: freshLimits(),
    uts: null,
    spaces: [0, 0],
    nsproxy: [null, null],
    biasUptimeCs: Math.max(1, Math.floor((now - state.bootTime) / 10)),
    loadUpdates: 1,
    totalForks: 0,
    cpuTicks: [[0, 0], [0, 0]],
    createdAt: now,
  };
  state.contexts[xid] = c;
  return c;
}

/** Gives the context processes (pids allocated from the host's counter). */
export function spawn(state: KernelState, c: SimContext, n: number): number[] {
  const pids: number[] = [];
  for (let i = 0; i < n; i++) pids.push(state.nextPid++);
  state.nextPid += 2;
  c.pids.push(...pids);
  c.totalForks += n;
  c.loadUpdates += 7 * n;
  const procs = c.procs + n;
  setCounters(c, procs);
  return pids;
}

export function setCounters(c: SimContext, procs: number): void {
  c.procs = procs;
  const bump = (row: LimitRow, v: number) => {
    c.limits[row].current = v;
    if (v > c.limits[row].max) c.limits[row].max = v;
  };
  bump('PROC', procs);
  bump('FILES', procs > 0 ? procs + 1 : 0);
  bump('OFD', procs * 3);
  if (procs > 0) bump('DENT', 100 + procs * 17);
  c.cpuTicks = c.cpuTicks.map(([u, s]) => [u + procs, s + 2 * procs]);
}

/** vc_set_rlimit: EINVAL for limits a G4 kernel does not accept; soft clamped to hard. */
export function setRlimit(c: SimContext, res: string, v: { min?: number; soft?: number; hard?: number }): 'ok' | 'EINVAL' {
  if (!SETTABLE.includes(res)) return 'EINVAL';
  const id = RESOURCES.find(([n]) => n === res)![1];
  const row = rowForId(id)!;
  const l = c.limits[row];
  if (v.hard !== undefined) l.hard = v.hard;
  if (v.soft !== undefined) l.soft = v.soft;
  const inf = (x: number) => (x < 0 ? Infinity : x);
  if (inf(l.soft) > inf(l.hard)) l.soft = l.hard;
  return 'ok';
}

export function getRlimitHard(c: SimContext, res: string): number {
  const id = RESOURCES.find(([n]) => n === res)![1];
  return c.limits[rowForId(id)!].hard;
}

/** The kernel's masked update (K-4.9 context.c do_set_caps / vc_set_cflags): (old & ~mask) | (value & mask). */
export function masked(old: bigint, v: SimListValue): bigint {
  return ((old & ~v.mask) | (v.flag & v.mask)) & ((1n << 64n) - 1n);
}

/** vc_set_cflags: masked update; one-time bits (STATE_SETUP/INIT/ADMIN) can only be cleared. */
export function setFlags(c: SimContext, v: SimListValue): void {
  const old = big(c.flags);
  let next = masked(old, v);
  next &= ~(ONE_TIME & ~old);
  c.flags = hex(next);
}

export function setCaps(c: SimContext, which: 'bcaps' | 'ccaps', v: SimListValue): void {
  c[which] = hex(masked(big(c[which]), v));
}

/** vc_set_umask: masked update of the unshare mask. */
export function setUmask(c: SimContext, v: SimListValue): void {
  c.umask = hex(masked(big(c.umask), v));
}

export function hasPersistentClaim(c: SimContext): boolean {
  return (big(c.flags) & PERSISTENT) !== 0n;
}

/** Gives the context its own UTS / IPC / mount namespaces as `vspace --new` does for a guest. */
export function giveSpaces(state: KernelState, c: SimContext, contextName: string, nodename: string): void {
  c.spaces = [0x0c020200, 0x00020200];
  c.nsproxy = [
    { nsproxy: nextPointer(state), mnt: nextPointer(state), uts: nextPointer(state), ipc: nextPointer(state), mntRefs: 1 },
    { nsproxy: nextPointer(state), mnt: nextPointer(state), uts: null, ipc: null, mntRefs: 2 },
  ];
  c.uts = { context: contextName, nodename, ...KERNEL_UTS };
}

/** Default nflags of a new network context on the LIVE kernel (AUTO_LBACK): LBACK_REMAP|HIDE_NETIF|HIDE_LBACK|STATE_SETUP|STATE_ADMIN. */
export const NET_DEFAULT_FLAGS = 0x200n | 0x2000000n | 0x4000000n | (1n << 32n) | (1n << 34n);

export function defaultLback(nid: number): string {
  return `127.${(nid >> 8) & 0xff}.${nid & 0xff}.1`;
}

export function createNet(state: KernelState, nid: number): SimNetContext {
  const n: SimNetContext = {
    nid,
    pointer: nextPointer(state),
    bcast: '255.255.255.255',
    lback: defaultLback(nid),
    addresses: [],
    flags: hex(NET_DEFAULT_FLAGS),
    ncaps: '0',
    procs: 0,
  };
  state.nets[nid] = n;
  return n;
}

export function prefixToMask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

export function maskToPrefix(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const prefix = 32 - Math.log2((~n >>> 0) + 1);
  return Number.isInteger(prefix) ? prefix : undefined;
}

export function isIpv4(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

export function isIpv6(s: string): boolean {
  return /^[0-9a-fA-F:]+$/.test(s) && s.includes(':') && (s.match(/::/g) ?? []).length <= 1;
}

/** Parses `ip[/mask|prefix]` as naddress/chbind do; undefined = invalid. */
export function parseAddress(spec: string): NetAddress | undefined {
  const [given, m] = spec.split('/', 2);
  let ip = given;
  // inet_pton(AF_INET6) also takes a dotted IPv4 tail (::ffff:192.0.2.1): keep the hex form
  const tail = /^([0-9a-fA-F:]*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (tail && isIpv4(tail[2]!)) {
    const o = tail[2]!.split('.').map(Number);
    ip = `${tail[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  if (isIpv4(ip)) {
    let prefix = 32;
    if (m !== undefined) {
      const p = m.includes('.') ? maskToPrefix(m) : /^\d+$/.test(m) ? Number(m) : undefined;
      if (p === undefined || p > 32) return undefined;
      prefix = p;
    }
    return { family: 4, ip, mask: prefixToMask(prefix), prefix, type: 0x10 };
  }
  if (isIpv6(ip)) {
    const prefix = m === undefined ? 128 : Number(m);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return undefined;
    return { family: 6, ip: ip.toLowerCase(), mask: String(prefix), prefix, type: 0x10 };
  }
  return undefined;
}
