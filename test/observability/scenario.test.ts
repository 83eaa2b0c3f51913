/**
 * The pieces together over a sequence of passes built from hand-made plans:
 * classify -> alert tracker (state dir) -> webhook receiver, status, metrics.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { silentLogger } from '../../src/log.js';
import { AlertDispatcher } from '../../src/observability/alerts/dispatcher.js';
import { sinksFromSpecs } from '../../src/observability/alerts/sinks/from-config.js';
import { AlertTracker } from '../../src/observability/alerts/tracker.js';
import { classifyDrift } from '../../src/observability/drift/classify.js';
import { parseIgnoreFile } from '../../src/observability/drift/ignore.js';
import { alertMetricsHook, createMetricsRegistry, registerSinks, updateMetrics } from '../../src/observability/metrics/metrics.js';
import { buildStatus, conditionOf } from '../../src/observability/status/build.js';
import { readStatus, writeStatus } from '../../src/observability/status/store.js';
import type { Status } from '../../src/observability/status/types.js';
import type { ChangeSet, Plan } from '../../src/reconciler/types.js';
import { action, change, changeSet, entry, pass, plan } from './helpers/fixtures.js';
import { parsePrometheusText, valueOf } from './helpers/prom-parse.js';
import { deadPort, startReceiver } from './helpers/receiver.js';

test('hand edit and live change: one alert each, heal or report by mode, resolved once gone; expired ignore alerts again; dead sink does not delay', async (t) => {
  const rx = await startReceiver();
  const hang = await startReceiver(() => 'hang');
  t.teardown(rx.close);
  t.teardown(hang.close);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'vsg-scn-'));
  const registry = createMetricsRegistry();
  const sinks = sinksFromSpecs(
    [
      { type: 'webhook', url: rx.url, secret: 'k', backoffMs: 10, timeoutMs: 500 },
      { type: 'webhook', url: `http://127.0.0.1:${await deadPort()}/`, retries: 2, backoffMs: 50, timeoutMs: 500 },
      // answers never; its timeout is far beyond this test: passes must not wait for it
      { type: 'webhook', url: hang.url, retries: 0, timeoutMs: 600_000 },
    ],
    silentLogger(),
  );
  registerSinks(registry, sinks.map((s) => s.name));
  const dispatcher = new AlertDispatcher({ sinks, logger: silentLogger(), onOutcome: alertMetricsHook(registry) });
  const tracker = new AlertTracker({ stateDir, host: 'host1', dispatcher, logger: silentLogger() });
  const ignore = parseIgnoreFile('ignore:\n  - guest: db\n    kind: runtime\n    reason: load test\n    expires: 2026-11-27\n');
  const modes = { web: 'enforce', db: 'warn' } as const;
  const guests = [{ name: 'web', mode: 'enforce' as const }, { name: 'db', mode: 'warn' as const }];
  const unmanaged = [{ xid: 4242, reason: 'context without config or manifest' }];

  let status: Status | undefined;
  let n = 0;
  const runPass = async (day: string, p: Plan, cs?: ChangeSet) => {
    n++;
    const now = `2026-11-${day}T10:00:${String(n).padStart(2, '0')}Z`;
    const drift = classifyDrift({ plan: p, ...(cs ? { changeSet: cs } : {}), pendingRevision: false, ignore, now, modes });
    const r = pass({ id: `p${n}`, result: cs && cs.entries.length > 0 ? 'applied' : 'unchanged', plan: p, ...(cs ? { changeSet: cs } : {}), drift, guests, finishedAt: now });
    // resolves although one sink hangs for good and another is down
    const alerts = await tracker.observe(drift, r.revision, now);
    status = buildStatus(status, r, now);
    await writeStatus(stateDir, status);
    updateMetrics(registry, status, r);
    return alerts.map((a) => `${a.type} ${a.key}`);
  };

  const clean = plan([], { unmanaged });
  const handEdit = plan([action('web', 'update', [change('limits.nproc.hard', 100, 500, 'config-drift')])], { unmanaged });
  const liveChange = plan([action('db', 'update', [change('limits.nofile.soft', 1024, 64, 'runtime-drift')], { driftMode: 'warn' })], { unmanaged });

  t.deepEqual(await runPass('25', clean), ['appeared unmanaged/xid:4242']);
  // enforce: the pass heals the hand edit
  t.deepEqual(await runPass('25', handEdit, changeSet([entry('web', 'updated')])), ['appeared config/web']);
  t.is(conditionOf(status!.guests.find((g) => g.name === 'web')!, 'Drifted')!.reason, 'DriftCorrected');
  t.deepEqual(await runPass('25', clean), ['resolved config/web']);
  // warn: reported, nothing applied, stays drifted without new alerts
  t.deepEqual(await runPass('28', liveChange, changeSet([])), ['appeared runtime/db']);
  t.deepEqual(await runPass('28', liveChange, changeSet([])), []);
  t.true(conditionOf(status!.guests.find((g) => g.name === 'db')!, 'Drifted')!.status);
  t.deepEqual(await runPass('28', clean), ['resolved runtime/db']);
  // the ignore entry is valid through 2026-11-27: the same drift earlier is reported, not alerted
  t.deepEqual(await runPass('26', liveChange, changeSet([])), []);
  t.truthy(status!.drift.find((d) => d.kind === 'runtime')!.ignored);
  // ... and alerts again once it has expired
  t.deepEqual(await runPass('28', liveChange, changeSet([])), ['appeared runtime/db']);

  // the good sink delivers everything while the hanging one still holds its first alert
  for (let i = 0; i < 500 && rx.received.length < 6; i++) await new Promise((r) => setTimeout(r, 10));
  t.is(hang.received.length, 1);
  t.false(await dispatcher.flush(1));
  await hang.close(); // the hanging request fails, the queued ones find nobody listening
  t.true(await dispatcher.flush(10_000));
  const got = rx.received.map((r) => JSON.parse(r.body) as { type: string; key: string });
  t.deepEqual(got.map((a) => `${a.type} ${a.key}`), [
    'appeared unmanaged/xid:4242',
    'appeared config/web',
    'resolved config/web',
    'appeared runtime/db',
    'resolved runtime/db',
    'appeared runtime/db',
  ]);

  // the status file and /metrics agree
  const onDisk = (await readStatus(stateDir))!;
  t.deepEqual(onDisk, status);
  const f = parsePrometheusText(await registry.metrics());
  t.is(valueOf(f, 'vsgitops_guests', { condition: 'Drifted', status: 'true' }), onDisk.guests.filter((g) => conditionOf(g, 'Drifted')!.status).length);
  t.is(valueOf(f, 'vsgitops_drift_items', { kind: 'runtime', ignored: 'false' }), 1);
  t.is(valueOf(f, 'vsgitops_drift_items', { kind: 'unmanaged', ignored: 'false' }), 1);
  t.is(valueOf(f, 'vsgitops_alerts_sent_total', { sink: 'webhook' }), 6);
  t.is(valueOf(f, 'vsgitops_alerts_failed_total', { sink: 'webhook-2' }), 6);
  t.is(valueOf(f, 'vsgitops_alerts_failed_total', { sink: 'webhook-3' }), 6);
  t.is(valueOf(f, 'vsgitops_passes_total', { result: 'applied' }), 1);
});
