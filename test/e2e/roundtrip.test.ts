/**
 * Property-style round trip over every manifest field: what apply writes and
 * starts, observe reads back identically (an applied host plans nothing), and a
 * single-field change plans exactly that field with its documented effect.
 * One simulated host, in-process pipeline, real shims.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { computePlan, executePlan } from '../../src/pipeline/pipeline.js';
import { inProcessHost } from '../helpers/e2e.js';

type Spec = Record<string, unknown>;
const doc = (name: string, spec: Spec, labels: Record<string, string> = {}) => ({
  apiVersion: 'vsgitops.io/v1',
  kind: 'VServer',
  metadata: { name, labels },
  spec: { hosts: { names: ['host-a'] }, build: { method: 'skeleton' }, ...spec },
});

/** Every field, in the forms people write them. */
const rich: Spec = {
  context: 1001,
  uts: { nodename: 'web1.example.org', domainname: 'example.org' },
  state: 'running',
  startOnBoot: true,
  build: { method: 'skeleton', extraArgs: ['true'] },
  init: { style: 'plain' },
  interfaces: [
    { device: 'eth0', address: '192.0.2.10/24' },
    { name: 'v6', device: 'eth0', address: '2001:DB8:10:0::10/64', label: 'web' },
    { nodev: true, address: '10.0.0.10/8' },
    { name: 'mapped', nodev: true, address: '::FFFF:198.51.100.7/128' },
  ],
  flags: ['virt_mem', 'VXF_VIRT_UPTIME', '~hide_netif', 'persistent,!sched_hard'],
  capabilities: { system: ['NET_BIND_SERVICE', '~SYS_CHROOT', 'CAP_NET_ADMIN'], context: ['secure_mount', '~ping'] },
  limits: { nproc: { soft: 200, hard: 300, min: 10 }, nofile: 4096, locks: 'inf', msgqueue: { soft: 100 }, nsock: { hard: 50 }, openfd: 0, shmem: { soft: 'inf', hard: 'inf' }, dentry: 9007199254740991 },
  memory: { limit: '1Gi' },
  cpu: { shares: 1024, quotaUs: 50000, periodUs: 100000, cpus: '0-1', mems: '0' },
  disk: { space: '10Gi', inodes: 200000, reserved: 7, directory: '/vservers/web1/srv' },
  fstab: [
    { device: 'none', mountpoint: '/proc', type: 'proc' },
    { device: 'tmpfs', mountpoint: '/tmp', type: 'tmpfs', options: 'size=64m,mode=1777', dump: 1, pass: 2 },
  ],
  policy: { deletion: 'retain', drift: 'enforce' },
};
const minimal: Spec = { context: 1002 };
const stopped: Spec = {
  context: 1003,
  state: 'stopped',
  uts: { domainname: 'db.example' },
  init: { style: 'sysv' },
  interfaces: [{ name: 'eth0-v6', device: 'eth1', address: '2001:db8::1:0:0:1/48' }],
  flags: ['^40', '0x10'],
  limits: { nproc: 'inf' },
  cpu: { mems: '0' },
  disk: { space: 1048576, inodes: 0 },
  fstab: [],
  policy: { deletion: 'delete', drift: 'warn' },
};

type Step = { rich?: (s: Spec) => void; minimal?: (s: Spec) => void; stopped?: (s: Spec) => void; want: [string, string, [string, string][]][] };
/** Mutations per step (one field per guest) and the exact actions they must plan: [guest, kind, [path, effect][]]. */
const steps: Step[] = [
  {
    rich: (s) => void ((s.uts as Spec).nodename = 'web1b.example.org'),
    minimal: (s) => void (s.limits = { nofile: 1024 }),
    stopped: (s) => void (s.startOnBoot = true),
    want: [['db', 'update', [['startOnBoot', 'config']]], ['mini', 'update', [['limits.nofile', 'live']]], ['web1', 'update', [['nodename', 'live']]]],
  },
  {
    rich: (s) => void (s.flags = ['virt_mem', 'VXF_VIRT_UPTIME', '~hide_netif']),
    minimal: (s) => void (s.memory = { limit: 268435456 }),
    stopped: (s) => void (s.state = 'running'),
    want: [['db', 'start', [['runState', 'live']]], ['mini', 'update', [['cgroup.memoryLimit', 'live']]], ['web1', 'update', [['flags', 'live']]]],
  },
  {
    rich: (s) => void ((s.interfaces as Spec[])[0]!.address = '192.0.2.10/25'),
    minimal: (s) => void (s.context = 1012),
    stopped: (s) => void (s.fstab = [{ device: 'none', mountpoint: '/proc', type: 'proc' }]),
    want: [['mini', 'replace', [['context', 'restart']]], ['db', 'update', [['fstab[/proc]', 'restart']]], ['web1', 'update', [['interfaces[0].prefix', 'restart']]]],
  },
  {
    rich: (s) => void delete s.disk,
    minimal: (s) => void (s.state = 'stopped'),
    stopped: (s) => void (s.capabilities = { system: ['~KILL'] }),
    want: [['mini', 'stop', [['runState', 'live']]], ['db', 'update', [['bcaps', 'live']]], ['web1', 'update', [['disk', 'live']]]],
  },
];

test('apply then plan is empty for every field; one changed field plans exactly that change', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('roundtrip');
  // a host-wide cgroup default: guests that set no cpu.shares inherit it, and that is no difference
  await fsp.mkdir(path.join(sim, 'etc/vservers/.defaults/cgroup'), { recursive: true });
  await fsp.writeFile(path.join(sim, 'etc/vservers/.defaults/cgroup/cpu.shares'), '512\n');
  const specs = { rich: structuredClone(rich), minimal: structuredClone(minimal), stopped: structuredClone(stopped) };
  const write = () =>
    fsp.writeFile(path.join(manifests, 'fleet.yaml'), [doc('web1', specs.rich, { role: 'web', 'example.org/team': 'a' }), doc('mini', specs.minimal), doc('db', specs.stopped)].map((d) => stringify(d)).join('---\n'));
  const apply = async () => {
    const computed = await computePlan(opts);
    t.deepEqual(computed.desiredState.problems, []);
    const cs = await executePlan(opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries.filter((e) => e.error)));
    const again = (await computePlan(opts)).plan;
    t.deepEqual(again.actions.map((a) => [a.guest, a.kind, a.changes.map((c) => c.path)]), [], 'the next plan is empty');
    t.deepEqual(again.blocked, []);
    return computed.plan;
  };

  await write();
  const created = await apply();
  t.deepEqual(created.actions.map((a) => [a.guest, a.kind]), [['db', 'create'], ['mini', 'create'], ['web1', 'create']]);

  for (const [i, step] of steps.entries()) {
    step.rich?.(specs.rich);
    step.minimal?.(specs.minimal);
    step.stopped?.(specs.stopped);
    await write();
    const plan = await apply();
    const byGuest = (x: [string, ...unknown[]], y: [string, ...unknown[]]) => (x[0] < y[0] ? -1 : 1);
    t.deepEqual(
      plan.actions.map((a): [string, string, string[][]] => [a.guest, a.kind, a.changes.map((c) => [c.path, c.effect])]).sort(byGuest),
      [...step.want].sort(byGuest),
      `step ${i + 1}`,
    );
  }
});
