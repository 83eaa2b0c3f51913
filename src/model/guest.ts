/**
 * The normalized guest model. Desired manifests (after validation and
 * normalization) and the observed host (after parsing /etc/vservers and
 * /proc/virtual) are both expressed as `GuestSpec`, so the planner compares
 * like with like. Every field is fully defaulted: below the boundary no code
 * checks for `undefined` (optional fields mean "not managed / absent").
 *
 * Units: memory in bytes, disk space in KiB (util-vserver's 1 KiB blocks),
 * rlimits in the kernel's units (tasks, files, pages...).
 */
import type { Problem } from '../errors.js';

export const LIMIT_NAMES = ['nproc', 'nofile', 'locks', 'msgqueue', 'nsock', 'openfd', 'shmem', 'dentry'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** A limit value: a non-negative integer or 'inf' (unlimited). */
export type LimitValue = number | 'inf';

export interface Limit {
  soft: LimitValue;
  hard: LimitValue;
  /** util-vserver writes `min` too; the G4 kernel ignores it. Kept for round-trips. */
  min?: LimitValue;
}

export const INIT_STYLES = ['sysv', 'plain', 'minit', 'gentoo', 'openrc', 'arch'] as const;
export type InitStyle = (typeof INIT_STYLES)[number];

export const BUILD_METHODS = ['skeleton', 'debootstrap', 'template', 'clone', 'rsync'] as const;
export type BuildMethod = (typeof BUILD_METHODS)[number];

export interface BuildSpec {
  method: BuildMethod;
  /** debootstrap/skeleton/template/clone/rsync: distribution (-d) */
  distribution?: string;
  /** debootstrap: mirror (-m) */
  mirror?: string;
  /** template: tarballs (-t, repeatable) */
  templates?: string[];
  /** clone/rsync: --source */
  source?: string;
  /** extra method arguments after `--` (untrusted, passed as argv items) */
  extraArgs?: string[];
}

export interface InterfaceSpec {
  /** directory name under interfaces/ (e.g. "0", "eth0-v6") */
  name: string;
  /** host device, or null for nodev (address bound into the network context only) */
  device: string | null;
  /** IPv4 or IPv6 address, canonical text form */
  address: string;
  family: 4 | 6;
  prefix: number;
  /** optional label (`interfaces/<n>/name`) */
  label?: string;
  // ---- issue 10 (iface): the other files util-vserver reads per interface (UV scripts/vserver.functions:609-694) ----
  /** `bcast`, falling back to `interfaces/bcast` (:630): `ip addr add … broadcast <bcast|+>`, IPv4 only (:671-672) */
  broadcast?: string;
  /** `scope` of this directory only: read with a fallback (:632) but passed to nothing (util-vserver 0.30.216) */
  scope?: string;
  /** `peer` (:634, no fallback): `ip addr add … peer <peer>` (:676) */
  peer?: string;
  /**
   * `mac` (:633, no fallback), exactly as written. util-vserver uses it only for an `indirect`
   * interface (a dummy device), and then replaces a set value by a generated one
   * (`test -z "$mac" || _generateMac mac …`, :684): its content never reaches a device
   */
  mac?: string;
  /** `tun` / `tap` (existence): `tunctl --persist --tun|--tap … <dev>` before the address (:581-606, :674-675) */
  tun?: true;
  tap?: true;
  /** `nocsum` (existence): tunctl `--~checksum` (:588) */
  nocsum?: true;
  /** `shared` (existence): no `--nid-failure-ok <nid>` (:589) */
  shared?: true;
  /** `vlandev` / `novlandev` of this directory (existence, :653-657) */
  vlandev?: true;
  novlandev?: true;
  /** `disabled` (existence): skipped by util-vserver's glob loop (:707-708), neither bound nor added on the host */
  disabled?: true;
  // ---- end issue 10 (iface) ----
}

// ---- issue 10 (iface): files directly in interfaces/ that are not per-interface fallbacks only ----
/**
 * `interfaces/{bcast,lback}` go to `chbind --bcast/--lback` (UV scripts/vserver.functions:125-131: the
 * network context's `Bcast:`/`Lback:`), `bcast` is also every interface's fallback (:630);
 * `interfaces/{vlandev,novlandev}` take part in the VLAN rule (:653-657). A key left unset is not managed.
 */
export interface NetworkSpec {
  broadcast?: string;
  loopback?: string;
  /** existence flags; false = the file must not exist */
  vlandev?: boolean;
  novlandev?: boolean;
  /** `interfaces/scope`: only a fallback of the unused per-interface `scope` */
  scope?: string;
}
export const NETWORK_FILES = { broadcast: 'bcast', loopback: 'lback', vlandev: 'vlandev', novlandev: 'novlandev', scope: 'scope' } as const;
// ---- end issue 10 (iface) ----

export interface CgroupSpec {
  /** memory.limit_in_bytes */
  memoryLimit?: number;
  /** cpu.shares */
  cpuShares?: number;
  /** cpu.cfs_quota_us / cpu.cfs_period_us */
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  /** cpuset.cpus, cpuset.mems (kernel list syntax, e.g. "0-1,3") */
  cpusetCpus?: string;
  cpusetMems?: string;
}

export interface DiskLimitSpec {
  /** directory the limit applies to (default: the guest root) */
  directory: string;
  /** space_total in KiB */
  spaceKiB: number;
  inodes: number;
  /** reserved, percent */
  reservedPercent: number;
}

export interface FstabEntry {
  device: string;
  mountpoint: string;
  type: string;
  options: string;
  dump: number;
  pass: number;
}

export type RunState = 'running' | 'stopped';
export type DeletionPolicy = 'retain' | 'delete';
export type DriftMode = 'enforce' | 'warn';

/** Which hosts a guest belongs to: an exact name, or labels that must all match. */
export interface HostSelector {
  names: string[];
  matchLabels: Record<string, string>;
}

/**
 * Flag / capability lists are kept in util-vserver's own list syntax, normalized:
 * lowercase canonical names (bcaps UPPERCASE without CAP_), one item per entry,
 * `~name` for negation, sorted by bit then negation. See model/names.ts.
 */
export interface GuestSpec {
  name: string;
  context: number;
  nodename: string;
  domainname?: string;
  runState: RunState;
  /** apps/init/mark = "default": started by the boot service */
  startOnBoot: boolean;
  initStyle: InitStyle;
  interfaces: InterfaceSpec[];
  flags: string[];
  bcaps: string[];
  ccaps: string[];
  limits: Partial<Record<LimitName, Limit>>;
  cgroup: CgroupSpec;
  disk?: DiskLimitSpec;
  fstab: FstabEntry[];
  // ---- issue 10 (adopt): settings of adopted hosts; each optional field means "not managed" when unset ----
  /** apps/init/mark lines other than `default`, in file order (`[]`: none); unset: kept as they are */
  bootMarks?: string[];
  /** uts/{sysname,release,version,machine} (vuname keys); a key left out is not managed */
  utsExtra?: UtsExtra;
  /** `nice` file: the guest's processes start with this nice value (relative to the host's) */
  nice?: number;
  /** ionice/{class,priority} files: ionice -c/-n for the guest's start */
  ionice?: IoniceSpec;
  /** `personality` file: first line the type, further lines flags (vserver.functions _generatePersonalityOptions) */
  personality?: PersonalitySpec;
  /** `nflags` (chbind --flag), normalized like `flags`; unset: not managed */
  nflags?: string[];
  /** `ncapabilities` (chbind --ncap), normalized; unset: not managed */
  ncaps?: string[];
  /** spec.files: relative path under the config dir -> exact content; a path left out is not managed */
  files?: Record<string, string>;
  // ---- end issue 10 (adopt) block ----
  // ---- issue 10 (initx): init extras, depends, sysctl, cgroup files, fstab.remote, hooks; unset = not managed ----
  /** apps/init/{runlevel,runlevel.start,runlevel.stop,cmd.*,killseq,environment}; a key left out is not managed */
  initExtra?: InitExtra;
  /** apps/init/depends: guests the boot service starts before this one (`[]`: no file) */
  depends?: string[];
  /** sysctl/<name>/{setting,value}, by entry name; set = the whole sysctl/ set is managed */
  sysctl?: SysctlEntry[];
  /** cgroup/<file> beyond the six CgroupSpec files: file -> value (a file left out is not managed) */
  cgroupFiles?: Record<string, string>;
  /** fstab.remote (mounted through chbind, in the guest's network context; `[]`: no file) */
  fstabRemote?: FstabEntry[];
  /** scripts/<flavor> and scripts/<flavor>.d/<name>: hooks run as root on the HOST; a path left out is not managed */
  scripts?: Record<string, HookScript>;
  // ---- end issue 10 (initx) block ----
  // ---- issue 10 (iface) ----
  /** files directly in interfaces/ (bcast, lback, vlandev, novlandev, scope); unset: not managed */
  network?: NetworkSpec;
  // ---- end issue 10 (iface) ----
}

// ---- issue 10 (adopt) types ----
export const UTS_EXTRA_KEYS = ['sysname', 'release', 'version', 'machine'] as const;
export type UtsExtraKey = (typeof UTS_EXTRA_KEYS)[number];
export type UtsExtra = Partial<Record<UtsExtraKey, string>>;

export interface IoniceSpec {
  /** ionice/class: 1 (realtime), 2 (best-effort), 3 (idle), or a name ionice takes */
  class?: string;
  /** ionice/priority: 0-7 */
  priority?: number;
}
export interface PersonalitySpec {
  /** vcontext --personality-type, e.g. linux32 */
  type: string;
  /** vcontext --personality-flags items, e.g. short_inode */
  flags: string[];
}
// ---- end issue 10 (adopt) types ----

// ---- issue 10 (initx) types ----
/** apps/init list files util-vserver reads with getFileArray (one item per line) */
export const INIT_LIST_KEYS = ['cmdStart', 'cmdStop', 'cmdPrepare', 'cmdStartSync', 'cmdStopSync', 'killSequence', 'environment'] as const;
export type InitListKey = (typeof INIT_LIST_KEYS)[number];
/** apps/init value files util-vserver reads with getFileValue (the first line) */
export const INIT_VALUE_KEYS = ['runlevel', 'runlevelStart', 'runlevelStop'] as const;
export type InitValueKey = (typeof INIT_VALUE_KEYS)[number];
/** the file under apps/init behind each key */
export const INIT_FILES: Record<InitListKey | InitValueKey, string> = {
  runlevel: 'runlevel',
  runlevelStart: 'runlevel.start',
  runlevelStop: 'runlevel.stop',
  cmdStart: 'cmd.start',
  cmdStop: 'cmd.stop',
  cmdPrepare: 'cmd.prepare',
  cmdStartSync: 'cmd.start-sync',
  cmdStopSync: 'cmd.stop-sync',
  killSequence: 'killseq',
  environment: 'environment',
};
/** lists: `[]` means no file (the init style's default applies) */
export type InitExtra = Partial<Record<InitValueKey, string> & Record<InitListKey, string[]>>;
export interface SysctlEntry {
  /** directory name under sysctl/ */
  name: string;
  /** sysctl name as in `setting` (dots, e.g. net.ipv4.ip_forward) */
  setting: string;
  /** what vsysctl writes to /proc/sys/<setting> (the file holds it plus a newline) */
  value: string;
}
/** the hook flavors vserver.start/vserver.stop run (execScriptlets) */
export const HOOK_FLAVORS = ['initialize', 'prepre-start', 'pre-start', 'post-start', 'pre-stop', 'post-stop', 'postpost-stop'] as const;
export interface HookScript {
  content: string;
  /** mode 0755: util-vserver runs it as a program; false (0644): it is sourced into vserver's own shell */
  executable: boolean;
}
// ---- end issue 10 (initx) types ----

export interface GuestPolicy {
  deletion: DeletionPolicy;
  drift: DriftMode;
}

/** Where a desired guest came from (for error messages). */
export interface Origin {
  file: string;
  line: number;
  document: number;
}

export interface DesiredGuest {
  spec: GuestSpec;
  build: BuildSpec;
  policy: GuestPolicy;
  labels: Record<string, string>;
  hosts: HostSelector;
  origin: Origin;
  /** snapshot and health check of risky changes (spec.healthCheck, spec.snapshot); see SafetySpec */
  safety?: SafetySpec;
}

/** What the kernel says about a running context (from /proc/virtual + /proc/virtnet). */
export interface RuntimeState {
  xid: number;
  tasks: number;
  initPid: number;
  /** raw masks as hex strings (bigint does not survive JSON) */
  flagsHex: string;
  bcapsHex: string;
  ccapsHex: string;
  limits: Partial<Record<LimitName, { soft: LimitValue; hard: LimitValue }>>;
  nodename?: string;
  domainname?: string;
  /** `context` VHI name: the config dir path util-vserver forced at start */
  contextName?: string;
  addresses: { address: string; prefix: number; family: 4 | 6 }[];
  /** live values of the guest's cgroup control files vsgitops manages (absent: no cgroup, e.g. `nocgroup`) */
  cgroup?: CgroupSpec;
}

export interface ObservedGuest {
  /** configuration as read from /etc/vservers/<name> */
  spec: GuestSpec;
  /** util-vserver's verdict (run file + context name + Tasks > 0) */
  running: boolean;
  runtime?: RuntimeState;
  /** vsgitops ownership marker present in the config dir */
  managed: boolean;
  /** run file points at an xid that is not (or no longer) running */
  staleRunFile: boolean;
  /** sha256 over the config dir's files, for drift fingerprints and stale-plan checks */
  configDigest: string;
  /** unreadable or unknown config values, context-name mismatches (the guest is still reported) */
  problems?: Problem[];
  /** config entries (relative paths) the model does not carry: kept as is by apply, not managed */
  unmodelled?: string[];
}

export interface UnmanagedContext {
  xid: number;
  tasks: number;
  contextName?: string;
}

export interface ObservedHost {
  hostName: string;
  /** VCIVersion from /proc/virtual/info, e.g. "0002:0308" */
  vciVersion?: string;
  guests: ObservedGuest[];
  /** running contexts that no configuration explains */
  unmanagedContexts: UnmanagedContext[];
  /** digest over everything observed, for stale-plan detection */
  digest: string;
  /** host-level problems (no /proc/virtual, unreadable config dirs) */
  problems?: Problem[];
}

// ---------------------------------------------------------------- safety (issue 14): snapshot, health check, rollback
// Kept in one block: spec.healthCheck and spec.snapshot of a manifest. Not part of
// GuestSpec (nothing on the host shows them): they steer how a restart or
// replace is carried out, never whether.

export interface HealthCheckSpec {
  /** run in the guest with `vserver NAME exec ARGV…`; absent: only "the guest runs" is checked */
  command?: string[];
  /** longest one attempt of the command may take */
  timeoutMs: number;
  /** further attempts after a failed one (1 s apart) */
  retries: number;
}

export interface SnapshotSpec {
  /** absolute paths inside the guest root, copied with the configuration */
  paths: string[];
  /** snapshots kept per guest (older ones are pruned) */
  keep: number;
}

export interface SafetySpec {
  healthCheck?: HealthCheckSpec;
  snapshot?: SnapshotSpec;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 30_000;
export const DEFAULT_SNAPSHOT_KEEP = 3;
/** the most the named root paths of one snapshot may hold */
export const MAX_SNAPSHOT_PATH_BYTES = 64 * 1024 * 1024;
