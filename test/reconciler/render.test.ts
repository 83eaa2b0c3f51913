import test from 'ava';
import { planHost } from '../../src/reconciler/plan.js';
import {
  formatBytes,
  formatFieldValue,
  formatValue,
  manifestField,
  planExitCode,
  renderChangeSetJson,
  renderChangeSetSummary,
  renderChangeSet,
  renderChangeSetText,
  renderPlan,
  renderPlanJson,
  renderPlanSummary,
  renderPlanText,
  summarizeChangeSet,
} from '../../src/reconciler/render.js';
import { PLAN_FORMAT_VERSION, type ChangeSet, type Plan } from '../../src/reconciler/types.js';
import { host, type StateBuilder } from '../helpers/state-builder.js';

const plan = (b: StateBuilder): Plan => planHost(b.build());

function representative(): StateBuilder {
  return host()
    .guest('web', (g) => g.all({ limits: { nproc: { soft: 300, hard: 300 } } }).desired({ limits: { nproc: { soft: 300, hard: 400 } } }).desired((s) => { s.interfaces[0]!.address = '192.0.2.50'; }), 1001)
    .newGuest('new', () => undefined, 1002)
    .guest('old', (g) => g.notInGit(), 1003)
    .guest('keep', () => undefined, 1004)
    .guest('keep2', () => undefined, 1005)
    .foreignGuest('legacy', undefined, 1006)
    .guest('w', (g) => g.warn().observed({ initStyle: 'plain' }), 1007);
}

test('text rendering of a representative plan', (t) => {
  t.is(
    renderPlanText(plan(representative())),
    `vsgitops plan for host alpha at revision rev1
Symbols: + create, ~ update in place, -/+ replace (destroy and re-create), - delete, > start, . stop; (restart) = the running guest is restarted

  -   delete old (retain: stop, move the configuration aside, keep the files)
      reason: no longer in git; deletion policy retain: stop it and move its configuration aside, keeping its files
  ~   update web at guests/web.yaml:1 (restart)
      interfaces[0].address: "192.0.2.1" -> "192.0.2.50" (restart)
      limits.nproc.hard: 300 -> 400 (live)
  +   create new at guests/new.yaml:1 (context 1002, build debootstrap bookworm, then start)
      reason: in git, not on the host: build and configure it, then start it
      uts.nodename: "new"
      interfaces[0]: eth0 192.0.2.2/24
      fstab[/proc]: none /proc proc defaults 0 0
      startOnBoot: true
      state: "running"

Blocked (not changed):
  ! w: drift (warn mode): initStyle "plain" -> "sysv" (config-drift)

Unmanaged (never touched):
  ? legacy: not in git and not managed by vsgitops

Plan: 1 to create, 1 to update (1 restart), 0 to replace, 1 to delete.
`,
  );
});

test('text rendering: replace, start, stop, drift causes, build notes and warnings', (t) => {
  const text = renderPlanText(plan(host()
    .guest('db', (g) => g.desired({ context: 2001 }), 1100)
    .guest('s', (g) => g.stopped(), 1101)
    .guest('t', (g) => g.desired({ runState: 'stopped' }), 1102)
    .guest('u', (g) => g.build({ distribution: 'trixie' }).observed({ nodename: 'hand' }).runtime((r) => { r.nodename = 'hand'; }), 1103)
    .guest('v', (g) => g.build({ distribution: 'trixie' }), 1104)));
  const lines = text.split('\n');
  t.true(lines.includes('  -/+ replace db at guests/db.yaml:1 (context 1100 -> 2001) (restart)'));
  t.true(lines.includes('      context: 1100 -> 2001 (restart)'));
  t.true(lines.includes('  >   start s at guests/s.yaml:1'));
  t.true(lines.includes('      state: "stopped" -> "running" (live, runtime drift)'));
  t.true(lines.includes('  .   stop t at guests/t.yaml:1'));
  t.true(lines.includes('      uts.nodename: "hand" -> "u" (live, config drift)'));
  t.false(lines.some((l) => /reason: changed in git/.test(l)), 'an update has no reason line repeating its fields');
  t.true(lines.includes('      build.distribution: "bookworm" -> "trixie" (no effect)'));
  t.true(lines.includes('        note: build settings only apply when a guest is created'));
  t.true(lines.includes('  * v: build.distribution changed; build settings only apply when a guest is created'));
  t.is(lines.at(-2), 'Plan: 0 to create, 1 to update, 1 to replace, 0 to delete, 1 to start, 1 to stop.');
});

