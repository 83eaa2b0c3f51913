import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { GuestSpec } from '../../src/model/guest.js';
import { planHost, BUILD_NOTE, UNMANAGED_COLLISION } from '../../src/reconciler/plan.js';
import type { ActionKind, ChangeEffect, Plan, PlannedAction } from '../../src/reconciler/types.js';
import { hex16 } from '../../src/model/names.js';
import { host, type GuestBuilder, type StateBuilder } from '../helpers/state-builder.js';

const plan = (b: StateBuilder): Plan => planHost(b.build());
const only = (t: ExecutionContext, p: Plan): PlannedAction => {
  t.is(p.actions.length, 1, JSON.stringify(p.actions.map((a) => [a.kind, a.guest])));
  return p.actions[0]!;
};
const kinds = (p: Plan) => p.actions.map((a) => `${a.kind} ${a.guest}`);

// ---------------------------------------------------------------- field effects

interface FieldCase {
  title: string;
  /** applied to every side first (the starting point) */
  base?: Partial<GuestSpec> | ((s: GuestSpec) => void);
  /** the change in git */
  change: Partial<GuestSpec> | ((s: GuestSpec) => void);
  path: string;
  running: ChangeEffect;
}

const disk = { directory: '/vservers/web', spaceKiB: 1048576, inodes: 100000, reservedPercent: 5 };

