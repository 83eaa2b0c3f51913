/**
 * The simulated kernel's state: contexts, network contexts and the host
 * addresses `ip addr add` would have created. Stored as JSON (bigint masks as
 * hex strings) in DIR/.sim/kernel/, one file per context (kernel-files.ts); the
 * /proc files are rendered from it.
 */

/** /proc/virtual/<xid>/limit rows in kernel order, with the resource id each reports (§1.6). */
export const LIMIT_ROWS = [
  ['PROC', 6], ['VM', 9], ['VML', 8], ['RSS', 5], ['ANON', 18], ['RMAP', 23], ['FILES', 7], ['OFD', 17],
  ['LOCKS', 10], ['SOCK', 16], ['MSGQ', 12], ['SHM', 19], ['SEMA', 20], ['SEMS', 21], ['DENT', 22],
] as const;
export type LimitRow = (typeof LIMIT_ROWS)[number][0];

/** One row of the limit table; soft/hard: -1 = unlimited. */
export interface LimitCounter {
  current: number;
  min: number;
  max: number;
  soft: number;
  hard: number;
  hits: number;
}

export interface Uts {
  context: string;
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

export const UTS_FIELDS = ['context', 'sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const;
export type UtsField = (typeof UTS_FIELDS)[number];

/** The LIVE kernel's uname values (transcript). */
export const KERNEL_UTS = {
  sysname: 'Linux',
  release: '4.9.337-vs2.3.9.13',
  version: '#3 SMP Tue Nov 24 10:18:21 UTC 2026',
  machine: 'x86_64',
  domainname: '(none)',
};

/** Fake kernel pointers of one space's nsproxy (NULL = null). */
export interface SpacePointers {
  nsproxy: string;
  mnt: string;
  uts: string | null;
  ipc: string | null;
  mntRefs: number;
}

export interface SimContext {
  xid: number;
  /** kernel address printed as Info: (fake, 16 hex digits) */
  pointer: string;
  flags: string;
  bcaps: string;
  ccaps: string;
  umask: string;
  wmask: string;
  /** simulated processes in the context (Tasks: adds one while persistent) */
  procs: number;
  initPid: number;
  pids: number[];
  oom: number;
  limits: Record<LimitRow, LimitCounter>;
  /** own UTS namespace (util-vserver guests); null for bare vcontext contexts */
  uts: Uts | null;
  /** space 0 / space 1 namespace masks and their pointers (null: no spaces) */
  spaces: [number, number];
  nsproxy: [SpacePointers | null, SpacePointers | null];
  /** counters for cvirt / sched (plausible, not meaningful) */
  biasUptimeCs: number;
  loadUpdates: number;
  totalForks: number;
  cpuTicks: [number, number][];
  /** creation time (ms since epoch, injected clock) */
  createdAt: number;
  /**
   * pid of the real host process standing in for the guest's init (started by
   * a shim's `vserver NAME start`, src/sim/guest-process.ts); absent for
   * in-process starts and seeded guests
   */
  hostInitPid?: number;
}

export interface NetAddress {
  family: 4 | 6;
  ip: string;
  /** IPv4: dotted mask; IPv6: prefix length as string */
  mask: string;
  prefix: number;
  type: number;
}

export interface SimNetContext {
  nid: number;
  pointer: string;
  bcast: string;
  lback: string;
  addresses: NetAddress[];
  flags: string;
  ncaps: string;
  procs: number;
}

export interface HostAddress {
  dev: string;
  ip: string;
  prefix: number;
  bcast: string;
  label?: string;
  /** guest that added it (for removal at stop) */
  owner: string;
  /** issue 10 (iface): `ip addr add … peer P` (interfaces/N/peer) */
  peer?: string;
}

// ---- issue 10 (iface) ----
/** A host network device util-vserver's enableInterfaces creates: tunctl --persist (tun/tap) or a VLAN (ip link add). */
export interface HostLink {
  dev: string;
  kind: 'tun' | 'tap' | 'vlan';
  owner: string;
  /** vlan: the base device and id (`ip link add link BASE name DEV type vlan id ID`) */
  link?: string;
  vlanId?: number;
  /** tun/tap: the nid given with --nid-failure-ok (absent with `shared`) */
  nid?: number;
  /** tun/tap: --~checksum (nocsum) */
  nocsum?: boolean;
}
// ---- end issue 10 (iface) ----

export interface DiskLimit {
  space_used: number;
  space_total: number;
  inodes_used: number;
  inodes_total: number;
  reserved: number;
}

export interface KernelState {
  version: 1;
  bootTime: number;
  nextPid: number;
  pointerSeq: number;
  contexts: Record<string, SimContext>;
  nets: Record<string, SimNetContext>;
  hostAddresses: HostAddress[];
  /** issue 10 (iface): tun/tap/VLAN devices made by `vserver start` (absent in older state files) */
  hostLinks?: HostLink[];
  /** disk limits keyed "<xid>:<mountpoint>" (the kernel keeps them per tag + superblock) */
  dlimits: Record<string, DiskLimit>;
}

export function emptyKernelState(now: number): KernelState {
  return { version: 1, bootTime: now, nextPid: 300, pointerSeq: 1, contexts: {}, nets: {}, hostAddresses: [], dlimits: {} };
}

export const hex = (v: bigint) => v.toString(16);
export const big = (s: string) => BigInt('0x' + s);

/** Hands out fake kernel addresses: same width as the LIVE ones (ffff8800xxxxxxxx). */
export function nextPointer(state: KernelState): string {
  const n = state.pointerSeq++;
  const low = (0x3c800000 + ((n * 0x9c48) % 0x3700000)) & ~7;
  return 'ffff8800' + (low >>> 0).toString(16).padStart(8, '0');
}

export function freshLimits(): Record<LimitRow, LimitCounter> {
  const out = {} as Record<LimitRow, LimitCounter>;
  for (const [row] of LIMIT_ROWS) out[row] = { current: 0, min: 0, max: 0, soft: -1, hard: -1, hits: 0 };
  return out;
}

/** Tasks: as the kernel prints it: processes plus the persistent claim (§2). */
export function ctxTasks(c: SimContext): number {
  return c.procs + ((big(c.flags) & PERSISTENT) !== 0n ? 1 : 0);
}

export const PERSISTENT = 1n << 38n;
export const STATE_SETUP = 1n << 32n;
export const STATE_INIT = 1n << 33n;
export const STATE_ADMIN = 1n << 34n;
export const ONE_TIME = STATE_SETUP | STATE_INIT | STATE_ADMIN;


/** A context is hashed (visible) while Tasks > 0. */
export function isAlive(c: SimContext): boolean {
  return ctxTasks(c) > 0;
}
