/**
 * Field-level differences between two guest specs, and how each field takes
 * effect on a host (reference §7.10). Pure.
 *
 * Paths: `nodename`, `limits.nproc.hard`, `cgroup.cpuShares`, `disk.inodes`,
 * `interfaces[0].address` (keyed by interface name), `fstab[/tmp]` (keyed by
 * mount point), `flags` (whole list), `build.distribution`.
 */
import {
  LIMIT_NAMES,
  type BuildSpec,
  type CgroupSpec,
  type DiskLimitSpec,
  type FstabEntry,
  type GuestSpec,
  type InterfaceSpec,
  type Limit,
  type SysctlEntry,
  type NetworkSpec,
} from '../model/guest.js';
import type { ChangeEffect as Effect } from './types.js';
import { canonical, sameValue } from './digest.js';

/** Top-level spec fields that a difference can belong to. */
export type DiffField = Exclude<keyof GuestSpec, 'name' | 'runState'> | 'build';

export interface SpecDifference {
  path: string;
  field: DiffField;
  before: unknown;
  after: unknown;
  /** writes `value` at this path into `spec` (used to keep a field as observed) */
  assign: (spec: GuestSpec, value: unknown) => void;
  /** issue 10 (iface): a key of an interface that is disabled before and after */
  disabledThroughout?: boolean;
}

/** How a changed field takes effect when the guest is running and stays running. */
export const RUNNING_EFFECT: Record<DiffField, Effect> = {
  context: 'restart',
  nodename: 'live', // vuname
  domainname: 'live', // vuname
  startOnBoot: 'config', // apps/init/mark: only read by the boot service
  initStyle: 'restart',
  interfaces: 'restart', // util-vserver reads interfaces/ only at start and stop
  flags: 'live', // vattribute --flag
  bcaps: 'live', // vattribute --bcap
  ccaps: 'live', // vattribute --ccap
  limits: 'live', // vlimit
  cgroup: 'live', // write the cgroup files
  disk: 'live', // vdlimit
  fstab: 'restart', // mounted by secure-mount at start
  build: 'none', // only used when a guest is created
  // ---- issue 10 (adopt) fields: reference §7.10 ----
  bootMarks: 'config', // apps/init/mark: only read by the boot service
  // issue 10 (iface): nflags/ncaps change live with `nattribute --nid N --set --flag/--ncap` (§7.10;
  // UV src/nattribute.c; K-4.9 network.c vc_set_nflags/vc_set_ncaps act on a running network context)
  nflags: 'live',
  ncaps: 'live',
  utsExtra: 'live', // vuname --set -t release=… (UTS is live, §7.10)
  nice: 'restart', // nice/ionice are start-time only (§7.10)
  ionice: 'restart',
  personality: 'restart', // start-time only (§7.10)
  files: 'config', // carried verbatim; util-vserver reads them when it reads them (start, stop, hooks)
  // ---- issue 10 (initx) ----
  initExtra: 'restart', // apps/init/* are read by _generateInitOptions at start and stop, like init.style
  depends: 'config', // apps/init/depends: only read by the boot service (start-vservers)
  sysctl: 'restart', // vsysctl runs in the start's exec chain only (UV scripts/vserver.start:155)
  cgroupFiles: 'live', // written into the running guest's cgroup, like the six CgroupSpec files
  fstabRemote: 'restart', // mounted by mountVserver at start
  scripts: 'config', // hooks run at the next start/stop; nothing to do for a running guest
  // ---- end issue 10 (initx) ----
  // ---- issue 10 (iface) ----
  // interfaces/{bcast,lback} go to chbind at start, {vlandev,novlandev} to the VLAN step of enableInterfaces:
  // util-vserver reads them only at start and stop, like the interfaces themselves
  network: 'restart',
};

/**
 * Effect of one interface difference on a guest that runs throughout (issue 10, iface). util-vserver
 * reads interfaces/ only at start and stop (UV scripts/vserver.functions:697-790), so a change is a
 * restart, except where nothing running depends on it:
 * - `scope` is read but passed to nothing (:632; not in the `ip addr add` of :676): config only;
 *   so is `network.scope` (its fallback);
 * - an interface that is disabled before and after (:708 skips it at start and at stop): config only.
 */
export function interfaceEffect(x: SpecDifference): Effect | undefined {
  if (x.field === 'network') return x.path === 'network.scope' ? 'config' : undefined;
  if (x.field !== 'interfaces') return undefined;
  if (/^interfaces\[[^\]]*\]\.scope$/.test(x.path)) return 'config';
  // mac: used only by an `indirect` interface, which replaces a set value by a generated one (:684)
  if (/^interfaces\[[^\]]*\]\.mac$/.test(x.path)) return 'config';
  const m = /^interfaces\[([^\]]*)\]/.exec(x.path);
  const isDisabled = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && (v as { disabled?: true }).disabled === true);
  if (m && x.path === m[0] && isDisabled(x.before) && isDisabled(x.after)) return 'config';
  if (m && x.path !== m[0] && x.disabledThroughout) return 'config';
  return undefined;
}
// ---- end issue 10 (iface) ----