const FIELD_CASES: FieldCase[] = [
  { title: 'nodename', change: { nodename: 'web-new' }, path: 'nodename', running: 'live' },
  { title: 'domainname', change: { domainname: 'example.org' }, path: 'domainname', running: 'live' },
  { title: 'startOnBoot', change: { startOnBoot: false }, path: 'startOnBoot', running: 'config' },
  { title: 'initStyle', change: { initStyle: 'plain' }, path: 'initStyle', running: 'restart' },
  { title: 'interface address', change: (s) => { s.interfaces[0]!.address = '198.51.100.9'; }, path: 'interfaces[0].address', running: 'restart' },
  { title: 'interface prefix', change: (s) => { s.interfaces[0]!.prefix = 25; }, path: 'interfaces[0].prefix', running: 'restart' },
  {
    title: 'interface added',
    change: (s) => { s.interfaces.push({ name: '1', device: null, address: '2001:db8::9', family: 6, prefix: 64 }); },
    path: 'interfaces[1]',
    running: 'restart',
  },
  { title: 'flags', change: { flags: ['virt_mem'] }, path: 'flags', running: 'live' },
  { title: 'bcaps', change: { bcaps: ['~NET_BIND_SERVICE'] }, path: 'bcaps', running: 'live' },
  { title: 'ccaps', change: { ccaps: ['secure_mount'] }, path: 'ccaps', running: 'live' },
  { title: 'limit added', change: { limits: { nproc: { soft: 100, hard: 200 } } }, path: 'limits.nproc', running: 'live' },
  { title: 'limit hard', base: { limits: { nofile: { soft: 1000, hard: 2000 } } }, change: { limits: { nofile: { soft: 1000, hard: 4000 } } }, path: 'limits.nofile.hard', running: 'live' },
  { title: 'limit soft', base: { limits: { nofile: { soft: 1000, hard: 2000 } } }, change: { limits: { nofile: { soft: 1500, hard: 2000 } } }, path: 'limits.nofile.soft', running: 'live' },
  { title: 'limit removed', base: { limits: { dentry: { soft: 'inf', hard: 5000 } } }, change: { limits: {} }, path: 'limits.dentry', running: 'live' },
  { title: 'cgroup memory', change: { cgroup: { memoryLimit: 536870912 } }, path: 'cgroup.memoryLimit', running: 'live' },
  { title: 'cgroup cpu shares', base: { cgroup: { cpuShares: 1024 } }, change: { cgroup: { cpuShares: 512 } }, path: 'cgroup.cpuShares', running: 'live' },
  { title: 'cgroup cpuset', change: { cgroup: { cpusetCpus: '0-1' } }, path: 'cgroup.cpusetCpus', running: 'live' },
  { title: 'disk limit added', change: { disk }, path: 'disk', running: 'live' },
  { title: 'disk space', base: { disk }, change: { disk: { ...disk, spaceKiB: 2097152 } }, path: 'disk.spaceKiB', running: 'live' },
  {
    title: 'fstab entry added',
    change: (s) => { s.fstab.push({ device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m,mode=1777', dump: 0, pass: 0 }); },
    path: 'fstab[/tmp]',
    running: 'restart',
  },
];

const runningEffect = test.macro({
  exec(t, c: FieldCase) {
    const p = plan(host().guest('web', (g) => (c.base ? g.all(c.base).desired(c.change) : g.desired(c.change))));
    const a = only(t, p);
    t.is(a.kind, 'update');
    t.deepEqual(a.changes.map((x) => [x.path, x.effect, x.cause]), [[c.path, c.running, 'pending']]);
    t.is(a.restart, c.running === 'restart');
    t.is(a.destructive, c.running === 'restart');
    t.is(p.summary.update, 1);
    t.is(p.summary.restart, c.running === 'restart' ? 1 : 0);
  },
  title: (_p, c: FieldCase) => `running guest: ${c.title} takes effect ${c.running}`,
});

const stoppedEffect = test.macro({
  exec(t, c: FieldCase) {
    const p = plan(host().guest('web', (g) => {
      g.all({ runState: 'stopped' });
      if (c.base) g.all(c.base);
      g.desired(c.change);
    }));
    const a = only(t, p);
    t.is(a.kind, 'update');
    t.deepEqual(a.changes.map((x) => [x.path, x.effect]), [[c.path, 'config']]);
    t.false(a.restart);
    t.false(a.destructive);
  },
  title: (_p, c: FieldCase) => `stopped guest: ${c.title} is config only`,
});

for (const c of FIELD_CASES) {
  test(runningEffect, c);
  test(stoppedEffect, c);
}

test('every field change carries before/after values and the specs', (t) => {
  const p = plan(host().guest('web', (g) => g.all({ limits: { nproc: { soft: 300, hard: 300 } } }).desired({ limits: { nproc: { soft: 300, hard: 400 } } })));
  const a = only(t, p);
  t.deepEqual(a.changes[0], { path: 'limits.nproc.hard', before: 300, after: 400, effect: 'live', cause: 'pending' });
  t.is(a.before?.limits.nproc?.hard, 300);
  t.is(a.after?.limits.nproc?.hard, 400);
  t.is(a.runningXid, a.before?.context);
  t.regex(a.reason, /changed in git: limits\.nproc\.hard/);
});

// ---------------------------------------------------------------- action kinds

test('a guest that matches everywhere is unchanged', (t) => {
  const p = plan(host().guest('web', (g) => g.all({ limits: { nproc: { soft: 10, hard: 20 } }, flags: ['virt_mem', '~hide_netif'], bcaps: ['~SYS_ADMIN'] })));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.unchanged, ['web']);
  t.is(p.summary.unchanged, 1);
  t.false(p.destructive);
});

test('create: a guest in git and not on the host, with build and start', (t) => {
  const p = plan(host().newGuest('new', (g) => g.build({ distribution: 'trixie' })));
  const a = only(t, p);
  t.is(a.kind, 'create');
  t.is(a.after?.name, 'new');
  t.is(a.before, undefined);
  t.deepEqual(a.build, { method: 'debootstrap', distribution: 'trixie', mirror: 'http://deb.debian.org/debian' });
  t.regex(a.reason, /then start/);
  t.false(a.destructive);
  t.is(p.summary.create, 1);
});

test('create: a stopped guest is only built', (t) => {
  const a = only(t, plan(host().newGuest('new', (g) => g.desired({ runState: 'stopped' }))));
  t.is(a.kind, 'create');
  t.notRegex(a.reason, /start/);
});

test('create: a guest listed in the inventory but missing from the host is built again', (t) => {
  const a = only(t, plan(host().guest('lost', (g) => g.notOnHost())));
  t.is(a.kind, 'create');
  t.regex(a.reason, /missing from the host/);
});

test('replace: a context id change of a running guest is destructive and restarts', (t) => {
  const p = plan(host().guest('db', (g) => g.desired({ context: 2001, nodename: 'db2' }), 1500));
  const a = only(t, p);
  t.is(a.kind, 'replace');
  t.true(a.destructive);
  t.true(a.restart);
  t.truthy(a.build);
  t.is(a.runningXid, 1500);
  t.deepEqual(a.changes.map((c) => [c.path, c.before, c.after, c.effect]), [
    ['context', 1500, 2001, 'restart'],
    ['nodename', 'db', 'db2', 'restart'],
  ]);
  t.is(p.summary.replace, 1);
  t.is(p.summary.restart, 0);
  t.true(p.destructive);
});

test('replace: a stopped guest is reconfigured without a restart (still destructive)', (t) => {
  const a = only(t, plan(host().guest('db', (g) => g.all({ runState: 'stopped' }).desired({ context: 2001 }))));
  t.is(a.kind, 'replace');
  t.false(a.restart);
  t.true(a.destructive);
  t.is(a.changes[0]?.effect, 'config');
});

test('replace: a stopped guest desired running is started by the replace itself', (t) => {
  const a = only(t, plan(host().guest('db', (g) => g.stopped().desired({ context: 2001 }))));
  t.is(a.kind, 'replace');
  t.deepEqual(a.changes.map((c) => c.path), ['context', 'runtime.runState']);
});

const deletion = test.macro({
  exec(t, policy: 'retain' | 'delete') {
    const p = plan(host().guest('keep', () => undefined).guest('keep2', () => undefined).guest('old', (g) => g.notInGit().deletion(policy), 1200));
    const a = only(t, p);
    t.is(a.kind, 'delete');
    t.is(a.deletion, policy);
    t.true(a.destructive);
    t.is(a.runningXid, 1200);
    t.is(a.after, undefined);
    t.is(a.before?.name, 'old');
    t.regex(a.reason, new RegExp(`deletion policy ${policy}`));
    t.is(p.summary.delete, 1);
  },
  title: (_p, policy) => `delete: a managed guest removed from git, policy ${policy}`,
});
test(deletion, 'retain');
test(deletion, 'delete');

test('delete: a stopped guest has no running xid', (t) => {
  const a = only(t, plan(host().guest('a', () => undefined).guest('old', (g) => g.notInGit().stopped())));
  t.is(a.kind, 'delete');
  t.is(a.runningXid, undefined);
});

test('start: desired running after git said stopped is pending', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.observed({ runState: 'stopped' }).applied({ runState: 'stopped' }))));
  t.is(a.kind, 'start');
  t.deepEqual(a.changes, [{ path: 'runState', before: 'stopped', after: 'running', effect: 'live', cause: 'pending' }]);
  t.false(a.destructive);
});

