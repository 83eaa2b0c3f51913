/**
 * The honest floor for observe (issue 12): a plain synchronous read of exactly
 * the files, links and directories an observer of this host needs, and nothing
 * else. The list is derived here from the reading rules of the reference
 * (/work/shared/vserver-reference.md), not from observe's code:
 *
 * - §1.1, §1.4–1.6, §1.8, §1.11: `/proc/virtual/info`; every context directory
 *   (decimal, no leading zero) and its `status` (tasks, flags, caps), `info`
 *   (init pid), `limit`, `nsproxy` (UTS names); every `/proc/virtnet/<nid>/info`
 *   (addresses). `sched`, `cvirt`, `cacct`, `nsproxy1` carry nothing observed.
 * - §6.0, §7.1: `/etc/vservers/*` (not dot entries; a link counts if it leads to
 *   a directory; a guest only with a `vdir` or `context`, and `legacy` checked), each config dir walked whole: every file read, every link
 *   read by target; below the top level a link is followed (stat, then read or
 *   walked); at the top level `vdir`, `run`, `cache` are util-vserver's own
 *   and only their targets are recorded. The run file (`run` → the file under
 *   /var/run/vservers) is read for its xid.
 * - §6.12: for guests that run (run xid with tasks > 0) and have no `nocgroup`:
 *   `.defaults/cgroup/{name,mnt,base}`, whether `per-ss` exists, whether
 *   `/sys/fs/cgroup/{memory,cpu}` are directories, and the guest's six control
 *   files vsgitops manages, under the mount util-vserver would use.
 *
 * `bench/run.ts` also checks, once per size, that this reads the same set of
 * paths observe reads (both through a recording fs), so the floor stays honest.
 */
import nodeFs from 'node:fs';
import path from 'node:path';
import type { HostPaths } from '../src/providers/vserver/host-paths.js';

export type FloorFs = Pick<typeof nodeFs, 'readFileSync' | 'readdirSync' | 'lstatSync' | 'statSync' | 'readlinkSync'>;

export interface FloorResult {
  files: number;
  dirs: number;
  links: number;
  bytes: number;
}

/** The control files vsgitops manages (reference §6.12; cgroup v1 names). */
const CONTROL_FILES = ['memory.limit_in_bytes', 'cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpuset.cpus', 'cpuset.mems'];
const UTIL_VSERVER_LINKS = new Set(['vdir', 'run', 'cache']);
const ID = /^[1-9]\d*$/;