/** Effect of a changed field: live/restart for a guest that runs before and after, config otherwise. */
export function effectFor(field: DiffField, runningThroughout: boolean, diff?: SpecDifference): Effect {
  if (field === 'build') return 'none';
  if (!runningThroughout) return 'config';
  return (diff && interfaceEffect(diff)) ?? RUNNING_EFFECT[field]; // issue 10 (iface): per-path refinement
}

const FIELD_ORDER = [
  'context', 'nodename', 'domainname', 'startOnBoot', 'initStyle', 'interfaces',
  'flags', 'bcaps', 'ccaps', 'limits', 'cgroup', 'disk', 'fstab',
  'bootMarks', 'nflags', 'ncaps', 'utsExtra', 'nice', 'ionice', 'personality', 'files',
  'initExtra', 'depends', 'sysctl', 'cgroupFiles', 'fstabRemote', 'scripts', // issue 10 (initx)
  'network', // issue 10 (iface)
] as const satisfies readonly DiffField[];

const INTERFACE_KEYS = [
  'device', 'address', 'family', 'prefix', 'label',
  // ---- issue 10 (iface) ----
  'broadcast', 'scope', 'peer', 'mac', 'tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled',
] as const satisfies readonly (keyof InterfaceSpec)[];
const CGROUP_KEYS = ['memoryLimit', 'cpuShares', 'cpuQuotaUs', 'cpuPeriodUs', 'cpusetCpus', 'cpusetMems'] as const satisfies readonly (keyof CgroupSpec)[];
const DISK_KEYS = ['directory', 'spaceKiB', 'inodes', 'reservedPercent'] as const satisfies readonly (keyof DiskLimitSpec)[];
const BUILD_KEYS = ['method', 'distribution', 'mirror', 'templates', 'source', 'extraArgs'] as const satisfies readonly (keyof BuildSpec)[];

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete obj[key];
  else obj[key] = canonical(value);
}

function upsertBy<T>(list: T[], match: (x: T) => boolean, value: T | undefined): void {
  const i = list.findIndex(match);
  if (value === undefined) {
    if (i >= 0) list.splice(i, 1);
  } else if (i >= 0) list[i] = canonical(value);
  else list.push(canonical(value));
}

/**
 * Differences from `before` to `after`, in a fixed field order. `name` and
 * `runState` are not compared (run state becomes start/stop actions). A
 * limit's `min` is compared only when `after` sets it: the G4 kernel ignores it.
 */
export function diffSpec(before: GuestSpec, after: GuestSpec): SpecDifference[] {
  const out: SpecDifference[] = [];
  for (const field of FIELD_ORDER) {
    switch (field) {
      case 'limits':
        diffLimits(before.limits, after.limits, out);
        break;
      case 'cgroup':
        for (const k of CGROUP_KEYS) {
          if (!sameValue(before.cgroup[k], after.cgroup[k])) {
            out.push({ path: `cgroup.${k}`, field, before: before.cgroup[k], after: after.cgroup[k], assign: (s, v) => setKey(s.cgroup as Record<string, unknown>, k, v) });
          }
        }
        break;
      case 'disk':
        diffDisk(before.disk, after.disk, out);
        break;
      case 'interfaces':
        diffInterfaces(before.interfaces, after.interfaces, out);
        break;
      case 'fstab':
        diffFstab(before.fstab, after.fstab, out);
        break;
      case 'bootMarks':
      case 'nflags':
      case 'ncaps':
      case 'utsExtra':
      case 'nice':
      case 'ionice':
      case 'personality':
      case 'files':
        diffUnmanagedWhenUnset(field, before, after, out);
        break;
      // ---- issue 10 (initx) ----
      case 'initExtra':
      case 'depends':
      case 'sysctl':
      case 'cgroupFiles':
      case 'fstabRemote':
      case 'scripts':
        diffInitx(field, before, after, out);
        break;
      // ---- end issue 10 (initx) ----
      case 'network': // issue 10 (iface): per key, a key left unset is not managed
        for (const k of Object.keys(after.network ?? {}).sort(compareText) as (keyof NetworkSpec)[]) {
          const a = after.network![k];
          const b = before.network?.[k] ?? (typeof a === 'boolean' ? false : undefined);
          if (a === undefined || sameValue(b, a)) continue;
          out.push({
            path: `network.${k}`, field, before: b, after: a,
            assign: (s, v) => {
              const m = { ...(s.network ?? {}) } as Record<string, unknown>;
              setKey(m, k, v);
              s.network = m as NetworkSpec;
            },
          });
        }
        break;
      default: {
        const b = before[field];
        const a = after[field];
        if (!sameValue(b, a)) {
          out.push({ path: field, field, before: b, after: a, assign: (s, v) => setKey(s as unknown as Record<string, unknown>, field, v) });
        }
      }
    }
  }
  return out;
}