test('start: a crashed guest is runtime drift', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.stopped().staleRunFile())));
  t.is(a.kind, 'start');
  t.is(a.changes[0]?.path, 'runtime.runState');
  t.is(a.changes[0]?.cause, 'runtime-drift');
  t.regex(a.changes[0]?.note ?? '', /stale run file/);
});

test('stop: git says stopped', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.desired({ runState: 'stopped' }))));
  t.is(a.kind, 'stop');
  t.deepEqual(a.changes.map((c) => [c.path, c.cause]), [['runState', 'pending']]);
  t.is(a.runningXid, a.before?.context);
});

test('stop: started by hand while desired stopped is runtime drift', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.all({ runState: 'stopped' }).runningAnyway())));
  t.is(a.kind, 'stop');
  t.deepEqual(a.changes.map((c) => [c.path, c.cause]), [['runtime.runState', 'runtime-drift']]);
  t.is(a.reason, 'desired stopped, the guest is running (started by hand)');
});

test('a running guest desired stopped with changes: stop first, then a config-only update', (t) => {
  const p = plan(host().guest('web', (g) => g.desired({ runState: 'stopped', initStyle: 'plain', nodename: 'x' })));
  t.deepEqual(kinds(p), ['stop web', 'update web']);
  t.deepEqual(p.actions[1]!.changes.map((c) => c.effect), ['config', 'config']);
  t.false(p.actions[1]!.restart);
  t.false(p.destructive);
});

test('a stopped guest desired running with changes: update (config only), then start', (t) => {
  const p = plan(host().guest('web', (g) => g.stopped().desired({ initStyle: 'plain' })));
  t.deepEqual(kinds(p), ['update web', 'start web']);
  t.is(p.actions[0]!.changes[0]!.effect, 'config');
  t.false(p.actions[0]!.restart);
});

// ---------------------------------------------------------------- build section

test('a build-only change leaves the guest unchanged with a warning', (t) => {
  const p = plan(host().guest('web', (g) => g.build({ distribution: 'trixie' })));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.unchanged, ['web']);
  t.deepEqual(p.warnings, [`web: build.distribution changed; ${BUILD_NOTE}`]);
});

test('a build change next to a real change is listed with effect none', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.build({ method: 'template', templates: ['/t.tar'] }).desired({ nodename: 'w2' }))));
  t.deepEqual(a.changes.map((c) => [c.path, c.effect]), [
    ['nodename', 'live'],
    ['build.method', 'none'],
    ['build.templates', 'none'],
  ]);
  t.is(a.changes[1]!.note, BUILD_NOTE);
});

// ---------------------------------------------------------------- runtime drift

interface RuntimeCase {
  title: string;
  spec: Partial<GuestSpec>;
  live: (r: import('../../src/model/guest.js').RuntimeState) => void;
  expect: [string, unknown, unknown][];
}

const RUNTIME_CASES: RuntimeCase[] = [
  { title: 'limit hard', spec: { limits: { nproc: { soft: 100, hard: 200 } } }, live: (r) => { r.limits.nproc = { soft: 100, hard: 150 }; }, expect: [['runtime.limits.nproc.hard', 150, 200]] },
  { title: 'limit soft', spec: { limits: { nproc: { soft: 100, hard: 200 } } }, live: (r) => { r.limits.nproc = { soft: 120, hard: 200 }; }, expect: [['runtime.limits.nproc.soft', 120, 100]] },
  { title: 'limit reset to unlimited', spec: { limits: { nofile: { soft: 1024, hard: 1024 } } }, live: (r) => { r.limits.nofile = { soft: 'inf', hard: 'inf' }; }, expect: [['runtime.limits.nofile.soft', 'inf', 1024], ['runtime.limits.nofile.hard', 'inf', 1024]] },
  { title: 'flag cleared', spec: { flags: ['virt_mem'] }, live: (r) => { r.flagsHex = hex16(BigInt('0x' + r.flagsHex) & ~0x10000n); }, expect: [['runtime.flags.virt_mem', 'clear', 'set']] },
  { title: 'negated flag set', spec: { flags: ['~hide_netif'] }, live: (r) => { r.flagsHex = hex16(BigInt('0x' + r.flagsHex) | 0x2000000n); }, expect: [['runtime.flags.hide_netif', 'set', 'clear']] },
  { title: 'bcap set against ~bcap', spec: { bcaps: ['~NET_BIND_SERVICE'] }, live: (r) => { r.bcapsHex = hex16(BigInt('0x' + r.bcapsHex) | (1n << 10n)); }, expect: [['runtime.bcaps.NET_BIND_SERVICE', 'set', 'clear']] },
  { title: 'ccap missing', spec: { ccaps: ['secure_mount'] }, live: (r) => { r.ccapsHex = hex16(0x4101n); }, expect: [['runtime.ccaps.secure_mount', 'clear', 'set']] },
  { title: 'nodename', spec: {}, live: (r) => { r.nodename = 'hacked'; }, expect: [['runtime.nodename', 'hacked', 'web']] },
  { title: 'domainname', spec: { domainname: 'example.org' }, live: (r) => { r.domainname = 'example.net'; }, expect: [['runtime.domainname', 'example.net', 'example.org']] },
];

