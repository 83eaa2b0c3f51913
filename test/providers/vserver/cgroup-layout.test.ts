import test from 'ava';
import { cgroupDir, cgroupParentDir, resolveCgroupLayout, type CgroupInputs } from '../../../src/providers/vserver/cgroup-layout.js';
import { localHostPaths, simHostPaths, type HostPaths } from '../../../src/providers/vserver/host-paths.js';

interface Case {
  title: string;
  paths?: HostPaths;
  inputs: Partial<CgroupInputs>;
  /** file → where util-vserver put it */
  files: Record<string, string>;
}

const sim = simHostPaths('/tmp/simhost');
const CASES: Case[] = [
  {
    title: 'nothing configured, no /sys/fs/cgroup: /dev/cgroup, one hierarchy, the guest name',
    inputs: {},
    files: { 'memory.limit_in_bytes': '/dev/cgroup/web/memory.limit_in_bytes', 'cpu.shares': '/dev/cgroup/web/cpu.shares' },
  },
  {
    title: '/sys/fs/cgroup exists: one hierarchy per subsystem',
    inputs: { sysFsCgroup: true },
    files: {
      'memory.limit_in_bytes': '/sys/fs/cgroup/memory/web/memory.limit_in_bytes',
      'cpu.shares': '/sys/fs/cgroup/cpu/web/cpu.shares',
      'cpu.cfs_quota_us': '/sys/fs/cgroup/cpu/web/cpu.cfs_quota_us',
      'cpuset.cpus': '/sys/fs/cgroup/cpuset/web/cpuset.cpus',
    },
  },
  {
    title: '.defaults/cgroup/mnt wins over /sys/fs/cgroup and is one hierarchy',
    inputs: { mnt: '/cgroup', sysFsCgroup: true },
    files: { 'cpu.shares': '/cgroup/web/cpu.shares' },
  },
  {
    title: '.defaults/cgroup/mnt with per-ss',
    inputs: { mnt: '/cgroup', perSs: true },
    files: { 'cpuset.mems': '/cgroup/cpuset/web/cpuset.mems' },
  },
  {
    title: 'base gets its slash; cgroup/name wins over .defaults/cgroup/name',
    inputs: { base: 'vservers', guestName: 'webcg', defaultsName: 'all', sysFsCgroup: true },
    files: { 'memory.limit_in_bytes': '/sys/fs/cgroup/memory/vservers/webcg/memory.limit_in_bytes' },
  },
  {
    title: 'base already ending in a slash; .defaults/cgroup/name',
    inputs: { base: 'vs/', defaultsName: 'all' },
    files: { 'cpu.shares': '/dev/cgroup/vs/all/cpu.shares' },
  },
  {
    title: 'simulated host: its own /dev/cgroup',
    paths: sim,
    inputs: {},
    files: { 'cpu.shares': '/tmp/simhost/dev/cgroup/web/cpu.shares' },
  },
  {
    title: 'simulated host: mnt and /sys/fs/cgroup are taken under its root',
    paths: sim,
    inputs: { mnt: '/cg', perSs: true },
    files: { 'cpu.shares': '/tmp/simhost/cg/cpu/web/cpu.shares' },
  },
];

for (const c of CASES) {
  test(`cgroup layout: ${c.title}`, (t) => {
    const layout = resolveCgroupLayout(c.paths ?? localHostPaths(), { guest: 'web', perSs: false, sysFsCgroup: false, ...c.inputs });
    const got = Object.fromEntries(Object.keys(c.files).map((f) => [f, `${cgroupDir(layout, f)}/${f}`]));
    t.deepEqual(got, c.files);
  });
}

test('the parent cgroup is the directory above the guest cgroup, per subsystem', (t) => {
  const layout = resolveCgroupLayout(localHostPaths(), { guest: 'web', perSs: false, sysFsCgroup: true, base: 'vs' });
  t.is(cgroupParentDir(layout, 'cpuset.cpus'), '/sys/fs/cgroup/cpuset/vs');
});

test('readCgroupHost: /sys/fs/cgroup counts only with per-subsystem directories (not a cgroup v2 mount)', async (t) => {
  const fsp = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { readCgroupHost } = await import('../../../src/providers/vserver/cgroup-layout.js');
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'vsg-cg-'));
  t.teardown(() => fsp.rm(root, { recursive: true, force: true }));
  const paths = simHostPaths(root);
  await fsp.mkdir(path.join(root, 'sys/fs/cgroup'), { recursive: true });
  t.false((await readCgroupHost(paths)).sysFsCgroup, 'a bare (v2-style) /sys/fs/cgroup');
  await fsp.mkdir(path.join(root, 'sys/fs/cgroup/memory'));
  t.true((await readCgroupHost(paths)).sysFsCgroup, 'a v1 per-subsystem /sys/fs/cgroup');
});
