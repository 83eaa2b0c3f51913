import test from 'ava';
import { classifyDrift, type ClassifyInput } from '../../../src/observability/drift/classify.js';
import type { IgnoreEntry } from '../../../src/observability/drift/ignore.js';
import { action, change, changeSet, entry, plan } from '../helpers/fixtures.js';

const NOW = '2026-11-26T12:00:00Z';
const base = (extra: Partial<ClassifyInput>): ClassifyInput => ({ pendingRevision: false, ignore: [], now: NOW, modes: {}, ...extra });

const cases: { title: string; input: ClassifyInput; expect: { kind: string; guest?: string; xid?: number; fields: string[]; mode: string }[] }[] = [
  {
    title: 'pending: git changed a limit',
    input: base({ pendingRevision: true, plan: plan([action('web', 'update', [change('limits.nproc.hard', 100, 200, 'pending')])]) }),
    expect: [{ kind: 'pending', guest: 'web', fields: ['limits.nproc.hard'], mode: 'enforce' }],
  },
  {
    title: 'config: hand edit, fields sorted and de-duplicated',
    input: base({
      plan: plan([action('web', 'update', [change('nodename', 'a', 'b', 'config-drift'), change('flags', ['x'], ['y'], 'config-drift'), change('nodename', 'a', 'b', 'config-drift')])]),
    }),
    expect: [{ kind: 'config', guest: 'web', fields: ['flags', 'nodename'], mode: 'enforce' }],
  },
  {
    title: 'runtime: live vlimit change in warn mode',
    input: base({ modes: { db: 'warn' }, plan: plan([action('db', 'update', [change('limits.nofile.soft', 10, 99, 'runtime-drift')])]) }),
    expect: [{ kind: 'runtime', guest: 'db', fields: ['limits.nofile.soft'], mode: 'warn' }],
  },
  {
    title: 'runtime: stopped guest desired running (start without changes)',
    input: base({ plan: plan([action('db', 'start', [])]) }),
    expect: [{ kind: 'runtime', guest: 'db', fields: ['runState'], mode: 'enforce' }],
  },
  {
    title: 'pending: new guest in git',
    input: base({ pendingRevision: true, plan: plan([action('new', 'create', [])]) }),
    expect: [{ kind: 'pending', guest: 'new', fields: ['guest'], mode: 'enforce' }],
  },
  {
    title: 'config: guest config removed by hand (create without a pending revision)',
    input: base({ plan: plan([action('gone', 'create', [])]) }),
    expect: [{ kind: 'config', guest: 'gone', fields: ['guest'], mode: 'enforce' }],
  },
  {
    title: 'mixed causes on one guest: one item per kind',
    input: base({
      pendingRevision: true,
      plan: plan([action('web', 'update', [change('nodename', 'a', 'b', 'pending'), change('limits.nproc.hard', 1, 2, 'runtime-drift'), change('flags', [], ['x'], 'config-drift')])]),
    }),
    expect: [
      { kind: 'runtime', guest: 'web', fields: ['limits.nproc.hard'], mode: 'enforce' },
      { kind: 'config', guest: 'web', fields: ['flags'], mode: 'enforce' },
      { kind: 'pending', guest: 'web', fields: ['nodename'], mode: 'enforce' },
    ],
  },
  {
    title: 'unmanaged: named guest and bare context, always warn',
    input: base({ plan: plan([], { unmanaged: [{ guest: 'stray', reason: 'not in git' }, { xid: 4242, reason: 'context without config' }] }) }),
    expect: [
      { kind: 'unmanaged', guest: 'stray', fields: [], mode: 'warn' },
      { kind: 'unmanaged', xid: 4242, fields: [], mode: 'warn' },
    ],
  },
  {
    title: 'failed: change-set entry',
    input: base({
      modes: { web: 'enforce' },
      changeSet: changeSet([entry('web', 'failed', { error: { code: 'COMMAND_FAILED', message: 'vlimit failed', command: ['vlimit', '-c', '101'], exitCode: 1, stderrTail: 'boom' } }), entry('ok', 'updated')]),
    }),
    expect: [{ kind: 'failed', guest: 'web', fields: [], mode: 'enforce' }],
  },
  {
    title: 'pending without a plan: host-level item',
    input: base({ pendingRevision: true }),
    expect: [{ kind: 'pending', fields: [], mode: 'enforce' }],
  },
  { title: 'nothing differs', input: base({ plan: plan([]) }), expect: [] },
];