for (const c of RUNTIME_CASES) {
  test(`runtime drift: ${c.title}`, (t) => {
    const a = only(t, plan(host().guest('web', (g) => g.all(c.spec).runtime(c.live))));
    t.is(a.kind, 'update');
    t.deepEqual(a.changes.map((x) => [x.path, x.before, x.after]), c.expect);
    t.true(a.changes.every((x) => x.cause === 'runtime-drift' && x.effect === 'live'));
    t.false(a.restart);
  });
}

test('runtime drift: extra bits util-vserver sets at start are not drift', (t) => {
  const p = plan(host().guest('web', (g) => g.all({ flags: ['virt_mem'] }).runtime((r) => { r.flagsHex = hex16(BigInt('0x' + r.flagsHex) | (1n << 38n)); })));
  t.deepEqual(p.actions, []);
});

test('runtime drift is not reported for a field whose configuration changes anyway', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.all({ limits: { nproc: { soft: 100, hard: 200 } } }).desired({ limits: { nproc: { soft: 100, hard: 400 } } }).runtime((r) => { r.limits.nproc = { soft: 100, hard: 150 }; }))));
  t.deepEqual(a.changes.map((c) => c.path), ['limits.nproc.hard']);
});

test('runtime drift of a stopped guest is not checked', (t) => {
  const p = plan(host().guest('web', (g) => g.all({ runState: 'stopped' }).runtime((r) => { r.nodename = 'x'; })));
  t.deepEqual(p.actions, []);
});

// ---------------------------------------------------------------- pending vs config drift

test('config drift: a hand edit on the host while git and the inventory agree', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.observed({ nodename: 'edited' }))));
  t.deepEqual(a.changes.map((c) => [c.path, c.before, c.after, c.cause]), [['nodename', 'edited', 'web', 'config-drift']]);
  t.regex(a.reason, /edited by hand/);
});

test('pending and config drift on one guest are told apart per field', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.observed({ initStyle: 'plain' }).desired({ nodename: 'new' }))));
  t.deepEqual(a.changes.map((c) => [c.path, c.cause]), [['nodename', 'pending'], ['initStyle', 'config-drift']]);
});

test('a managed guest missing from the inventory: every difference is pending', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.notInInventory().observed({ nodename: 'edited' }))));
  t.is(a.changes[0]?.cause, 'pending');
});

// ---------------------------------------------------------------- warn mode

test('warn mode: drift only is reported as blocked, nothing planned', (t) => {
  const p = plan(host().guest('web', (g) => g.warn().observed({ nodename: 'edited' }).runtime((r) => { r.nodename = 'edited'; })));
  t.deepEqual(p.actions, []);
  t.is(p.blocked.length, 1);
  t.is(p.blocked[0]!.guest, 'web');
  t.regex(p.blocked[0]!.reason, /^drift \(warn mode\): nodename "edited" -> "web" \(config-drift\)/);
  t.deepEqual(p.unchanged, []);
});

test('warn mode: a hand edit and a live change of the same limit are both reported', (t) => {
  const p = plan(
    host().guest('web', (g) =>
      g.warn().all((s) => { s.limits.nproc = { soft: 200, hard: 200 }; }).observed((s) => { s.limits.nproc = { soft: 500, hard: 500 }; }).runtime((r) => { r.limits.nproc = { soft: 77, hard: 77 }; }),
    ),
  );
  t.deepEqual(p.actions, []);
  t.deepEqual(
    p.blocked[0]!.changes!.map((c) => [c.path, c.before, c.after, c.cause]),
    [
      ['limits.nproc.soft', 500, 200, 'config-drift'],
      ['limits.nproc.hard', 500, 200, 'config-drift'],
      ['runtime.limits.nproc.soft', 77, 200, 'runtime-drift'],
      ['runtime.limits.nproc.hard', 77, 200, 'runtime-drift'],
    ],
  );
});

test('warn mode: a crashed guest is not started', (t) => {
  const p = plan(host().guest('web', (g) => g.warn().stopped()));
  t.deepEqual(p.actions, []);
  t.regex(p.blocked[0]!.reason, /runtime\.runState/);
});

test('warn mode: pending git changes are still applied, drifted fields keep their observed value', (t) => {
  const p = plan(host().guest('web', (g) => g.warn().observed({ initStyle: 'plain' }).desired({ nodename: 'new' })));
  const a = only(t, p);
  t.deepEqual(a.changes.map((c) => c.path), ['nodename']);
  t.is(a.after?.nodename, 'new');
  t.is(a.after?.initStyle, 'plain');
  t.regex(p.blocked[0]!.reason, /initStyle/);
});