test('no changes: the host matches the revision', (t) => {
  const p = plan(host().guest('web', () => undefined).revision('abc123'));
  t.is(renderPlanText(p), 'vsgitops plan for host alpha at revision abc123\n\nNo changes. The host matches revision abc123.\n');
  t.is(renderPlanSummary(plan(host().guest('web', () => undefined).revision(null))), 'No changes. The host matches the desired state.');
});

test('no changes but blocked guests say so', (t) => {
  const p = plan(host().guest('web', (g) => g.unmanaged()));
  t.is(renderPlanSummary(p), 'No changes planned; 1 blocked (see above).');
  t.regex(renderPlanText(p), /Blocked \(not changed\):\n {2}! web: exists and is not managed by vsgitops; adopt it first\n/);
});

test('an errored plan renders as no plan', (t) => {
  const p = plan(host().invalid().guest('web', () => undefined));
  t.is(renderPlanSummary(p), 'No plan: the desired state failed to load or validate. Nothing will change.');
  t.regex(renderPlanText(p), /Warnings:\n {2}\* the desired state at revision rev1 failed to load or validate: nothing is planned/);
});

const EXIT_CASES: [string, () => StateBuilder, number][] = [
  ['no changes', () => host().guest('web', () => undefined), 0],
  ['a live update', () => host().guest('web', (g) => g.desired({ nodename: 'x' })), 2],
  ['a create', () => host().newGuest('web'), 2],
  ['a start', () => host().guest('web', (g) => g.stopped()), 2],
  ['a stop', () => host().guest('web', (g) => g.desired({ runState: 'stopped' })), 2],
  ['an update of a stopped guest needing a restart later', () => host().guest('web', (g) => g.all({ runState: 'stopped' }).desired({ initStyle: 'plain' })), 2],
  ['a restart of a running guest', () => host().guest('web', (g) => g.desired({ initStyle: 'plain' })), 3],
  ['a replace', () => host().guest('web', (g) => g.desired({ context: 4000 })), 3],
  ['a delete', () => host().guest('a', () => undefined).guest('web', (g) => g.notInGit()), 3],
  ['only blocked work', () => host().guest('web', (g) => g.unmanaged()), 0],
  ['an errored plan', () => host().invalid().newGuest('web'), 1],
];

for (const [title, build, code] of EXIT_CASES) {
  test(`exit code for ${title} is ${code}`, (t) => {
    t.is(planExitCode(plan(build())) as number, code);
  });
}

test('JSON rendering is versioned and round-trips', (t) => {
  const p = plan(representative());
  const json = renderPlanJson(p);
  const back = JSON.parse(json) as Plan;
  t.is(back.formatVersion, PLAN_FORMAT_VERSION);
  t.deepEqual(back, p);
  t.true(json.endsWith('}\n'));
});

