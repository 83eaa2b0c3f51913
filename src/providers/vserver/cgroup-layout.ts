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
import fsp from 'node:fs/promises';
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

/** Reads the host-wide inputs (`.defaults/cgroup/{mnt,per-ss,base,name}`, `/sys/fs/cgroup`). */
export async function readCgroupHost(paths: HostPaths, fs: ReadFs = fsp): Promise<CgroupHostInputs> {
  const defaults = path.join(paths.etcVservers, '.defaults/cgroup');
  const read = (f: string) => fs.readFile(path.join(defaults, f), 'utf8').then(firstLineOf, () => undefined);
  const [defaultsName, mnt, perSs, base, sysFsCgroup] = await Promise.all([
    read('name'),
    read('mnt'),
    fs.lstat(path.join(defaults, 'per-ss')).then(() => true, () => false),
    read('base'),
    // a cgroup v2 /sys/fs/cgroup (no per-subsystem directories) is not util-vserver's layout
    Promise.all(['memory', 'cpu'].map((ss) => fs.stat(under(paths, `/sys/fs/cgroup/${ss}`)).then((s) => s.isDirectory(), () => false))).then((r) => r.some(Boolean)),
  ]);
  return {
    perSs,
    sysFsCgroup,
    ...(defaultsName !== undefined ? { defaultsName } : {}),
    ...(mnt !== undefined ? { mnt } : {}),
    ...(base !== undefined ? { base } : {}),
  };
}

/** Reads what the rules need from the host and resolves the layout for `guest`. */
export async function readCgroupLayout(paths: HostPaths, guest: string, fs: ReadFs = fsp): Promise<CgroupLayout> {
  const [host, guestName] = await Promise.all([
    readCgroupHost(paths, fs),
    fs.readFile(path.join(paths.etcVservers, guest, 'cgroup/name'), 'utf8').then(firstLineOf, () => undefined),
  ]);
  return resolveCgroupLayout(paths, { ...host, guest, ...(guestName !== undefined ? { guestName } : {}) });
}

/** The live values of the control files vsgitops manages (missing or unreadable files are left out). */
export async function readLiveCgroup(layout: CgroupLayout, fs: ReadFs = fsp): Promise<CgroupSpec> {
  const out: CgroupSpec = {};
  await Promise.all(
    (Object.entries(CGROUP_FILES) as [keyof CgroupSpec, string][]).map(async ([key, file]) => {
      const v = firstLineOf(await fs.readFile(path.join(cgroupDir(layout, file), file), 'utf8').catch(() => undefined));
      if (v === undefined) return;
      if (key === 'cpusetCpus' || key === 'cpusetMems') out[key] = v;
      else if (/^-?\d+$/.test(v)) out[key] = Number(v);
    }),
  );
  return out;
}