test('warn mode: a hand-edited context id is not replaced', (t) => {
  const p = plan(host().guest('web', (g) => g.warn().observed({ context: 3333 })));
  t.deepEqual(p.actions, []);
  t.regex(p.blocked[0]!.reason, /context 3333 -> \d+ \(config-drift\)/);
});

test('enforce mode heals the same drift', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.observed({ initStyle: 'plain' }))));
  t.is(a.kind, 'update');
  t.true(a.restart);
  t.is(a.changes[0]?.cause, 'config-drift');
});

// ---------------------------------------------------------------- ownership

test('an unmanaged guest not in git is reported and never touched', (t) => {
  const p = plan(host().guest('web', () => undefined).foreignGuest('legacy'));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.unmanaged, [{ guest: 'legacy', reason: 'not in git and not managed by vsgitops' }]);
});

test('a guest with a marker but not in the inventory is not deleted', (t) => {
  const p = plan(host().guest('web', () => undefined).guest('stray', (g) => g.notInGit().notInInventory()));
  t.deepEqual(p.actions, []);
  t.regex(p.unmanaged[0]!.reason, /not in the inventory/);
});

test('a guest in the inventory without a marker on the host is not deleted', (t) => {
  const p = plan(host().guest('web', () => undefined).guest('gone', (g) => g.notInGit().noMarker()));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.unmanaged, [{ guest: 'gone', reason: 'in the inventory but its configuration has no vsgitops marker: not deleted' }]);
});

test('unmanaged running contexts are reported', (t) => {
  const p = plan(host().guest('web', () => undefined).bareContext(4711, 2).bareContext(42));
  t.deepEqual(p.unmanaged.map((u) => u.xid), [42, 4711]);
  t.regex(p.unmanaged[1]!.reason, /2 tasks/);
});

test('a desired guest whose name is taken by an unmanaged guest is blocked, never overwritten', (t) => {
  const p = plan(host().guest('web', (g) => g.unmanaged().observed({ nodename: 'theirs' })));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.blocked, [{ guest: 'web', reason: UNMANAGED_COLLISION }]);
});

test('a desired guest in the inventory whose marker is gone is blocked', (t) => {
  const p = plan(host().guest('web', (g) => g.noMarker().desired({ nodename: 'x' })));
  t.deepEqual(p.actions, []);
  t.regex(p.blocked[0]!.reason, /no vsgitops marker/);
});

test('an inventory entry for a guest neither in git nor on the host is a warning', (t) => {
  const p = plan(host().guest('web', () => undefined).guest('ghost', (g) => g.notInGit().notOnHost()));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.warnings, ['ghost: listed in the inventory but neither in git nor on the host']);
});

// ---------------------------------------------------------------- safety

test('desiredValid false: an empty, errored plan', (t) => {
  const p = plan(host().invalid().guest('old', (g) => g.notInGit()).newGuest('new'));
  t.true(p.errored);
  t.deepEqual(p.actions, []);
  t.deepEqual(p.unchanged, []);
  t.is(p.warnings.length, 1);
  t.regex(p.warnings[0]!, /failed to load or validate/);
  t.false(p.destructive);
});

test('an empty desired set deletes nothing, even with the override', (t) => {
  for (const allowMassDelete of [false, true]) {
    const p = plan(host().options({ allowMassDelete }).guest('a', (g) => g.notInGit()).guest('b', (g) => g.notInGit()));
    t.deepEqual(p.actions, []);
    t.deepEqual(p.blocked.map((b) => b.guest), ['a', 'b']);
    t.regex(p.blocked[0]!.reason, /desired set for this host is empty/);
    t.regex(p.warnings[0]!, /nothing is deleted/);
  }
});

interface BreakerCase {
  title: string;
  keep: number;
  remove: number;
  override: boolean;
  planned: number;
}

const BREAKER_CASES: BreakerCase[] = [
  { title: '6 of 30 exceed maxDeletes 5', keep: 24, remove: 6, override: false, planned: 0 },
  { title: '6 of 30 with the override', keep: 24, remove: 6, override: true, planned: 6 },
  { title: '5 of 30 is within both limits', keep: 25, remove: 5, override: false, planned: 5 },
  { title: '2 of 4 exceed the 25% share', keep: 2, remove: 2, override: false, planned: 0 },
  { title: '2 of 4 with the override', keep: 2, remove: 2, override: true, planned: 2 },
  { title: '2 of 8 is exactly 25%', keep: 6, remove: 2, override: false, planned: 2 },
  { title: 'a single delete never trips the share rule (1 of 2)', keep: 1, remove: 1, override: false, planned: 1 },
];

