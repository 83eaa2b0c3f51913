/**
 * Where a guest's cgroup lives, by util-vserver's rules (reference §6.12;
 * UV `scripts/vserver.functions` `_generateCgroupOptions`, `_handleCgroup`):
 *
 * - mount: `.defaults/cgroup/mnt` if present (one hierarchy, unless
 *   `.defaults/cgroup/per-ss` exists), else `/sys/fs/cgroup` with one
 *   hierarchy per subsystem if that directory exists, else `/dev/cgroup`
 *   (one hierarchy with all controllers, as util-vserver's init script mounts it);
 * - base: `.defaults/cgroup/base`, with a trailing `/` added (default empty);
 * - name: `cgroup/name`, else `.defaults/cgroup/name`, else the guest name.
 *
 * A control file `<subsys>.<x>` then is `<mount>/<base><name>/<file>` in one
 * hierarchy, or `<mount>/<subsys>/<base><name>/<file>` per subsystem (e.g.
 * `/sys/fs/cgroup/memory/web/memory.limit_in_bytes`).
 *
 * Paths inside the configuration (mnt) are host paths: on a simulated host
 * they are taken under its root, like every other host path.
 */
import nodeFs from 'node:fs';
import path from 'node:path';
import type { CgroupSpec } from '../../model/guest.js';
import type { ReadFs } from './config-read.js';
import { CGROUP_FILES } from './config-write.js';
import type { HostPaths } from './host-paths.js';

export interface CgroupLayout {
  /** the cgroup mount (host path, already under the host root) */
  mount: string;
  /** one hierarchy per subsystem (`<mount>/<subsys>/…`) */
  perSubsystem: boolean;
  /** `""` or a prefix ending in `/` */
  base: string;
  name: string;
}

/** What the rules look at; first lines of files (undefined: missing or empty). */
export interface CgroupInputs {
  guest: string;
  /** `<guest cfgdir>/cgroup/name` */
  guestName?: string;
  /** `.defaults/cgroup/name` */
  defaultsName?: string;
  /** `.defaults/cgroup/mnt` */
  mnt?: string;
  /** `.defaults/cgroup/per-ss` exists */
  perSs: boolean;
  /** `.defaults/cgroup/base` */
  base?: string;
  /** `/sys/fs/cgroup` holds per-subsystem (cgroup v1) hierarchies: its `memory/` or `cpu/` is a directory */
  sysFsCgroup: boolean;
}

/** The host root for paths util-vserver reads from its configuration. */
const under = (paths: HostPaths, p: string) => (paths.kind === 'sim' ? path.join(paths.root, p) : p);

/** Pure: the layout util-vserver would use for this guest on this host. */
export function resolveCgroupLayout(paths: HostPaths, inputs: CgroupInputs): CgroupLayout {
  let mount: string;
  let perSubsystem: boolean;
  if (inputs.mnt) {
    mount = under(paths, inputs.mnt);
    perSubsystem = inputs.perSs;
  } else if (inputs.sysFsCgroup) {
    mount = under(paths, '/sys/fs/cgroup');
    perSubsystem = true;
  } else {
    mount = paths.cgroup;
    perSubsystem = inputs.perSs;
  }
  const base = inputs.base ? (inputs.base.endsWith('/') ? inputs.base : inputs.base + '/') : '';
  return { mount, perSubsystem, base, name: inputs.guestName || inputs.defaultsName || inputs.guest };
}

/** The subsystem a control file belongs to: `memory.limit_in_bytes` → `memory`. */
export function cgroupSubsystem(file: string): string {
  const dot = file.indexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
}

/** The guest's cgroup directory holding `file`. */
export function cgroupDir(layout: CgroupLayout, file: string): string {
  const rel = layout.base + layout.name;
  return layout.perSubsystem ? path.join(layout.mount, cgroupSubsystem(file), rel) : path.join(layout.mount, rel);
}

/** The parent cgroup's directory for `file` (where a new cgroup inherits cpuset lists from). */
export function cgroupParentDir(layout: CgroupLayout, file: string): string {
  return path.dirname(cgroupDir(layout, file));
}

/** What the layout rules read from the host, the same for every guest. */
export type CgroupHostInputs = Omit<CgroupInputs, 'guest' | 'guestName'>;

const firstLineOf = (text: string | undefined) => text?.split('\n')[0]!.trim() || undefined;

const readFirstLine = (fs: ReadFs, file: string): string | undefined => {
  try {
    return firstLineOf(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};
const succeeds = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

/** Reads the host-wide inputs (`.defaults/cgroup/{mnt,per-ss,base,name}`, `/sys/fs/cgroup`). */
export function readCgroupHostSync(paths: HostPaths, fs: ReadFs = nodeFs): CgroupHostInputs {
  const defaults = path.join(paths.etcVservers, '.defaults/cgroup');
  const defaultsName = readFirstLine(fs, path.join(defaults, 'name'));
  const mnt = readFirstLine(fs, path.join(defaults, 'mnt'));
  const perSs = succeeds(() => fs.lstatSync(path.join(defaults, 'per-ss')));
  const base = readFirstLine(fs, path.join(defaults, 'base'));
  // a cgroup v2 /sys/fs/cgroup (no per-subsystem directories) is not util-vserver's layout
  const sysFsCgroup = ['memory', 'cpu'].map((ss) => {
    try {
      return fs.statSync(under(paths, `/sys/fs/cgroup/${ss}`)).isDirectory();
    } catch {
      return false;
    }
  }).some(Boolean);
  return {
    perSs,
    sysFsCgroup,
    ...(defaultsName !== undefined ? { defaultsName } : {}),
    ...(mnt !== undefined ? { mnt } : {}),
    ...(base !== undefined ? { base } : {}),
  };
}

export async function readCgroupHost(paths: HostPaths, fs: ReadFs = nodeFs): Promise<CgroupHostInputs> {
  return readCgroupHostSync(paths, fs);
}

/** Reads what the rules need from the host and resolves the layout for `guest`. */
export async function readCgroupLayout(paths: HostPaths, guest: string, fs: ReadFs = nodeFs): Promise<CgroupLayout> {
  const host = readCgroupHostSync(paths, fs);
  const guestName = readFirstLine(fs, path.join(paths.etcVservers, guest, 'cgroup/name'));
  return resolveCgroupLayout(paths, { ...host, guest, ...(guestName !== undefined ? { guestName } : {}) });
}

/** The live values of the control files vsgitops manages (missing or unreadable files are left out). */
export function readLiveCgroupSync(layout: CgroupLayout, fs: ReadFs = nodeFs): CgroupSpec {
  const out: CgroupSpec = {};
  for (const [key, file] of Object.entries(CGROUP_FILES) as [keyof CgroupSpec, string][]) {
    const v = readFirstLine(fs, path.join(cgroupDir(layout, file), file));
    if (v === undefined) continue;
    if (key === 'cpusetCpus' || key === 'cpusetMems') out[key] = v;
    else if (/^-?\d+$/.test(v)) out[key] = Number(v);
  }
  return out;
}

export async function readLiveCgroup(layout: CgroupLayout, fs: ReadFs = nodeFs): Promise<CgroupSpec> {
  return readLiveCgroupSync(layout, fs);
}
