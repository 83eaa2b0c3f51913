/**
 * Where util-vserver puts a guest's cgroup (reference §6.12; UV
 * `scripts/vserver.functions` `_generateCgroupOptions`, `_handleCgroup`):
 * mount `.defaults/cgroup/mnt`, else `/sys/fs/cgroup` with one hierarchy per
 * subsystem if it holds per-subsystem (v1) hierarchies, else `/dev/cgroup`;
 * `.defaults/cgroup/per-ss` asks for per-subsystem hierarchies under another
 * mount; base `.defaults/cgroup/base` (a `/` appended); name `cgroup/name`,
 * else `.defaults/cgroup/name`, else the guest name. `nocgroup`: none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { exists, isDir, readScalar } from './config-files.js';
import type { SimHost } from './store.js';

export interface SimCgroup {
  mount: string;
  perSubsystem: boolean;
  /** `<base><name>` below the mount (or below `<mount>/<subsys>`) */
  rel: string;
}

/** The guest's cgroup at start; null with `nocgroup`. */
export function simCgroup(host: SimHost, cfgdir: string, guest: string): SimCgroup | null {
  return exists(path.join(cfgdir, 'nocgroup')) ? null : simCgroupAt(host, cfgdir, guest);
}

/** Where the guest's cgroup is (also with `nocgroup`: a stop removes what an earlier start made). */
export function simCgroupAt(host: SimHost, cfgdir: string, guest: string): SimCgroup {
  const defaults = path.join(host.paths.etcVservers, '.defaults/cgroup');
  const mnt = readScalar(path.join(defaults, 'mnt'));
  const perSs = exists(path.join(defaults, 'per-ss'));
  const sys = path.join(host.dir, 'sys/fs/cgroup');
  let mount: string;
  let perSubsystem: boolean;
  if (mnt) [mount, perSubsystem] = [path.join(host.dir, mnt), perSs];
  else if (isDir(path.join(sys, 'memory')) || isDir(path.join(sys, 'cpu'))) [mount, perSubsystem] = [sys, true];
  else [mount, perSubsystem] = [host.paths.cgroup, perSs];
  const base = readScalar(path.join(defaults, 'base')) || '';
  const name = readScalar(path.join(cfgdir, 'cgroup/name')) || readScalar(path.join(defaults, 'name')) || guest;
  return { mount, perSubsystem, rel: (base && !base.endsWith('/') ? base + '/' : base) + name };
}

/** The directory holding control file `file` (`memory.limit_in_bytes` lives in the `memory` hierarchy). */
export function simCgroupDir(cg: SimCgroup, file: string): string {
  const dot = file.indexOf('.');
  return cg.perSubsystem ? path.join(cg.mount, dot > 0 ? file.slice(0, dot) : file, cg.rel) : path.join(cg.mount, cg.rel);
}

/** Removes the guest's cgroup directories (at stop): the one hierarchy's, or each subsystem's. */
export function removeSimCgroup(cg: SimCgroup): void {
  const dirs = cg.perSubsystem
    ? (fs.existsSync(cg.mount) ? fs.readdirSync(cg.mount) : []).map((ss) => path.join(cg.mount, ss, cg.rel))
    : [path.join(cg.mount, cg.rel)];
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
