import test from 'ava';
import path from 'node:path';
import type { GuestSpec } from '../../../src/model/guest.js';
import { parseCInt, parseGuestConfig, parseLimitValue, readGuestConfig, type ConfigTree } from '../../../src/providers/vserver/config-read.js';
import { ETC } from './fixtures.js';

test('LIVE guest1 tree (transcript) reads as the guest that was built', async (t) => {
  const r = await readGuestConfig(path.join(ETC, 'guest1'));
  const expected: GuestSpec = {
    name: 'guest1',
    context: 1001,
    nodename: 'guest1',
    runState: 'stopped',
    startOnBoot: false,
    initStyle: 'plain',
    interfaces: [
      { name: '0', device: 'dummy0', address: '192.168.77.11', family: 4, prefix: 24 },
      { name: '1', device: null, address: '10.77.0.11', family: 4, prefix: 32 },
    ],
    flags: [],
    bcaps: [],
    ccaps: [],
    limits: { nproc: { soft: 100, hard: 200 } },
    cgroup: {},
    fstab: [
      { device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 },
      { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m,mode=1777', dump: 0, pass: 0 },
      { device: 'none', mountpoint: '/dev/pts', type: 'devpts', options: 'gid=5,mode=620', dump: 0, pass: 0 },
    ],
  };
  t.deepEqual(r.spec, expected);
  t.is(r.contextFile, 1001);
  t.deepEqual(r.problems, []);
  // run/vdir/cache are recorded by target, never followed
  t.deepEqual(r.tree.get('run'), { kind: 'symlink', target: '/var/run/vservers/guest1' });
  t.false([...r.tree.keys()].some((k) => k.startsWith('vdir/')));
});

test('legacy flags, comma lists, negation, interface fallbacks, rlimit suffixes/inf/octal, cgroup, dlimits', async (t) => {
  const r = await readGuestConfig(path.join(ETC, 'legacy'));
  const s = r.spec;
  t.deepEqual(s.flags, ['lock', '~fakeinit', 'sched_hard', 'virt_mem', 'virt_uptime']);
  t.deepEqual(s.bcaps, ['~NET_RAW', 'SYS_ADMIN', 'MKNOD']);
  t.deepEqual(s.ccaps, ['raw_icmp', '~secure_mount']);
  t.deepEqual(s.interfaces, [
    { name: '0', device: 'eth0', address: '10.0.0.22', family: 4, prefix: 16 },
    { name: '1', device: 'eth1', address: '10.0.1.22', family: 4, prefix: 25, label: 'web' },
    // issue 10 (iface): a disabled interface is modelled (util-vserver skips it at start and stop)
    { name: '2', device: 'eth0', address: '10.0.2.22', family: 4, prefix: 16, disabled: true },
    { name: 'v6', device: 'eth0', address: '2001:41d0:1:c174::22', family: 6, prefix: 64 },
  ]);
  t.deepEqual(s.limits, {
    nproc: { soft: 8, hard: 256 },
    nofile: { soft: 4096, hard: 4096 },
    locks: { soft: 'inf', hard: 'inf' },
    msgqueue: { soft: 'inf', hard: 2 * 1024 * 1024 },
    nsock: { soft: 1000, hard: 1000 },
    openfd: { soft: 1000000, hard: 1000000, min: 5 },
  });
  t.is(s.nodename, 'web22');
  t.is(s.domainname, 'example.org');
  t.true(s.startOnBoot);
  t.is(s.initStyle, 'sysv');
  t.deepEqual(s.cgroup, { memoryLimit: 67108864, cpuShares: 512, cpusetCpus: '0-1,3' });
  t.deepEqual(s.disk, { directory: '/vservers/legacy', spaceKiB: 1048576, inodes: 100000, reservedPercent: 5 });
  t.deepEqual(s.fstab, [
    { device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 },
    { device: '/dev/sdb1', mountpoint: '/data', type: 'ext4', options: 'noatime', dump: 0, pass: 0 },
  ]);
  // rlimits/rss is not settable on G4: reported, not modelled (carried verbatim in spec.files); a second
  // mark line is another boot mark (grep -qx, UV scripts/functions:600-602): spec.bootMarks (issue 10);
  // a disabled interface is modelled (issue 10, iface): no problem
  t.deepEqual(r.problems.map((p) => path.relative(ETC, p.file)), ['legacy/rlimits/rss']);
  t.deepEqual(s.bootMarks, ['ignored second line']);
  t.deepEqual(s.files, { 'rlimits/rss': '65536\n' });
});

test('bad values become problems naming the file; the rest of the guest is still read', async (t) => {
  const r = await readGuestConfig(path.join(ETC, 'broken'));
  const byFile = Object.fromEntries(r.problems.map((p) => [path.relative(ETC, p.file), p.message]));
  t.regex(byFile['broken/context']!, /invalid context id "abc"/);
  t.regex(byFile['broken/apps/init/style']!, /Unknown init-style 'bogus'/);
  t.regex(byFile['broken/cflags']!, /vattribute --flag rejects "nonsense"/);
  t.regex(byFile['broken/rlimits/nproc']!, /Invalid limit/);
  t.regex(byFile['broken/interfaces/0/ip']!, /Can not read ip for '0'/);
  t.regex(byFile['broken/interfaces/1']!, /No device specified for '1'/);
  t.regex(byFile['broken/hostname']!, /legacy hostname/);
  t.is(r.spec.context, 0);
  t.is(r.spec.initStyle, 'sysv');
  t.is(r.spec.nodename, 'brokenhost');
  t.deepEqual(r.spec.limits, { nofile: { soft: 4096, hard: 4096 } });
  t.deepEqual(r.spec.interfaces, []);
});

const tree = (files: Record<string, string>): ConfigTree => {
  const m: ConfigTree = new Map();
  for (const [k, v] of Object.entries(files)) {
    const parts = k.split('/');
    for (let i = 1; i < parts.length; i++) m.set(parts.slice(0, i).join('/'), { kind: 'dir' });
    m.set(k, { kind: 'file', content: v });
  }
  return m;
};

test('scalar files count by their first line, trimmed; cflags wins over flags', (t) => {
  const r = parseGuestConfig('/etc/vservers/x', tree({ context: '  42  \nsecond\n', cflags: 'virt_mem\n', flags: 'lock\n', 'apps/init/style': 'minit\n# x\n' }));
  t.is(r.spec.context, 42);
  t.deepEqual(r.spec.flags, ['virt_mem']);
  t.is(r.spec.initStyle, 'minit');
  t.is(r.spec.name, 'x');
});

test('booleans by existence: nodev and disabled with any content', (t) => {
  const r = parseGuestConfig(
    '/etc/vservers/x',
    tree({ context: '5', 'interfaces/a/ip': '10.0.0.1', 'interfaces/a/nodev': 'no!', 'interfaces/b/ip': '10.0.0.2', 'interfaces/b/dev': 'eth0', 'interfaces/b/disabled': 'no!' }),
  );
  t.deepEqual(r.spec.interfaces, [
    { name: 'a', device: null, address: '10.0.0.1', family: 4, prefix: 32 },
    { name: 'b', device: 'eth0', address: '10.0.0.2', family: 4, prefix: 32, disabled: true },
  ]);
});

test("cgroup values are the guest's own (a .defaults/cgroup value is the host's, not the guest's); nocgroup: read, and reported as not applied", (t) => {
  const r = parseGuestConfig('/etc/vservers/x', tree({ context: '5', 'cgroup/cpu.shares': '1024' }));
  t.deepEqual(r.spec.cgroup, { cpuShares: 1024 });
  t.deepEqual(r.problems, []);
  // the files are still the guest's configuration: reading them as unset would plan writing them on every pass
  const off = parseGuestConfig('/etc/vservers/x', tree({ context: '5', nocgroup: '', 'cgroup/cpu.shares': '1024' }));
  t.deepEqual(off.spec.cgroup, { cpuShares: 1024 });
  t.deepEqual(off.problems.map((p) => [p.file, p.path]), [['/etc/vservers/x/nocgroup', 'spec.cgroup']]);
  t.regex(off.problems[0]!.message, /no cgroup.*not applied/);
  t.deepEqual(parseGuestConfig('/etc/vservers/x', tree({ context: '5', nocgroup: '' })).problems, [], 'nocgroup alone is no problem');
});

const limitValues: [string, number | 'inf' | undefined][] = [
  ['200\n', 200],
  ['inf\n', 'inf'],
  ['infinity', 'inf'],
  ['0x10', 16],
  ['010', 8],
  ['0', 0],
  ['4K', 4096],
  ['4k', 4000],
  ['3M\n', 3 * 1024 * 1024],
  ['3m', 3000000],
  ['  7\nignored', 7],
  ['12x', undefined],
  ['08', undefined],
  ['4KB', undefined],
  ['7 ', undefined],
  // UV lib/parselimit.c:37 strtoll: -1 is VC_LIM_INFINITY (~0ULL, lib/vserver.h:74) = unlimited
  ['-1', 'inf'],
  ['-1\n', 'inf'],
  ['', undefined],
  // parselimit.c:32 strncmp(buf,"inf",3) has no white-space skip; :49 only '\0' or '\n' may follow
  [' inf', undefined],
  ['100\r\n', undefined],
  ['\n5\n', 5],
];
for (const [input, want] of limitValues) {
  test(`rlimit value ${JSON.stringify(input)} → ${String(want)}`, (t) => {
    t.is(parseLimitValue(input), want);
  });
}

test('C base-0 integers', (t) => {
  t.deepEqual(['0x1F', '017', '17', '-3', '09', 'x'].map(parseCInt), [31, 15, 17, -3, undefined, undefined]);
});

test('interfaces/<n> may be a symlink to a shared directory (puppet-virtual style); digest sees the link', async (t) => {
  const fsp = await import('node:fs/promises');
  const os = await import('node:os');
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'vsgitops-cr-'));
  const shared = path.join(root, 'local-interfaces/10.0.0.5');
  await fsp.mkdir(shared, { recursive: true });
  await fsp.writeFile(path.join(shared, 'ip'), '10.0.0.5\n');
  await fsp.writeFile(path.join(shared, 'dev'), 'eth0\n');
  const dir = path.join(root, 'vs');
  await fsp.mkdir(path.join(dir, 'interfaces'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'context'), '7\n');
  await fsp.symlink(shared, path.join(dir, 'interfaces/web'));
  await fsp.symlink('/nonexistent/root', path.join(dir, 'vdir'));
  const r = await readGuestConfig(dir);
  t.deepEqual(r.spec.interfaces, [{ name: 'web', device: 'eth0', address: '10.0.0.5', family: 4, prefix: 32 }]);
  t.deepEqual(r.tree.get('interfaces/web'), { kind: 'symlink', target: shared, dir: true });
  t.deepEqual(r.problems.map((p) => p.message), ['no prefix or mask: util-vserver passes 10.0.0.5 without one, and the kernel (chbind, ip addr add) uses /32']);
});
