import test from 'ava';
import { buildInfo } from '../../../src/build-info.js';
import { register as globalRegistry } from 'prom-client';
import { alertMetricsHook, createMetricsRegistry, registerSinks, updateMetrics } from '../../../src/observability/metrics/metrics.js';
import { buildStatus } from '../../../src/observability/status/build.js';
import { CONDITION_TYPES, type Status } from '../../../src/observability/status/types.js';
import type { PassResult } from '../../../src/reconciler/pass-types.js';
import { changeSet, entry, item, pass, plan } from '../helpers/fixtures.js';
import { parsePrometheusText, valueOf } from '../helpers/prom-parse.js';

const guests = [
  { name: 'a', mode: 'enforce' as const },
  { name: 'b', mode: 'warn' as const },
  { name: 'c', mode: 'enforce' as const },
];

function twoPasses(): { status: Status; passes: PassResult[] } {
  const p1 = pass({ id: 'p1', result: 'applied', durationMs: 800, revision: 'r1', appliedRevision: 'r1', plan: plan([]), changeSet: changeSet([entry('a', 'updated'), entry('c', 'created', { action: 'create' })]), guests });
  const p2 = pass({
    id: 'p2',
    result: 'failed',
    durationMs: 3200,
    revision: 'r2',
    appliedRevision: 'r1',
    plan: plan([]),
    changeSet: changeSet([entry('a', 'failed', { error: { code: 'COMMAND_FAILED', message: 'x' } }), entry('c', 'updated')]),
    drift: [
      item('a', 'failed', 'f1'),
      item('b', 'config', 'f2', { mode: 'warn' }),
      item('b', 'runtime', 'f3', { mode: 'warn', ignored: { reason: 'r', expires: '2027-01-01' } }),
      { ...item('x', 'unmanaged', 'f4', { mode: 'warn' }), guest: undefined, xid: 99 },
    ],
    guests,
  });
  const s1 = buildStatus(undefined, p1, '2026-11-26T10:00:00Z');
  const s2 = buildStatus(s1, p2, '2026-11-26T10:01:00Z');
  return { status: s2, passes: [p1, p2] };
}

test('metrics text parses strictly and its numbers match the status', async (t) => {
  const registry = createMetricsRegistry();
  const { status, passes } = twoPasses();
  let s: Status | undefined;
  for (const p of passes) {
    s = buildStatus(s, p, p.finishedAt);
    updateMetrics(registry, s, p);
  }
  const f = parsePrometheusText(await registry.metrics());

  // guests by condition, against the status file
  for (const type of CONDITION_TYPES) {
    for (const state of [true, false]) {
      const expected = status.guests.filter((g) => g.conditions.find((c) => c.type === type)!.status === state).length;
      t.is(valueOf(f, 'vsgitops_guests', { condition: type, status: String(state) }), expected, `${type}=${state}`);
    }
  }
  t.is(valueOf(f, 'vsgitops_guests', { condition: 'Failed', status: 'true' }), 1);
  t.is(valueOf(f, 'vsgitops_guests', { condition: 'Drifted', status: 'true' }), 1);

  // drift by kind
  for (const kind of ['pending', 'config', 'runtime', 'unmanaged', 'failed']) {
    for (const ignored of [false, true]) {
      const expected = status.drift.filter((d) => d.kind === kind && Boolean(d.ignored) === ignored).length;
      t.is(valueOf(f, 'vsgitops_drift_items', { kind, ignored: String(ignored) }), expected);
    }
  }
  t.is(valueOf(f, 'vsgitops_drift_items', { kind: 'runtime', ignored: 'true' }), 1);

  // passes and durations
  t.is(valueOf(f, 'vsgitops_passes_total', { result: 'applied' }), 1);
  t.is(valueOf(f, 'vsgitops_passes_total', { result: 'failed' }), 1);
  t.is(valueOf(f, 'vsgitops_passes_total', { result: 'invalid' }), 0);
  t.is(valueOf(f, 'vsgitops_pass_duration_seconds_count', { result: 'failed' }), 1);
  t.is(valueOf(f, 'vsgitops_pass_duration_seconds_sum', { result: 'failed' }), status.lastPass.durationMs / 1000);
  t.is(valueOf(f, 'vsgitops_pass_duration_seconds_bucket', { result: 'failed', le: '2.5' }), 0);
  t.is(valueOf(f, 'vsgitops_pass_duration_seconds_bucket', { result: 'failed', le: '5' }), 1);

  // actions
  t.is(valueOf(f, 'vsgitops_actions_total', { kind: 'update', result: 'updated' }), 2);
  t.is(valueOf(f, 'vsgitops_actions_total', { kind: 'create', result: 'created' }), 1);
  t.is(valueOf(f, 'vsgitops_actions_total', { kind: 'update', result: 'failed' }), 1);

  // revision info: exactly one series, the applied revision of the status
  const info = f.get('vsgitops_last_applied_revision_info')!.samples;
  t.deepEqual(info.map((x) => [x.labels.revision, x.value]), [[status.lastAppliedRevision, 1]]);
  t.is(valueOf(f, 'vsgitops_last_pass_timestamp_seconds'), Date.parse(status.lastPass.finishedAt) / 1000);
});

test('the same pass counted twice does not double the counters', async (t) => {
  const registry = createMetricsRegistry();
  const { status, passes } = twoPasses();
  updateMetrics(registry, status, passes[1]!);
  updateMetrics(registry, status, passes[1]!);
  const f = parsePrometheusText(await registry.metrics());
  t.is(valueOf(f, 'vsgitops_passes_total', { result: 'failed' }), 1);
});

test('alert counters by sink; nothing lands in the global registry', async (t) => {
  const registry = createMetricsRegistry();
  registerSinks(registry, ['hook', 'chat']);
  const hook = alertMetricsHook(registry);
  hook('hook', 'sent');
  hook('hook', 'sent');
  hook('hook', 'failed');
  hook('chat', 'dropped');
  const f = parsePrometheusText(await registry.metrics());
  t.is(valueOf(f, 'vsgitops_alerts_sent_total', { sink: 'hook' }), 2);
  t.is(valueOf(f, 'vsgitops_alerts_failed_total', { sink: 'hook' }), 1);
  t.is(valueOf(f, 'vsgitops_alerts_failed_total', { sink: 'chat' }), 0);
  t.is(valueOf(f, 'vsgitops_alerts_dropped_total', { sink: 'chat' }), 1);
  t.is(globalRegistry.getSingleMetric('vsgitops_alerts_sent_total'), undefined);
});

test('vsgitops_build_info carries the version and the git commit of the build', async (t) => {
  const registry = createMetricsRegistry();
  const text = await registry.metrics();
  const b = buildInfo();
  t.true(text.includes(`vsgitops_build_info{version="${b.version}",commit="${b.commit}"} 1`), text.split('\n').filter((l) => l.includes('build_info')).join('\n'));
});
