import test from 'ava';
import { buildStatus, conditionOf } from '../../../src/observability/status/build.js';
import type { ConditionType, Status } from '../../../src/observability/status/types.js';
import { changeSet, entry, item, pass, plan } from '../helpers/fixtures.js';

const T1 = '2026-11-26T10:00:02Z';
const T2 = '2026-11-26T10:01:02Z';
const T3 = '2026-11-26T10:02:02Z';

/** "Ready=true(Reason)" for every condition of one guest */
function conds(s: Status, guest: string): Record<ConditionType, string> {
  const g = s.guests.find((x) => x.name === guest)!;
  return Object.fromEntries(g.conditions.map((c) => [c.type, `${c.status}(${c.reason})`])) as Record<ConditionType, string>;
}

const cases: { title: string; pass: Parameters<typeof pass>[0]; guest: string; expect: Partial<Record<ConditionType, string>> }[] = [
  {
    title: 'in sync',
    pass: { plan: plan([], { unchanged: ['web'] }), changeSet: changeSet([]), guests: [{ name: 'web', mode: 'enforce' }] },
    guest: 'web',
    expect: { Ready: 'true(ReconciliationSucceeded)', Progressing: 'false(Idle)', Drifted: 'false(InSync)', Failed: 'false(Succeeded)', Suspended: 'false(Active)' },
  },
  {
    title: 'enforce drift healed by this pass',
    pass: {
      result: 'applied',
      plan: plan([]),
      changeSet: changeSet([entry('web', 'updated')]),
      drift: [item('web', 'runtime', 'f', { fields: ['limits.nproc.hard'] })],
      guests: [{ name: 'web', mode: 'enforce' }],
    },
    guest: 'web',
    expect: { Ready: 'true(ReconciliationSucceeded)', Drifted: 'false(DriftCorrected)' },
  },
  {
    title: 'warn drift is only reported',
    pass: { plan: plan([]), changeSet: changeSet([]), drift: [item('db', 'config', 'f', { mode: 'warn' })], guests: [{ name: 'db', mode: 'warn' }] },
    guest: 'db',
    expect: { Ready: 'false(DriftReported)', Drifted: 'true(DriftReported)' },
  },
  {
    title: 'enforce drift seen by a read-only pass (no change set) stays Drifted',
    pass: { plan: plan([]), drift: [item('db', 'config', 'f')], guests: [{ name: 'db', mode: 'enforce' }] },
    guest: 'db',
    expect: { Drifted: 'true(DriftDetected)', Ready: 'false(DriftDetected)' },
  },
  {
    title: 'ignored drift does not make a guest Drifted',
    pass: { plan: plan([]), drift: [item('db', 'config', 'f', { ignored: { reason: 'r', expires: '2027-01-01' } })], guests: [{ name: 'db', mode: 'enforce' }] },
    guest: 'db',
    expect: { Drifted: 'false(InSync)', Ready: 'true(ReconciliationSucceeded)' },
  },
  {
    title: 'failed action',
    pass: {
      result: 'failed',
      plan: plan([]),
      changeSet: changeSet([entry('web', 'failed', { error: { code: 'COMMAND_FAILED', message: 'vlimit exit 1' } })]),
      drift: [item('web', 'failed', 'f'), item('web', 'pending', 'p', { fields: ['nodename'] })],
      guests: [{ name: 'web', mode: 'enforce' }],
    },
    guest: 'web',
    expect: { Failed: 'true(COMMAND_FAILED)', Ready: 'false(COMMAND_FAILED)', Progressing: 'true(ChangesPending)' },
  },
  {
    title: 'pending change applied',
    pass: { result: 'applied', plan: plan([]), changeSet: changeSet([entry('web', 'updated')]), drift: [item('web', 'pending', 'p')], guests: [{ name: 'web', mode: 'enforce' }] },
    guest: 'web',
    expect: { Progressing: 'false(ChangesApplied)', Ready: 'true(ReconciliationSucceeded)' },
  },
  {
    title: 'blocked by the planner',
    pass: { plan: plan([], { blocked: [{ guest: 'web', reason: 'deletion breaker' }] }), guests: [{ name: 'web', mode: 'enforce' }] },
    guest: 'web',
    expect: { Ready: 'false(Blocked)' },
  },
  {
    title: 'suspended',
    pass: { result: 'suspended', guests: [{ name: 'web', mode: 'enforce' }] },
    guest: 'web',
    expect: { Suspended: 'true(Suspended)', Ready: 'false(Suspended)' },
  },
  {
    title: 'invalid manifests',
    pass: { result: 'invalid', error: { code: 'MANIFEST_INVALID', message: 'bad yaml' }, guests: [{ name: 'web', mode: 'enforce' }] },
    guest: 'web',
    expect: { Ready: 'false(InvalidManifests)', Drifted: 'false(Unknown)' },
  },
];

for (const c of cases) {
  test(`conditions: ${c.title}`, (t) => {
    const s = buildStatus(undefined, pass(c.pass), T1);
    t.like(conds(s, c.guest), c.expect);
    const ready = conditionOf(s.guests[0]!, 'Ready')!;
    t.is(ready.lastTransitionTime, T1);
  });
}