for (const c of BREAKER_CASES) {
  test(`deletion breaker: ${c.title}`, (t) => {
    const b = host().options({ allowMassDelete: c.override });
    for (let i = 0; i < c.keep; i++) b.guest(`keep${String(i).padStart(2, '0')}`, () => undefined);
    for (let i = 0; i < c.remove; i++) b.guest(`old${i}`, (g) => g.notInGit());
    const p = plan(b);
    t.is(p.actions.filter((a) => a.kind === 'delete').length, c.planned);
    t.is(p.blocked.length, c.remove - c.planned);
    if (c.planned === 0) t.regex(p.blocked[0]!.reason, /deletion breaker: .*--allow-mass-delete/);
    if (c.override && c.planned > 0) t.regex(p.warnings[0]!, /overridden/);
  });
}

// ---------------------------------------------------------------- context / address conflicts

test('conflict: a new guest wants the context id of an unmanaged guest', (t) => {
  const p = plan(host().foreignGuest('legacy', () => undefined, 1500).newGuest('new', () => undefined, 1500));
  t.deepEqual(p.actions, []);
  t.is(p.blocked[0]!.guest, 'new');
  t.is(p.blocked[0]!.reason, 'create blocked: context id 1500 is in use by guest legacy (not managed by vsgitops)');
});

test('conflict: a new guest wants the context id of a running bare context', (t) => {
  const p = plan(host().bareContext(1600).newGuest('new', () => undefined, 1600));
  t.deepEqual(p.actions, []);
  t.regex(p.blocked[0]!.reason, /context id 1600 is in use by a running context not managed by vsgitops/);
});

test('conflict: a new guest wants an address another guest keeps', (t) => {
  const q = plan(host().guest('holder', (g) => g.all((s) => { s.interfaces[0]!.address = '192.0.2.200'; }), 1702).newGuest('new', (g) => g.desired((s) => { s.interfaces[0]!.address = '192.0.2.200'; }), 1703));
  t.deepEqual(kinds(q), []);
  t.deepEqual(q.blocked, [{ guest: 'new', reason: 'create blocked: address 192.0.2.200 is in use by guest holder' }]);
});

test('no conflict when the holder is deleted earlier in the same plan', (t) => {
  const p = plan(host().guest('a', () => undefined).guest('old', (g) => g.notInGit(), 1800).newGuest('new', () => undefined, 1800));
  t.deepEqual(kinds(p), ['delete old', 'create new']);
});

test('a delete blocked by the breaker keeps its context id: the create is blocked too', (t) => {
  const p = plan(host().guest('old', (g) => g.notInGit(), 1900).guest('old2', (g) => g.notInGit(), 1901).guest('keep', () => undefined).newGuest('new', () => undefined, 1900));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.blocked.map((b) => b.guest), ['new', 'old', 'old2']);
  t.regex(p.blocked[0]!.reason, /context id 1900 is in use by guest old/);
});

test('no conflict when the holder moves to another address earlier (update before create)', (t) => {
  const p = plan(host()
    .guest('holder', (g) => g.all((s) => { s.interfaces[0]!.address = '192.0.2.210'; }).desired((s) => { s.interfaces[0]!.address = '192.0.2.211'; }), 2000)
    .newGuest('new', (g) => g.desired((s) => { s.interfaces[0]!.address = '192.0.2.210'; }), 2001));
  t.deepEqual(kinds(p), ['update holder', 'create new']);
});

test('an update taking an address still used by another guest is blocked', (t) => {
  const p = plan(host()
    .guest('a', (g) => g.all((s) => { s.interfaces[0]!.address = '192.0.2.220'; }), 2100)
    .guest('b', (g) => g.desired((s) => { s.interfaces[0]!.address = '192.0.2.220'; }), 2101));
  t.deepEqual(p.actions, []);
  t.is(p.blocked[0]!.reason, 'update blocked: address 192.0.2.220 is in use by guest a');
});

test('swapping context ids between two guests is blocked for both', (t) => {
  const p = plan(host().guest('a', (g) => g.desired({ context: 2201 }), 2200).guest('b', (g) => g.desired({ context: 2200 }), 2201));
  t.deepEqual(p.actions, []);
  t.deepEqual(p.blocked.map((b) => b.guest), ['a', 'b']);
});

test('a start is blocked while another context runs under its id', (t) => {
  const p = plan(host().bareContext(2300).guest('web', (g) => g.stopped(), 2300));
  t.deepEqual(p.actions, []);
  t.regex(p.blocked[0]!.reason, /^start blocked: context id 2300/);
});

test('a start is not blocked by a stopped guest that shares an address in its configuration', (t) => {
  const p = plan(host()
    .guest('web', (g) => g.stopped().all((s) => { s.interfaces[0]!.address = '192.0.2.230'; }), 2400)
    .foreignGuest('other', (g) => g.all((s) => { s.interfaces[0]!.address = '192.0.2.230'; s.runState = 'stopped'; }), 2401));
  t.deepEqual(kinds(p), ['start web']);
});