for (const c of cases) {
  test(`classify: ${c.title}`, (t) => {
    const items = classifyDrift(c.input);
    t.deepEqual(
      items.map((i) => ({ kind: i.kind, ...(i.guest !== undefined ? { guest: i.guest } : {}), ...(i.xid !== undefined ? { xid: i.xid } : {}), fields: i.fields, mode: i.mode })),
      c.expect,
    );
    for (const i of items) t.regex(i.fingerprint, /^[0-9a-f]{64}$/);
  });
}

test('failed item carries command, exit code and stderr tail (from the failing command record when error lacks them)', (t) => {
  const [item] = classifyDrift(
    base({
      changeSet: changeSet([
        entry('web', 'failed', {
          error: { code: 'COMMAND_FAILED', message: 'start failed' },
          commands: [
            { argv: ['vserver', 'web', 'stop'], exitCode: 0, durationMs: 1 },
            { argv: ['vserver', 'web', 'start'], exitCode: 3, durationMs: 1, stderrTail: 'no init' },
          ],
        }),
      ]),
    }),
  );
  t.deepEqual(item!.command, ['vserver', 'web', 'start']);
  t.is(item!.exitCode, 3);
  t.is(item!.stderrTail, 'no init');
  t.regex(item!.message, /vserver web start.*exit 3/);
});

const limitPlan = (after: number, extra: number[] = []) =>
  plan([action('web', 'update', [change('limits.nproc.hard', 100, after, 'runtime-drift'), ...extra.map((v) => change('nodename', 'a', String(v), 'runtime-drift'))])]);

test('fingerprint is stable for the same difference, independent of change order and message', (t) => {
  const a = classifyDrift(base({ plan: limitPlan(200, [1]) }))[0]!;
  const reordered = plan([action('web', 'update', [change('nodename', 'a', '1', 'runtime-drift'), change('limits.nproc.hard', 100, 200, 'runtime-drift')], { reason: 'other words' })]);
  const b = classifyDrift(base({ plan: reordered }))[0]!;
  t.is(a.fingerprint, b.fingerprint);
});

test('fingerprint changes when a value, a field, the guest or the kind changes', (t) => {
  const fp = (input: ClassifyInput) => classifyDrift(input)[0]!.fingerprint;
  const ref = fp(base({ plan: limitPlan(200) }));
  const others = [
    fp(base({ plan: limitPlan(300) })),
    fp(base({ plan: limitPlan(200, [1]) })),
    fp(base({ plan: plan([action('db', 'update', [change('limits.nproc.hard', 100, 200, 'runtime-drift')])]) })),
    fp(base({ plan: plan([action('web', 'update', [change('limits.nproc.hard', 100, 200, 'config-drift')])]) })),
  ];
  for (const o of others) t.not(o, ref);
  t.is(new Set(others).size, others.length);
});

test('failed fingerprint ignores the stderr text', (t) => {
  const mk = (stderr: string) =>
    classifyDrift(base({ changeSet: changeSet([entry('web', 'failed', { error: { code: 'COMMAND_FAILED', message: 'x', command: ['vlimit'], exitCode: 1, stderrTail: stderr } })]) }))[0]!.fingerprint;
  t.is(mk('pid 1 died'), mk('pid 2 died'));
});