test('transition times: unchanged conditions keep their time, flipped ones take now', (t) => {
  const guests = [{ name: 'web', mode: 'enforce' as const }];
  const s1 = buildStatus(undefined, pass({ plan: plan([]), guests }), T1);
  const s2 = buildStatus(s1, pass({ plan: plan([]), drift: [item('web', 'config', 'f')], guests }), T2);
  const s3 = buildStatus(s2, pass({ plan: plan([]), drift: [item('web', 'config', 'g')], guests }), T3);
  const times = (s: Status) => Object.fromEntries(s.guests[0]!.conditions.map((c) => [c.type, c.lastTransitionTime]));
  t.deepEqual(times(s2), { Ready: T2, Progressing: T1, Drifted: T2, Failed: T1, Suspended: T1 });
  // drift changed but stayed drifted: times stay, message follows
  t.deepEqual(times(s3), times(s2));
  t.regex(conditionOf(s3.guests[0]!, 'Drifted')!.message, /config on web/);
});

test('a failed source keeps the last known drift and revisions', (t) => {
  const guests = [{ name: 'web', mode: 'enforce' as const }];
  const s1 = buildStatus(undefined, pass({ result: 'unchanged', plan: plan([]), drift: [item('web', 'config', 'f', { mode: 'warn' })], guests, revision: 'r1', appliedRevision: 'r1', changeSet: changeSet([entry('web', 'unchanged')]) }), T1);
  const s2 = buildStatus(s1, pass({ result: 'failed', revision: null, appliedRevision: null, error: { code: 'SOURCE', message: 'git unreachable' }, guests, finishedAt: T2 }), T2);
  t.is(s2.lastAttemptedRevision, 'r1');
  t.is(s2.lastAppliedRevision, 'r1');
  t.is(s2.lastSucceededAt, s1.lastPass.finishedAt);
  t.deepEqual(s2.lastChangeSet, s1.lastChangeSet);
  t.like(conds(s2, 'web'), { Drifted: 'true(DriftReported)', Ready: 'false(ReconcileFailed)' });
  t.is(conditionOf(s2.guests[0]!, 'Drifted')!.lastTransitionTime, T1);
  t.deepEqual(s2.lastPass.error, { code: 'SOURCE', message: 'git unreachable' });
});

test('revisions, duration, guests sorted, host name', (t) => {
  const s = buildStatus(
    undefined,
    pass({ result: 'applied', revision: 'r2', appliedRevision: 'r2', durationMs: 1234, plan: plan([]), guests: [{ name: 'b', mode: 'warn' }, { name: 'a', mode: 'enforce' }] }),
    T1,
  );
  t.like(s, { lastAttemptedRevision: 'r2', lastAppliedRevision: 'r2', hostName: 'host1', lastPass: { durationMs: 1234, result: 'applied' }, updatedAt: T1 });
  t.deepEqual(s.guests.map((g) => [g.name, g.mode]), [['a', 'enforce'], ['b', 'warn']]);
});

test('guests no longer present are dropped: deleted or released (retained) by the pass', (t) => {
  const first = buildStatus(undefined, pass({ plan: plan([]), changeSet: changeSet([entry('web', 'unchanged'), entry('old', 'unchanged'), entry('kept', 'unchanged')]), guests: [{ name: 'web', mode: 'enforce' }, { name: 'old', mode: 'enforce' }, { name: 'kept', mode: 'warn' }] }), '2026-11-26T10:00:00Z');
  t.deepEqual(first.guests.map((g) => g.name), ['kept', 'old', 'web']);
  // the pass deletes `old` and releases `kept`: the pass's guest list still names them (inventory before the pass)
  const second = buildStatus(
    first,
    pass({ plan: plan([]), changeSet: changeSet([entry('old', 'deleted', { action: 'delete' }), entry('kept', 'retained', { action: 'delete' }), entry('web', 'unchanged')]), guests: [{ name: 'web', mode: 'enforce' }, { name: 'old', mode: 'enforce' }, { name: 'kept', mode: 'warn' }] }),
    '2026-11-26T10:01:00Z',
  );
  t.deepEqual(second.guests.map((g) => g.name), ['web']);
  // a failed delete keeps the guest
  const third = buildStatus(first, pass({ result: 'failed', plan: plan([]), changeSet: changeSet([entry('old', 'failed', { action: 'delete' })]), guests: [{ name: 'old', mode: 'enforce' }] }), '2026-11-26T10:01:00Z');
  t.deepEqual(third.guests.map((g) => g.name), ['old']);
});

test('a pass that never planned (source failed) keeps the last known guests, not ready', (t) => {
  const first = buildStatus(undefined, pass({ plan: plan([]), changeSet: changeSet([entry('web', 'unchanged')]), guests: [{ name: 'web', mode: 'warn' }] }), '2026-11-26T10:00:00Z');
  const failed = buildStatus(first, pass({ result: 'failed', error: { code: 'SOURCE', message: 'fetch failed' }, guests: [] }), '2026-11-26T10:01:00Z');
  t.deepEqual(failed.guests.map((g) => [g.name, g.mode]), [['web', 'warn']]);
  t.like(failed.guests[0]!.conditions.find((c) => c.type === 'Ready'), { status: false, reason: 'ReconcileFailed' });
});