test('a stop earlier in the plan frees the xid its running context holds', (t) => {
  // the context runs under xid 2600 although its configuration now says 2500
  const b = () => host().guest('a', (g) => g.desired({ runState: 'stopped' }).runtime((r) => { r.xid = 2600; }), 2500).newGuest('new', () => undefined, 2600);
  t.deepEqual(kinds(plan(b())), ['stop a', 'create new']);
  // so does the restart that brings it to its configured id
  t.deepEqual(kinds(plan(host().guest('a', (g) => g.runtime((r) => { r.xid = 2600; }), 2500).newGuest('new', () => undefined, 2600))), ['update a', 'create new']);
  // warn mode leaves it running there: the id stays taken
  const kept = plan(host().guest('a', (g) => g.warn().runtime((r) => { r.xid = 2600; }), 2500).newGuest('new', () => undefined, 2600));
  t.deepEqual(kinds(kept), []);
  t.regex(kept.blocked.map((x) => x.reason).join('\n'), /create blocked: context id 2600 is in use by guest a/);
});

// ---------------------------------------------------------------- ordering and determinism

function everyKind(): StateBuilder {
  return host()
    .guest('k1', () => undefined)
    .guest('k2', () => undefined)
    .guest('k3', () => undefined)
    .newGuest('c-new', () => undefined, 3000)
    .guest('z-old', (g) => g.notInGit(), 3001)
    .guest('a-stop', (g) => g.desired({ runState: 'stopped' }), 3002)
    .guest('m-replace', (g) => g.desired({ context: 3999 }), 3003)
    .guest('b-update', (g) => g.desired({ nodename: 'bb' }), 3004)
    .guest('a-start', (g) => g.stopped(), 3005)
    .guest('y-update', (g) => g.desired({ initStyle: 'plain' }), 3006);
}

test('ordering: stops and deletes, replaces, updates, creates, starts; by name within a phase', (t) => {
  const p = plan(everyKind());
  t.deepEqual(kinds(p), ['stop a-stop', 'delete z-old', 'replace m-replace', 'update b-update', 'update y-update', 'create c-new', 'start a-start']);
  t.deepEqual(p.summary, { create: 1, update: 2, replace: 1, delete: 1, start: 1, stop: 1, restart: 1, unchanged: 3 });
  t.true(p.destructive);
  t.deepEqual(p.unchanged, ['k1', 'k2', 'k3']);
});

function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('determinism: shuffled inputs give identical JSON', (t) => {
  const base = everyKind()
    .foreignGuest('legacy')
    .bareContext(77)
    .bareContext(5)
    .guest('i-change', (g) => g.desired((s) => { s.interfaces.push({ name: '1', device: 'eth1', address: '198.51.100.1', family: 4, prefix: 24 }); }));
  const reference = JSON.stringify(planHost(base.build()));
  for (const seed of [1, 7, 42, 1234]) {
    const input = base.build();
    input.desired = shuffled(input.desired, seed);
    input.observed.guests = shuffled(input.observed.guests, seed + 1);
    input.observed.unmanagedContexts = shuffled(input.observed.unmanagedContexts, seed + 2);
    input.inventory.guests = Object.fromEntries(shuffled(Object.entries(input.inventory.guests), seed + 3));
    for (const d of input.desired) {
      d.spec.interfaces = d.spec.interfaces.map((i) => Object.fromEntries(shuffled(Object.entries(i), seed)) as unknown as typeof i);
      d.spec = Object.fromEntries(shuffled(Object.entries(d.spec), seed)) as unknown as GuestSpec;
    }
    t.is(JSON.stringify(planHost(input)), reference);
  }
});

test('the planner does not modify its input', (t) => {
  const input = everyKind().guest('w', (g) => g.warn().observed({ initStyle: 'plain' }).desired({ nodename: 'n' })).build();
  const copy = structuredClone(input);
  planHost(input);
  t.deepEqual(input, copy);
});

test('digests: observed copied, desired independent of order and sensitive to content', (t) => {
  const input = everyKind().build();
  const p1 = planHost(input);
  t.is(p1.observedDigest, 'observed-digest');
  t.regex(p1.desiredDigest, /^[0-9a-f]{64}$/);
  const p2 = planHost({ ...input, desired: [...input.desired].reverse() });
  t.is(p2.desiredDigest, p1.desiredDigest);
  const changed = structuredClone(input);
  changed.desired[0]!.spec.nodename = 'other';
  t.not(planHost(changed).desiredDigest, p1.desiredDigest);
});

test('every action kind appears with its destructive flag', (t) => {
  const p = plan(everyKind());
  const flags = Object.fromEntries(p.actions.map((a) => [`${a.kind} ${a.guest}`, a.destructive]));
  const expected: Record<string, boolean> = {
    'stop a-stop': false,
    'delete z-old': true,
    'replace m-replace': true,
    'update b-update': false,
    'update y-update': true,
    'create c-new': false,
    'start a-start': false,
  };
  t.deepEqual(flags, expected);
  const seen = new Set<ActionKind>(p.actions.map((a) => a.kind));
  t.is(seen.size, 6);
});

test('enforce: a hand-edited context file of a guest running at the desired id is rewritten, not replaced', (t) => {
  const a = only(t, plan(host().guest('web', (g) => g.observed({ context: 3333 }).runtime((r) => void (r.xid = 1700)), 1700)));
  t.is(a.kind, 'update');
  t.false(a.restart);
  t.false(a.destructive);
  t.deepEqual(a.changes.map((c) => [c.path, c.before, c.after, c.effect, c.cause]), [['context', 3333, 1700, 'config', 'config-drift']]);
  // running at another id than git says: that still needs a replace
  t.is(only(t, plan(host().guest('db', (g) => g.observed({ context: 3334 }), 1701))).kind, 'replace');
});