const ign = (e: Partial<IgnoreEntry>): IgnoreEntry => ({ guest: '*', reason: 'known', expires: '2026-12-31', ...e });

test('ignore: unexpired match marks the item ignored (still reported)', (t) => {
  const items = classifyDrift(base({ plan: limitPlan(200), ignore: [ign({ guest: 'w*', kind: 'runtime' })] }));
  t.is(items.length, 1);
  t.deepEqual(items[0]!.ignored, { reason: 'known', expires: '2026-12-31' });
});

test('ignore: other kind or other guest does not match', (t) => {
  t.is(classifyDrift(base({ plan: limitPlan(200), ignore: [ign({ kind: 'config' })] }))[0]!.ignored, undefined);
  t.is(classifyDrift(base({ plan: limitPlan(200), ignore: [ign({ guest: 'db' })] }))[0]!.ignored, undefined);
});

test('ignore: expired entry stops matching; a date is valid through that day', (t) => {
  const entryOn = (expires: string) => [ign({ expires })];
  t.truthy(classifyDrift(base({ plan: limitPlan(200), ignore: entryOn('2026-11-26') }))[0]!.ignored);
  t.is(classifyDrift(base({ plan: limitPlan(200), ignore: entryOn('2026-11-25') }))[0]!.ignored, undefined);
  t.is(classifyDrift(base({ plan: limitPlan(200), ignore: entryOn('2026-11-26T11:59:59Z') }))[0]!.ignored, undefined);
});

test('ignore: fields entry covering all fields ignores; covering some narrows the item and its fingerprint', (t) => {
  const all = classifyDrift(base({ plan: limitPlan(200, [1]), ignore: [ign({ fields: ['limits', 'nodename'] })] }))[0]!;
  t.truthy(all.ignored);
  t.deepEqual(all.fields, ['limits.nproc.hard', 'nodename']);

  const some = classifyDrift(base({ plan: limitPlan(200, [1]), ignore: [ign({ fields: ['limits.*'] })] }))[0]!;
  t.is(some.ignored, undefined);
  t.deepEqual(some.fields, ['nodename']);
  // the ignored noise changing does not change the fingerprint
  const noiseChanged = classifyDrift(base({ plan: limitPlan(999, [1]), ignore: [ign({ fields: ['limits.*'] })] }))[0]!;
  t.is(noiseChanged.fingerprint, some.fingerprint);
  t.regex(some.message, /ignored: limits\.nproc\.hard/);
});

test('ignore: bare unmanaged context matched as xid:<n>', (t) => {
  const items = classifyDrift(base({ plan: plan([], { unmanaged: [{ xid: 4242, reason: 'r' }] }), ignore: [ign({ guest: 'xid:4242', kind: 'unmanaged' })] }));
  t.truthy(items[0]!.ignored);
});

test('mode: from the modes map, else the action, else enforce', (t) => {
  const p = plan([action('a', 'start', []), action('b', 'start', [], { driftMode: 'warn' }), action('c', 'start', [], { driftMode: 'warn' })]);
  const items = classifyDrift(base({ plan: p, modes: { c: 'enforce' } }));
  t.deepEqual(items.map((i) => [i.guest, i.mode]), [['a', 'enforce'], ['b', 'warn'], ['c', 'enforce']]);
});

test('failed: two failed entries of one guest make one item', (t) => {
  const items = classifyDrift(
    base({
      changeSet: changeSet([
        entry('web', 'failed', { error: { code: 'COMMAND_FAILED', message: 'a', command: ['vlimit'], exitCode: 1 } }),
        entry('web', 'failed', { action: 'start', error: { code: 'COMMAND_FAILED', message: 'b', command: ['vserver', 'web', 'start'], exitCode: 2 } }),
      ]),
    }),
  );
  t.is(items.length, 1);
  t.deepEqual(items[0]!.command, ['vlimit']);
  t.regex(items[0]!.message, /update web failed: a.*; start web failed: b/);
});
