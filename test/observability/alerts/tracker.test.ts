import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { AlertDispatcher } from '../../../src/observability/alerts/dispatcher.js';
import type { AlertSink } from '../../../src/observability/alerts/sinks/sink.js';
import { loadAlertState } from '../../../src/observability/alerts/state-store.js';
import { AlertTracker } from '../../../src/observability/alerts/tracker.js';
import type { Alert } from '../../../src/observability/alerts/types.js';
import { silentLogger } from '../../../src/log.js';
import { item } from '../helpers/fixtures.js';

function recorder(): AlertSink & { got: Alert[] } {
  const got: Alert[] = [];
  return { name: 'rec', got, send: async (a) => void got.push(a) };
}

test('a restarted tracker (new process, same state dir) does not alert again', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-alerts-'));
  const sink = recorder();
  const mk = () => new AlertTracker({ stateDir: dir, host: 'h', logger: silentLogger(), dispatcher: new AlertDispatcher({ sinks: [sink], logger: silentLogger() }) });
  const drift = [item('web', 'runtime', 'fp1')];
  const first = mk();
  t.is((await first.observe(drift, 'r', '2026-11-26T10:00:00Z')).length, 1);
  const saved = JSON.parse(await readFile(path.join(dir, 'alerts.json'), 'utf8'));
  t.is(saved.active['runtime/web'].fingerprint, 'fp1');

  const second = mk();
  t.deepEqual(await second.observe(drift, 'r', '2026-11-26T10:01:00Z'), []);
  const resolved = await second.observe([], 'r', '2026-11-26T10:02:00Z');
  t.deepEqual(resolved.map((a) => a.type), ['resolved']);
  t.is(resolved[0]!.since, '2026-11-26T10:00:00Z');
});

test('corrupt alert state starts afresh with a warning', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-alerts-'));
  await writeFile(path.join(dir, 'alerts.json'), '{not json');
  const r = await loadAlertState(dir);
  t.deepEqual(r.state, { version: 1, active: {} });
  t.regex(r.warning ?? '', /unreadable alert state/);
});