function diffLimits(before: GuestSpec['limits'], after: GuestSpec['limits'], out: SpecDifference[]): void {
  for (const name of LIMIT_NAMES) {
    const b = before[name];
    const a = after[name];
    if (b === undefined && a === undefined) continue;
    if (b === undefined || a === undefined) {
      out.push({ path: `limits.${name}`, field: 'limits', before: b, after: a, assign: (s, v) => setKey(s.limits, name, v) });
      continue;
    }
    for (const k of ['soft', 'hard', 'min'] as const satisfies readonly (keyof Limit)[]) {
      if (k === 'min' && a.min === undefined) continue;
      if (b[k] !== a[k]) {
        out.push({
          path: `limits.${name}.${k}`, field: 'limits', before: b[k], after: a[k],
          assign: (s, v) => {
            const l = s.limits[name];
            if (l) setKey(l as unknown as Record<string, unknown>, k, v);
          },
        });
      }
    }
  }
}

function diffDisk(b: DiskLimitSpec | undefined, a: DiskLimitSpec | undefined, out: SpecDifference[]): void {
  if (b === undefined && a === undefined) return;
  if (b === undefined || a === undefined) {
    out.push({ path: 'disk', field: 'disk', before: b, after: a, assign: (s, v) => setKey(s as unknown as Record<string, unknown>, 'disk', v) });
    return;
  }
  for (const k of DISK_KEYS) {
    if (b[k] !== a[k]) {
      out.push({ path: `disk.${k}`, field: 'disk', before: b[k], after: a[k], assign: (s, v) => s.disk && setKey(s.disk as unknown as Record<string, unknown>, k, v) });
    }
  }
}

function diffInterfaces(before: InterfaceSpec[], after: InterfaceSpec[], out: SpecDifference[]): void {
  const names = [...new Set([...before.map((i) => i.name), ...after.map((i) => i.name)])].sort(compareText);
  for (const name of names) {
    const b = before.find((i) => i.name === name);
    const a = after.find((i) => i.name === name);
    const assignWhole = (s: GuestSpec, v: unknown) => {
      upsertBy(s.interfaces, (i) => i.name === name, v as InterfaceSpec | undefined);
      s.interfaces.sort((x, y) => compareText(x.name, y.name));
    };
    if (b === undefined || a === undefined) {
      out.push({ path: `interfaces[${name}]`, field: 'interfaces', before: b, after: a, assign: assignWhole });
      continue;
    }
    for (const k of INTERFACE_KEYS) {
      if (b[k] !== a[k]) {
        out.push({
          path: `interfaces[${name}].${k}`, field: 'interfaces', before: b[k], after: a[k],
          ...(b.disabled && a.disabled ? { disabledThroughout: true } : {}),
          assign: (s, v) => {
            const i = s.interfaces.find((x) => x.name === name);
            if (i) setKey(i as unknown as Record<string, unknown>, k, v);
          },
        });
      }
    }
  }
}

function diffFstab(before: FstabEntry[], after: FstabEntry[], out: SpecDifference[]): void {
  if (sameValue(before, after)) return;
  const unique = (l: FstabEntry[]) => new Set(l.map((e) => e.mountpoint)).size === l.length;
  const whole = () => out.push({ path: 'fstab', field: 'fstab', before, after, assign: (s, v) => { s.fstab = canonical(v as FstabEntry[]); } });
  if (!unique(before) || !unique(after)) return void whole();
  const start = out.length;
  const mounts = [...after.map((e) => e.mountpoint), ...before.map((e) => e.mountpoint).filter((m) => !after.some((e) => e.mountpoint === m))];
  for (const mp of mounts) {
    const b = before.find((e) => e.mountpoint === mp);
    const a = after.find((e) => e.mountpoint === mp);
    if (!sameValue(b, a)) {
      out.push({ path: `fstab[${mp}]`, field: 'fstab', before: b, after: a, assign: (s, v) => upsertBy(s.fstab, (e) => e.mountpoint === mp, v as FstabEntry | undefined) });
    }
  }
  // same entries in another order: mount order matters, so report the whole list
  if (out.length === start) whole();
}

/**
 * Issue 10 fields: unset in `after` means "not managed" (the host keeps what it
 * has), so only what the manifest sets is compared. Maps are compared per key
 * (`utsExtra.release`, `ionice.class`, `files[scripts/pre-start]`), a key the
 * manifest leaves out is not managed either.
 */
