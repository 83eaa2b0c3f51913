/**
 * Bulk creation of a simulated host for benchmarks: writes configuration and
 * kernel state for many guests directly through the same config reader,
 * kernel step and renderers the shims use — no process per guest.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GuestSpec, LimitValue } from '../model/guest.js';
import { simInit } from './init.js';
import { commitKernel, loadKernel, locked, type SimHost } from './store.js';
import { DEFAULT_FSTAB } from './vserver/build.js';
import { readStartConfig, startFiles, startKernel } from './vserver/start.js';
import { resolveGuest, runFile } from './vserver/guest.js';

const lines = (xs: string[]) => xs.map((x) => x + '\n').join('');
const lv = (v: LimitValue) => (v === 'inf' ? 'inf' : String(v));

/** Writes /etc/vservers/<name> for a spec the way util-vserver (build + hand edits) lays it out. */
export function writeGuestConfig(host: SimHost, spec: GuestSpec): void {
  const cfg = path.join(host.paths.etcVservers, spec.name);
  const files: [string, string][] = [
    ['name', spec.name + '\n'],
    ['context', `${spec.context}\n`],
    ['uts/nodename', spec.nodename + '\n'],
    ['apps/init/style', spec.initStyle + '\n'],
  ];
  if (spec.domainname !== undefined) files.push(['uts/domainname', spec.domainname + '\n']);
  if (spec.startOnBoot) files.push(['apps/init/mark', 'default\n']);
  if (spec.flags.length) files.push(['cflags', lines(spec.flags)]);
  if (spec.bcaps.length) files.push(['bcapabilities', lines(spec.bcaps)]);
  if (spec.ccaps.length) files.push(['ccapabilities', lines(spec.ccaps)]);
  for (const i of spec.interfaces) {
    const d = `interfaces/${i.name}`;
    files.push([`${d}/ip`, i.address + '\n'], [`${d}/prefix`, `${i.prefix}\n`]);
    files.push(i.device === null ? [`${d}/nodev`, ''] : [`${d}/dev`, i.device + '\n']);
    if (i.label) files.push([`${d}/name`, i.label + '\n']);
  }
  for (const [n, l] of Object.entries(spec.limits)) {
    if (!l) continue;
    if (l.soft === l.hard) files.push([`rlimits/${n}`, lv(l.hard) + '\n']);
    else files.push([`rlimits/${n}.soft`, lv(l.soft) + '\n'], [`rlimits/${n}.hard`, lv(l.hard) + '\n']);
    if (l.min !== undefined) files.push([`rlimits/${n}.min`, lv(l.min) + '\n']);
  }
  const cg = spec.cgroup;
  const cgFiles: [string, string | number | undefined][] = [
    ['memory.limit_in_bytes', cg.memoryLimit], ['cpu.shares', cg.cpuShares], ['cpu.cfs_quota_us', cg.cpuQuotaUs],
    ['cpu.cfs_period_us', cg.cpuPeriodUs], ['cpuset.cpus', cg.cpusetCpus], ['cpuset.mems', cg.cpusetMems],
  ];
  for (const [f, v] of cgFiles) if (v !== undefined) files.push([`cgroup/${f}`, `${v}\n`]);
  if (spec.disk) {
    const d = spec.disk;
    files.push(['dlimits/0/directory', d.directory + '\n'], ['dlimits/0/space_total', `${d.spaceKiB}\n`], ['dlimits/0/inodes_total', `${d.inodes}\n`], ['dlimits/0/reserved', `${d.reservedPercent}\n`]);
  }
  const fstab = spec.fstab.length
    ? spec.fstab.map((e) => `${e.device}\t${e.mountpoint}\t${e.type}\t${e.options}\t${e.dump} ${e.pass}\n`).join('')
    : DEFAULT_FSTAB;
  files.push(['fstab', fstab]);
  const made = new Set<string>();
  for (const [rel, text] of files) {
    const p = path.join(cfg, rel);
    const d = path.dirname(p);
    if (!made.has(d)) {
      fs.mkdirSync(d, { recursive: true });
      made.add(d);
    }
    fs.writeFileSync(p, text);
  }
  fs.mkdirSync(path.join(cfg, 'interfaces'), { recursive: true });
  const defaults = path.join(host.paths.etcVservers, '.defaults');
  for (const [l, t] of [['run', path.join(host.paths.runDir, spec.name)], ['vdir', path.join(defaults, 'vdirbase', spec.name)], ['cache', path.join(defaults, 'cachebase', spec.name)]]) {
    try {
      fs.symlinkSync(t, path.join(cfg, l));
    } catch {
      /* exists */
    }
  }
  fs.mkdirSync(path.join(host.paths.vserversRoot, spec.name), { recursive: true });
}

export interface SeedOptions {
  /** true/false for all guests, or 'spec' to follow each spec's runState (default) */
  running?: boolean | 'spec';
  name?: string;
  now?: () => number;
}

/** Creates (or extends) a simulated host with these guests; running ones get contexts, nids, cgroups and run files. */
export function seedSimHost(dir: string, guests: GuestSpec[], opts: SeedOptions = {}): SimHost {
  const { host } = simInit(dir, { name: opts.name, now: opts.now });
  let nodename = '(none)';
  try {
    nodename = fs.readFileSync(path.join(host.dir, 'etc/hostname'), 'utf8').trim();
  } catch {
    /* default */
  }
  return locked(host, () => {
    const s = loadKernel(host);
    for (const spec of guests) {
      writeGuestConfig(host, spec);
      const run = opts.running === undefined || opts.running === 'spec' ? spec.runState === 'running' : opts.running;
      if (!run) continue;
      const g = resolveGuest(host, spec.name);
      const cfg = readStartConfig(host, g);
      const { pids } = startKernel(s, g, cfg, host.now(), nodename);
      startFiles(host, g, cfg, pids, runFile(host, g));
    }
    commitKernel(host, s);
    return host;
  });
}
