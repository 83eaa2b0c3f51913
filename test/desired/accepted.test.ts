import test from 'ava';
import type { DesiredGuest } from '../../src/model/guest.js';
import { manifest, validateText, validateTexts } from './helpers.js';

function only(text: string | Uint8Array): DesiredGuest {
  const r = validateText(text);
  if (r.problems.length > 0) throw new Error(JSON.stringify(r.problems, null, 1));
  if (r.guests.length !== 1) throw new Error(`expected one guest, got ${r.guests.length}`);
  return r.guests[0]!;
}

test('a minimal manifest gets util-vserver defaults', (t) => {
  const g = only(manifest());
  t.deepEqual(g, {
    spec: {
      name: 'web1',
      context: 1001,
      nodename: 'web1',
      runState: 'running',
      startOnBoot: false,
      initStyle: 'sysv',
      interfaces: [],
      flags: [],
      bcaps: [],
      ccaps: [],
      limits: {},
      cgroup: {},
      fstab: [
        { device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 },
        { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m,mode=1777', dump: 0, pass: 0 },
        { device: 'none', mountpoint: '/dev/pts', type: 'devpts', options: 'gid=5,mode=620', dump: 0, pass: 0 },
      ],
    },
    build: { method: 'skeleton' },
    policy: { deletion: 'retain', drift: 'enforce' },
    labels: {},
    hosts: { names: ['host-a'], matchLabels: {} },
    origin: { file: 'm.yaml', line: 1, document: 0 },
  });
});

interface Accepted {
  title: string;
  extra: string[];
  check: (g: DesiredGuest) => unknown;
  want: unknown;
  build?: string;
}

const accepted: Accepted[] = [
  { title: 'memory in Mi', extra: ['  memory: {limit: 512Mi}'], check: (g) => g.spec.cgroup.memoryLimit, want: 512 * 1024 * 1024 },
  { title: 'memory in Gi', extra: ['  memory: {limit: 2Gi}'], check: (g) => g.spec.cgroup.memoryLimit, want: 2 * 1024 ** 3 },
  { title: 'memory as plain bytes', extra: ['  memory: {limit: 1048576}'], check: (g) => g.spec.cgroup.memoryLimit, want: 1048576 },
  { title: 'memory as a quoted byte count', extra: ['  memory: {limit: "65536"}'], check: (g) => g.spec.cgroup.memoryLimit, want: 65536 },
  {
    title: 'cpu settings',
    extra: ['  cpu: {shares: 512, quotaUs: 50000, periodUs: 100000, cpus: "0-1,3", mems: "0"}'],
    check: (g) => g.spec.cgroup,
    want: { cpuShares: 512, cpuQuotaUs: 50000, cpuPeriodUs: 100000, cpusetCpus: '0-1,3', cpusetMems: '0' },
  },
  {
    title: 'disk space in KiB with default reserve and directory',
    extra: ['  disk: {space: 10Gi, inodes: 200000}'],
    check: (g) => g.spec.disk,
    want: { directory: '/vservers/web1', spaceKiB: 10 * 1024 * 1024, inodes: 200000, reservedPercent: 5 },
  },
  {
    title: 'disk with explicit directory and reserve',
    extra: ['  disk: {space: 2048, inodes: 0, reserved: 0, directory: /srv/data}'],
    check: (g) => g.spec.disk,
    want: { directory: '/srv/data', spaceKiB: 2, inodes: 0, reservedPercent: 0 },
  },
  {
    title: 'paths normalized: disk directory and fstab mount point (issue 14)',
    extra: ['  disk: {space: 2048, inodes: 0, directory: "//srv/./data/"}', '  fstab: [{device: none, mountpoint: "/var//tmp/./", type: tmpfs}]'],
    check: (g) => [g.spec.disk?.directory, g.spec.fstab.map((f) => f.mountpoint)],
    want: ['/srv/data', ['/var/tmp']],
  },
  { title: 'a number sets soft = hard', extra: ['  limits: {nofile: 4096}'], check: (g) => g.spec.limits, want: { nofile: { soft: 4096, hard: 4096 } } },
  { title: 'inf sets unlimited', extra: ['  limits: {locks: inf}'], check: (g) => g.spec.limits, want: { locks: { soft: 'inf', hard: 'inf' } } },
  { title: 'hard alone clamps soft', extra: ['  limits: {nproc: {hard: 300}}'], check: (g) => g.spec.limits, want: { nproc: { soft: 300, hard: 300 } } },
  { title: 'soft alone leaves hard unlimited', extra: ['  limits: {nproc: {soft: 100}}'], check: (g) => g.spec.limits, want: { nproc: { soft: 100, hard: 'inf' } } },
  { title: 'soft, hard and min', extra: ['  limits: {nproc: {min: 10, soft: 200, hard: 300}}'], check: (g) => g.spec.limits, want: { nproc: { soft: 200, hard: 300, min: 10 } } },
  { title: 'soft equal to hard', extra: ['  limits: {shmem: {soft: 5, hard: 5}}'], check: (g) => g.spec.limits, want: { shmem: { soft: 5, hard: 5 } } },
  {
    title: 'all eight G4 limits',
    extra: ['  limits: {nproc: 1, nofile: 2, locks: 3, msgqueue: 4, nsock: 5, openfd: 6, shmem: 7, dentry: 8}'],
    check: (g) => Object.keys(g.spec.limits),
    want: ['nproc', 'nofile', 'locks', 'msgqueue', 'nsock', 'openfd', 'shmem', 'dentry'],
  },
  {
    title: 'flags: case, prefixes, aliases, negation, comma lists, sorted by bit',
    extra: ['  flags: [VIRT_UPTIME, vxf_virt_mem, "~fakeinit", "hide_netif,sched_hard"]'],
    check: (g) => g.spec.flags,
    want: ['~fakeinit', 'sched_hard', 'virt_mem', 'virt_uptime', 'hide_netif'],
  },
  { title: 'flag alias info_init → fakeinit', extra: ['  flags: [info_init]'], check: (g) => g.spec.flags, want: ['fakeinit'] },
  { title: '! negation', extra: ['  flags: ["!virt_mem"]'], check: (g) => g.spec.flags, want: ['~virt_mem'] },
  {
    title: 'system capabilities with CAP_ prefix and negation',
    extra: ['  capabilities: {system: [cap_sys_chroot, "~NET_ADMIN", mknod]}'],
    check: (g) => g.spec.bcaps,
    want: ['~NET_ADMIN', 'SYS_CHROOT', 'MKNOD'],
  },
  {
    title: 'context capabilities with aliases',
    extra: ['  capabilities: {context: [vxc_ping, secure_mount, utsname]}'],
    check: (g) => g.spec.ccaps,
    want: ['set_utsname', 'raw_icmp', 'secure_mount'],
  },
  {
    title: 'interfaces: default names, nodev, canonical IPv6, sorted by name',
    extra: [
      '  interfaces:',
      '    - {name: z, device: eth0, address: 192.0.2.10/24, label: web}',
      '    - {nodev: true, address: "2001:DB8:0:0:0:0:0:10/64"}',
      '    - {device: eth1, address: "::ffff:192.0.2.1/128"}',
    ],
    check: (g) => g.spec.interfaces,
    want: [
      { name: '1', device: null, address: '2001:db8::10', family: 6, prefix: 64 },
      { name: '2', device: 'eth1', address: '::ffff:192.0.2.1', family: 6, prefix: 128 },
      { name: 'z', device: 'eth0', address: '192.0.2.10', family: 4, prefix: 24, label: 'web' },
    ],
  },
  { title: 'nodev: false with a device', extra: ['  interfaces: [{device: eth0, nodev: false, address: 10.0.0.1/8}]'], check: (g) => g.spec.interfaces[0]!.device, want: 'eth0' },
  { title: 'uts', extra: ['  uts: {nodename: web1.example.org, domainname: example.org}'], check: (g) => [g.spec.nodename, g.spec.domainname], want: ['web1.example.org', 'example.org'] },
  { title: 'stopped, start on boot, init style', extra: ['  state: stopped', '  startOnBoot: true', '  init: {style: plain}'], check: (g) => [g.spec.runState, g.spec.startOnBoot, g.spec.initStyle], want: ['stopped', true, 'plain'] },
  { title: 'policies', extra: ['  policy: {deletion: delete, drift: warn}'], check: (g) => g.policy, want: { deletion: 'delete', drift: 'warn' } },
  {
    title: 'fstab defaults for options, dump and pass',
    extra: ['  fstab: [{device: /dev/vg0/data, mountpoint: /srv, type: ext4}]'],
    check: (g) => g.spec.fstab,
    want: [{ device: '/dev/vg0/data', mountpoint: '/srv', type: 'ext4', options: 'defaults', dump: 0, pass: 0 }],
  },
  { title: 'an empty fstab stays empty', extra: ['  fstab: []'], check: (g) => g.spec.fstab, want: [] },
  {
    title: 'debootstrap with mirror and extra args',
    build: '{method: debootstrap, distribution: bookworm, mirror: "http://deb.debian.org/debian", extraArgs: [--variant=minbase]}',
    extra: [],
    check: (g) => g.build,
    want: { method: 'debootstrap', distribution: 'bookworm', mirror: 'http://deb.debian.org/debian', extraArgs: ['--variant=minbase'] },
  },
  { title: 'template', build: '{method: template, templates: [/srv/t/base.tar.xz, /srv/t/web.tar]}', extra: [], check: (g) => g.build, want: { method: 'template', templates: ['/srv/t/base.tar.xz', '/srv/t/web.tar'] } },
  { title: 'clone', build: '{method: clone, source: /vservers/gold}', extra: [], check: (g) => g.build, want: { method: 'clone', source: '/vservers/gold' } },
  { title: 'rsync from a remote module', build: '{method: rsync, source: "build::img/web/"}', extra: [], check: (g) => g.build, want: { method: 'rsync', source: 'build::img/web/' } },
  { title: 'empty extraArgs are dropped', build: '{method: skeleton, extraArgs: []}', extra: [], check: (g) => g.build, want: { method: 'skeleton' } },
  {
    title: 'anchors and aliases within limits',
    extra: ['  memory: {limit: 1Gi}', '  cpu: {cpus: &c "0-1", mems: *c}'],
    check: (g) => g.spec.cgroup,
    want: { memoryLimit: 1024 ** 3, cpusetCpus: '0-1', cpusetMems: '0-1' },
  },
];

for (const c of accepted) {
  test(`accepts: ${c.title}`, (t) => {
    const g = only(manifest(c.extra, c.build ? { build: c.build } : {}));
    t.deepEqual(c.check(g), c.want);
  });
}

test('labels and host selectors are kept, names sorted', (t) => {
  const text = manifest([], { hosts: '{names: [host-b, host-a], matchLabels: {site: fra1}}' }).replace('  name: web1', '  name: web1\n  labels: {role: web}');
  const g = only(text);
  t.deepEqual(g.hosts, { names: ['host-a', 'host-b'], matchLabels: { site: 'fra1' } });
  t.deepEqual(g.labels, { role: 'web' });
});

test('a BOM and comment-only documents are fine; origins record document and line', (t) => {
  const text = '\ufeff# fleet\n---\n# nothing here\n---\n' + manifest() + '---\n' + manifest([], { name: 'web2', context: '1002' });
  const r = validateText(text);
  t.deepEqual(r.problems, []);
  t.deepEqual(r.guests.map((g) => [g.spec.name, g.origin]), [
    ['web1', { file: 'm.yaml', line: 5, document: 1 }],
    ['web2', { file: 'm.yaml', line: 14, document: 2 }],
  ]);
  t.is(r.documents, 2);
});

test('an empty file set is valid and empty; an invalid one is distinguishable', (t) => {
  const empty = validateTexts({});
  t.deepEqual([empty.guests, empty.problems, empty.files], [[], [], 0]);
  const blank = validateTexts({ 'a.yaml': '' });
  t.deepEqual([blank.guests, blank.problems, blank.files, blank.documents], [[], [], 1, 0]);
  const bad = validateTexts({ 'a.yaml': 'kind: [' });
  t.deepEqual(bad.guests, []);
  t.true(bad.problems.length > 0);
});

test('files are processed in path order', (t) => {
  const r = validateTexts({ 'b/z.yaml': manifest([], { name: 'zz', context: '3' }), 'a.yml': manifest([], { name: 'aa', context: '2' }) });
  t.deepEqual(r.guests.map((g) => g.spec.name), ['aa', 'zz']);
});