function diffUnmanagedWhenUnset(field: 'bootMarks' | 'nflags' | 'ncaps' | 'utsExtra' | 'nice' | 'ionice' | 'personality' | 'files', before: GuestSpec, after: GuestSpec, out: SpecDifference[]): void {
  const a = after[field];
  if (a === undefined) return;
  if (field === 'utsExtra' || field === 'ionice' || field === 'files') {
    const am = a as Record<string, unknown>;
    const bm = (before[field] ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(am).sort(compareText)) {
      if (am[k] === undefined || sameValue(bm[k], am[k])) continue;
      const p = field === 'files' ? `files[${k}]` : `${field}.${k}`;
      out.push({
        path: p, field, before: bm[k], after: am[k],
        assign: (s, v) => {
          const m = { ...((s[field] ?? {}) as Record<string, unknown>) };
          setKey(m, k, v);
          (s as unknown as Record<string, unknown>)[field] = m;
        },
      });
    }
    return;
  }
  const b = field === 'bootMarks' ? (before.bootMarks ?? []) : before[field];
  if (!sameValue(b, a)) {
    out.push({ path: field, field, before: b, after: a, assign: (s, v) => setKey(s as unknown as Record<string, unknown>, field, v) });
  }
}

// ---- issue 10 (initx) ----
/**
 * Issue 10 (initx) fields: unset in `after` is "not managed". Lists where `[]`
 * means "no file" (init lists, depends, fstabRemote, sysctl) compare an absent
 * observed value as `[]`, so `[]` against a host without the file plans
 * nothing. Maps are compared per key (`initExtra.cmdStart`,
 * `cgroupFiles[memory.memsw.limit_in_bytes]`, `scripts[pre-start]`), sysctl per
 * entry name (`sysctl[0]`): a one-field change in git is one change.
 */
function diffInitx(field: 'initExtra' | 'depends' | 'sysctl' | 'cgroupFiles' | 'fstabRemote' | 'scripts', before: GuestSpec, after: GuestSpec, out: SpecDifference[]): void {
  const a = after[field];
  if (a === undefined) return;
  const setIn = (s: GuestSpec, k: string, v: unknown) => {
    const m = { ...((s[field] ?? {}) as Record<string, unknown>) };
    setKey(m, k, v);
    (s as unknown as Record<string, unknown>)[field] = m;
  };
  if (field === 'initExtra' || field === 'cgroupFiles' || field === 'scripts') {
    const am = a as Record<string, unknown>;
    const bm = (before[field] ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(am).sort(compareText)) {
      const bv = bm[k] === undefined && Array.isArray(am[k]) ? [] : bm[k];
      if (am[k] === undefined || sameValue(bv, am[k])) continue;
      out.push({ path: field === 'initExtra' ? `initExtra.${k}` : `${field}[${k}]`, field, before: bm[k], after: am[k], assign: (s, v) => setIn(s, k, v) });
    }
    return;
  }
  if (field === 'sysctl') {
    const b = before.sysctl ?? [];
    const names = [...new Set([...b.map((e) => e.name), ...after.sysctl!.map((e) => e.name)])].sort(compareText);
    for (const n of names) {
      const be = b.find((e) => e.name === n);
      const ae = after.sysctl!.find((e) => e.name === n);
      if (sameValue(be, ae)) continue;
      out.push({
        path: `sysctl[${n}]`, field, before: be, after: ae,
        assign: (s, v) => {
          const list = [...(s.sysctl ?? [])];
          upsertBy(list, (e) => e.name === n, v as SysctlEntry | undefined);
          s.sysctl = list.sort((x, y) => compareText(x.name, y.name));
        },
      });
    }
    return;
  }
  const b = before[field] ?? [];
  if (!sameValue(b, a)) out.push({ path: field, field, before: b, after: a, assign: (s, v) => setKey(s as unknown as Record<string, unknown>, field, v) });
}
// ---- end issue 10 (initx) ----

/** Differences in the build section (`build.*`); they never change an existing guest. */
export function diffBuild(before: BuildSpec, after: BuildSpec): SpecDifference[] {
  const out: SpecDifference[] = [];
  for (const k of BUILD_KEYS) {
    if (!sameValue(before[k], after[k])) {
      out.push({ path: `build.${k}`, field: 'build', before: before[k], after: after[k], assign: () => undefined });
    }
  }
  return out;
}

/** True when one path equals the other or contains it (`limits.nproc` ⊇ `limits.nproc.hard`). */
export function pathsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && (long[short.length] === '.' || long[short.length] === '[');
}

/** Byte-order string comparison (locale-independent, for deterministic output). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