// ---------------------------------------------------------------- running at another context id

interface XidCase {
  title: string;
  build: (b: StateBuilder) => StateBuilder;
  /** [kind, restart, destructive] per action */
  actions: [ActionKind, boolean, boolean][];
  /** the web action's changes: [path, before, after, effect, cause] */
  changes?: unknown[][];
  blocked?: RegExp;
}

// git and the context file say 1800; the context runs at 1805 (started before a hand edit, or a run file elsewhere)
const at1805 = (g: GuestBuilder) => g.runtime((r) => void (r.xid = 1805));
const XID_CASES: XidCase[] = [
  {
    title: 'enforce: a restart brings it to the configured id (destructive, runtime drift)',
    build: (b) => b.guest('web', at1805, 1800),
    actions: [['update', true, true]],
    changes: [['runtime.context', 1805, 1800, 'restart', 'runtime-drift']],
  },
  {
    title: 'warn mode: reported only',
    build: (b) => b.guest('web', (g) => at1805(g.warn()), 1800),
    actions: [],
    blocked: /^drift \(warn mode\): runtime\.context 1805 -> 1800 \(runtime-drift\)$/,
  },
  {
    title: 'desired stopped: the stop is enough',
    build: (b) => b.guest('web', (g) => at1805(g.desired({ runState: 'stopped' }).runningAnyway()), 1800),
    actions: [['stop', false, false]],
    changes: [['runState', 'running', 'stopped', 'live', 'pending']],
  },
  {
    title: 'the context id changes in git as well: the replace covers it',
    build: (b) => b.guest('web', (g) => at1805(g.desired({ context: 1801 })), 1800),
    actions: [['replace', true, true]],
    changes: [['context', 1800, 1801, 'restart', 'pending']],
  },
  {
    title: 'another guest runs at the configured id and restarts to its own id first: both restart',
    build: (b) => b.guest('web', at1805, 1800).guest('db', (g) => g.runtime((r) => void (r.xid = 1800)), 1806),
    actions: [['update', true, true], ['update', true, true]],
    changes: [['runtime.context', 1805, 1800, 'restart', 'runtime-drift']],
  },
  {
    title: 'another guest runs at the configured id and restarts after it: blocked for now',
    build: (b) => b.guest('web', at1805, 1800).guest('zz', (g) => g.runtime((r) => void (r.xid = 1800)), 1806),
    actions: [['update', true, true]],
    blocked: /^update blocked: context id 1800 is in use by guest zz$/,
  },
];

for (const c of XID_CASES) {
  test(`running at another context id: ${c.title}`, (t) => {
    const p = plan(c.build(host()));
    t.deepEqual(p.actions.map((a) => [a.kind, a.restart, a.destructive]), c.actions);
    const web = p.actions.find((a) => a.guest === 'web');
    if (c.changes) t.deepEqual(web?.changes.map((x) => [x.path, x.before, x.after, x.effect, x.cause]), c.changes);
    if (c.blocked) t.regex(p.blocked.map((b) => b.reason).join('\n'), c.blocked);
    else t.deepEqual(p.blocked, []);
    t.is(p.destructive, c.actions.some(([, , d]) => d));
  });
}

// ---------------------------------------------------------------- placement (issue 9, defect 5)

const placementCases: { title: string; policy: 'retain' | 'delete'; allow: boolean; deletion: 'retain' | 'delete' }[] = [
  { title: 'retain policy stays retain', policy: 'retain', allow: false, deletion: 'retain' },
  { title: 'delete policy is only retained without --host-identity-change', policy: 'delete', allow: false, deletion: 'retain' },
  { title: 'delete policy applies with --host-identity-change', policy: 'delete', allow: true, deletion: 'delete' },
];
for (const c of placementCases) {
  test(`placement: a guest still in git but placed on other hosts is "no longer placed on this host": ${c.title}`, (t) => {
    const input = host().guest('keep', () => undefined).guest('keep2', () => undefined).guest('moved', (g) => g.notInGit().deletion(c.policy), 1200).options({ allowPlacementDelete: c.allow }).build();
    const a = only(t, planHost({ ...input, placedElsewhere: ['moved'] }));
    t.is(a.kind, 'delete');
    t.true(a.destructive);
    t.is(a.removal, 'placement');
    t.is(a.deletion, c.deletion);
    t.regex(a.reason, /^no longer placed on this host \(/);
    if (c.policy === 'delete' && !c.allow) t.regex(a.reason, /--host-identity-change/);
  });
}

test('placement: a guest gone from git is "no longer in git" and keeps its delete policy', (t) => {
  const input = host().guest('keep', () => undefined).guest('keep2', () => undefined).guest('old', (g) => g.notInGit().deletion('delete'), 1200).build();
  const a = only(t, planHost({ ...input, placedElsewhere: ['other'] }));
  t.is(a.removal, 'not-in-git');
  t.is(a.deletion, 'delete');
  t.regex(a.reason, /^no longer in git/);
});