export function readObserveFloor(paths: HostPaths, fs: FloorFs = nodeFs): FloorResult {
  const r: FloorResult = { files: 0, dirs: 0, links: 0, bytes: 0 };
  const read = (p: string): string | undefined => {
    try {
      const t = fs.readFileSync(p, 'utf8');
      r.files++;
      r.bytes += t.length;
      return t;
    } catch {
      return undefined;
    }
  };
  const list = (p: string) => {
    r.dirs++;
    return fs.readdirSync(p, { withFileTypes: true });
  };
  const firstLine = (t: string | undefined) => (t === undefined ? undefined : (t.split('\n')[0] ?? '').trim());

  // /proc/virtual, /proc/virtnet
  const tasks = new Map<number, number>();
  const virtual = path.join(paths.proc, 'virtual');
  if (read(path.join(virtual, 'info')) !== undefined) {
    for (const e of list(virtual)) {
      if (!ID.test(e.name)) continue;
      const status = read(path.join(virtual, e.name, 'status'));
      const m = status && /^Tasks:\s*(\d+)/m.exec(status);
      tasks.set(Number(e.name), m ? Number(m[1]) : 0);
      for (const f of ['info', 'limit', 'nsproxy']) read(path.join(virtual, e.name, f));
    }
    const virtnet = path.join(paths.proc, 'virtnet');
    let nets: nodeFs.Dirent[] = [];
    try {
      nets = list(virtnet);
    } catch {
      /* no network contexts */
    }
    for (const e of nets) if (ID.test(e.name)) read(path.join(virtnet, e.name, 'info'));
  }

  // /etc/vservers
  const guests: string[] = [];
  for (const e of list(paths.etcVservers)) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) guests.push(e.name);
    else if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(path.join(paths.etcVservers, e.name)).isDirectory()) guests.push(e.name);
      } catch {
        /* dangling */
      }
    }
  }
  const running: { name: string; cgroupName?: string }[] = [];
  for (const name of guests) {
    const dir = path.join(paths.etcVservers, name);
    // getAllVservers (UV scripts/functions:581-583): a guest is a dir with a vdir (or a context
    // file); a `legacy` file hands it to the pre-0.30 scripts. One lstat each, as a reader checks.
    const exists = (f: string) => {
      try {
        fs.lstatSync(path.join(dir, f));
        return true;
      } catch {
        return false;
      }
    };
    if (!exists('vdir') && !exists('context')) continue;
    exists('legacy');
    const top = new Map<string, string>();
    const topLinks = new Set<string>();
    const walk = (abs: string, depth: number): void => {
      for (const e of list(abs)) {
        const a = path.join(abs, e.name);
        if (e.isSymbolicLink()) {
          const target = fs.readlinkSync(a, 'utf8');
          r.links++;
          if (depth === 0) {
            top.set(e.name, target);
            topLinks.add(e.name);
          }
          if (depth === 0 && UTIL_VSERVER_LINKS.has(e.name)) continue;
          let st;
          try {
            st = fs.statSync(a);
          } catch {
            continue;
          }
          if (st.isDirectory()) walk(a, depth + 1);
          else if (st.isFile()) read(a);
        } else if (e.isDirectory()) walk(a, depth + 1);
        else if (e.isFile()) {
          const t = read(a);
          if (depth === 0 && t !== undefined) top.set(e.name, t);
          if (abs === path.join(dir, 'cgroup') && e.name === 'name' && t !== undefined) top.set('cgroup/name', t);
        }
      }
    };
    walk(dir, 0);
    // the run file: a link into /var/run/vservers (on a simulated host: under its root)
    const runLink = top.get('run');
    let runText: string | undefined;
    if (topLinks.has('run') && runLink !== undefined) {
      const std = '/var/run/vservers/';
      const target = runLink.startsWith(std) ? path.join(paths.runDir, runLink.slice(std.length)) : path.isAbsolute(runLink) ? runLink : path.resolve(dir, runLink);
      runText = read(target);
    } else runText = runLink;
    const xid = Number(firstLine(runText));
    if (Number.isInteger(xid) && (tasks.get(xid) ?? 0) > 0 && !top.has('nocgroup')) {
      const cg = firstLine(top.get('cgroup/name'));
      running.push({ name, ...(cg ? { cgroupName: cg } : {}) });
    }
  }

  // cgroups of running guests (§6.12)
  if (running.length > 0) {
    const defaults = path.join(paths.etcVservers, '.defaults/cgroup');
    const defName = firstLine(read(path.join(defaults, 'name')));
    const mnt = firstLine(read(path.join(defaults, 'mnt')));
    let perSs = true;
    try {
      fs.lstatSync(path.join(defaults, 'per-ss'));
    } catch {
      perSs = false;
    }
    const base = firstLine(read(path.join(defaults, 'base')));
    const sysDir = (ss: string) => {
      try {
        return fs.statSync(path.join(paths.root, 'sys/fs/cgroup', ss)).isDirectory();
      } catch {
        return false;
      }
    };
    const sys = [sysDir('memory'), sysDir('cpu')].some(Boolean);
    const mount = mnt ? path.join(paths.root, mnt) : sys ? path.join(paths.root, 'sys/fs/cgroup') : paths.cgroup;
    const split = mnt ? perSs : sys ? true : perSs;
    const prefix = base ? (base.endsWith('/') ? base : base + '/') : '';
    for (const g of running) {
      const rel = prefix + (g.cgroupName || defName || g.name);
      for (const f of CONTROL_FILES) read(split ? path.join(mount, f.slice(0, f.indexOf('.')), rel, f) : path.join(mount, rel, f));
    }
  }
  return r;
}

/** A recording fs: every path each operation was asked for, as `op path` strings. */
export function recordingFs(inner: FloorFs = nodeFs): { fs: FloorFs; seen: Set<string> } {
  const seen = new Set<string>();
  const rec = <F extends (p: nodeFs.PathLike, ...rest: never[]) => unknown>(op: string, f: F): F =>
    ((p: nodeFs.PathLike, ...rest: never[]) => {
      seen.add(`${op} ${String(p)}`);
      return f(p, ...rest);
    }) as F;
  const fs: FloorFs = {
    readFileSync: rec('read', inner.readFileSync.bind(inner) as never),
    readdirSync: rec('list', inner.readdirSync.bind(inner) as never),
    readlinkSync: rec('link', inner.readlinkSync.bind(inner) as never),
    statSync: rec('stat', inner.statSync.bind(inner) as never),
    lstatSync: rec('stat', inner.lstatSync.bind(inner) as never),
  };
  return { fs, seen };
}