test('formatValue notations', (t) => {
  t.is(formatValue(undefined), '(none)');
  t.is(formatValue('x'), '"x"');
  t.is(formatValue(['lock', '~nproc']), '[lock, ~nproc]');
  t.is(formatValue({ name: '1', device: null, address: '2001:db8::1', family: 6, prefix: 64, label: 'v6' }), 'nodev 2001:db8::1/64 label v6');
  t.is(formatValue({ device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m', dump: 0, pass: 0 }), 'none /tmp tmpfs size=16m 0 0');
  t.is(formatValue({ soft: 100, hard: 'inf' }), 'soft 100, hard inf');
  t.is(formatValue({ soft: 4096, hard: 4096 }), '4096', 'soft = hard: one number, as the manifest writes it');
  t.is(formatValue({ directory: '/v/a', spaceKiB: 10, inodes: 20, reservedPercent: 5 }), 'space 10Ki, inodes 20, reserved 5%, directory /v/a');
  t.is(formatValue({ memoryLimit: 1 }), 'memoryLimit 1', 'never JSON');
  t.is(formatBytes(3 * 2 ** 30), '3Gi');
  t.is(formatBytes(1536), '1536');
  t.is(manifestField('cgroup.memoryLimit'), 'memory.limit');
  t.is(manifestField('runtime.bcaps'), 'capabilities.system');
  t.is(formatFieldValue('cgroup.memoryLimit', 2 ** 31), '2Gi');
  t.is(formatFieldValue('disk.spaceKiB', 2 ** 20), '1Gi');
});

const changeSet: ChangeSet = {
  revision: 'abc',
  hostName: 'alpha',
  ok: false,
  summary: {},
  entries: [
    { guest: 'new', action: 'create', outcome: 'created', commands: [{ argv: ['vserver', 'new', 'build'], exitCode: 0, durationMs: 900 }, { argv: ['vserver', 'new', 'start'], exitCode: 0, durationMs: 300 }], durationMs: 1250 },
    {
      guest: 'web',
      action: 'update',
      outcome: 'failed',
      error: { code: 'COMMAND_FAILED', message: 'vlimit exited 1', command: ['vlimit', '--xid', '1001', '--nproc', '400'], exitCode: 1, stderrTail: 'vc_set_rlimit(): Invalid argument\n' },
      commands: [{ argv: ['vlimit', '--xid', '1001', '--nproc', '400'], exitCode: 1, durationMs: 5 }],
      durationMs: 10,
    },
    { guest: 'keep', action: 'noop', outcome: 'unchanged', commands: [], durationMs: 0 },
  ],
};

test('change set summary counts outcomes', (t) => {
  t.deepEqual(summarizeChangeSet(changeSet.entries), { created: 1, unchanged: 1, failed: 1 });
  t.is(renderChangeSetSummary(changeSet), 'Apply finished with failures: 1 created, 1 unchanged, 1 failed.');
  t.is(renderChangeSetSummary({ ...changeSet, ok: true, entries: [] }), 'Apply complete: nothing to do.');
});

test('change set text', (t) => {
  t.is(
    renderChangeSetText(changeSet),
    `vsgitops apply on host alpha at revision abc
  created new (create): 2 commands, 1.3s
  failed web (update): 1 command, 0.0s
      error: COMMAND_FAILED: vlimit exited 1
      command: vlimit --xid 1001 --nproc 400 (exit 1)
      | vc_set_rlimit(): Invalid argument
  unchanged keep: 0 commands, 0.0s

Apply finished with failures: 1 created, 1 unchanged, 1 failed.
`,
  );
  t.deepEqual(JSON.parse(renderChangeSetJson(changeSet)), changeSet);
});

test('renderPlan and renderChangeSet pick the format by name', (t) => {
  const p = plan(representative());
  t.is(renderPlan(p, 'json'), renderPlanJson(p));
  t.is(renderPlan(p, 'text'), renderPlanText(p));
  t.is(renderChangeSet(changeSet, 'text'), renderChangeSetText(changeSet));
  t.is(renderChangeSet(changeSet, 'json'), renderChangeSetJson(changeSet));
});

test('a create shows the flags, capabilities, cgroup and disk it will configure', (t) => {
  const rich = { flags: ['virt_mem'], bcaps: ['~SYS_CHROOT'], ccaps: ['secure_mount'], cgroup: { cpuShares: 512 }, disk: { directory: '/vservers/rich', spaceKiB: 1024, inodes: 10, reservedPercent: 5 } };
  const plan = planHost(host().newGuest('rich', (g) => g.desired(rich), 1500).build());
  const text = renderPlanText(plan);
  t.regex(text, /flags: \[virt_mem\]/);
  t.regex(text, /capabilities\.system: \[~SYS_CHROOT\]/);
  t.regex(text, /capabilities\.context: \[secure_mount\]/);
  t.regex(text, /cpu\.shares: 512/);
  t.regex(text, /disk: space 1Mi, inodes 10, reserved 5%, directory \/vservers\/rich/);
});
