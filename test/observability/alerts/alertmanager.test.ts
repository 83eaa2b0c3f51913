/** Issue 13, item 8: an Alertmanager sink (v2 API) and Retry-After / the agent's backoff for HTTP sinks. */
import test from 'ava';
import { silentLogger } from '../../../src/log.js';
import { AlertDispatcher } from '../../../src/observability/alerts/dispatcher.js';
import { alertmanagerSink, alertsEndpoint, postableAlert, type PostableAlert } from '../../../src/observability/alerts/sinks/alertmanager.js';
import { sinksFromSpecs } from '../../../src/observability/alerts/sinks/from-config.js';
import { parseRetryAfter, postWithRetry } from '../../../src/observability/alerts/sinks/http-post.js';
import { webhookSink } from '../../../src/observability/alerts/sinks/webhook.js';
import { AlertTracker } from '../../../src/observability/alerts/tracker.js';
import { isVsError } from '../../../src/errors.js';
import { sampleAlert } from '../helpers/alert.js';
import { item } from '../helpers/fixtures.js';
import { startReceiver } from '../helpers/receiver.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const fast = { backoffMs: 20, maxBackoffMs: 100, timeoutMs: 15_000 };

test('alertsEndpoint: a base URL gets /api/v2/alerts; a full one is kept', (t) => {
  t.is(alertsEndpoint('http://am:9093'), 'http://am:9093/api/v2/alerts');
  t.is(alertsEndpoint('http://am:9093/prefix/'), 'http://am:9093/prefix/api/v2/alerts');
  t.is(alertsEndpoint('http://am:9093/api/v2/alerts'), 'http://am:9093/api/v2/alerts');
});

test('postableAlert: identifying labels, annotations, startsAt; endsAt ahead while firing, the resolve time when resolved', (t) => {
  const firing = postableAlert(sampleAlert(), { labels: { team: 'ops' }, generatorURL: 'http://h:9100/status', nowMs: Date.parse('2026-11-26T10:00:00Z'), endsInMs: 240_000 });
  t.deepEqual(firing.labels, { team: 'ops', alertname: 'VsgitopsDrift', host: 'host1', kind: 'config', severity: 'warning', guest: 'web' });
  t.is(firing.startsAt, '2026-11-26T10:00:00Z');
  t.is(firing.endsAt, '2026-11-26T10:04:00.000Z');
  t.is(firing.generatorURL, 'http://h:9100/status');
  t.like(firing.annotations, { description: 'config drift on web: limits.nproc.hard 100 -> 200', revision: 'abc123', fields: 'limits.nproc.hard', mode: 'enforce' });
  t.regex(firing.annotations.summary!, /^\[host1\] config drift appeared on web/);
  const changed = postableAlert(sampleAlert({ type: 'changed', fingerprint: 'e'.repeat(64), message: 'other' }), { labels: { team: 'ops' }, nowMs: 0 });
  t.deepEqual(changed.labels, firing.labels, 'a change of the same drift is the same Alertmanager alert');
  t.is(changed.endsAt, undefined);
  const resolved = postableAlert(sampleAlert({ type: 'resolved', at: '2026-11-26T11:00:00Z' }), { nowMs: 0, endsInMs: 240_000 });
  t.is(resolved.endsAt, '2026-11-26T11:00:00Z');
  t.is(postableAlert(sampleAlert({ kind: 'failed' }), { nowMs: 0 }).labels.severity, 'critical');
  t.is(postableAlert(sampleAlert({ guest: undefined, xid: 4242, kind: 'unmanaged' }), { nowMs: 0 }).labels.xid, '4242');
});

test('alertmanager sink: POSTs to /api/v2/alerts, re-sends firing alerts until resolved, then sends the resolve once', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  const base = rx.url.replace(/\/hook\/secret-path$/, '');
  const sink = alertmanagerSink({ url: base, resendMs: 150, labels: { cluster: 'fra' }, ...fast });
  t.teardown(() => sink.close());
  const before = Date.now();
  await sink.send(sampleAlert());
  t.is(rx.received[0]!.method, 'POST');
  t.is(rx.received[0]!.url, '/api/v2/alerts');
  t.is(rx.received[0]!.headers['content-type'], 'application/json');
  const first = JSON.parse(rx.received[0]!.body) as PostableAlert[];
  t.is(first.length, 1);
  t.like(first[0]!.labels, { alertname: 'VsgitopsDrift', guest: 'web', cluster: 'fra' });
  t.true(Date.parse(first[0]!.endsAt!) >= before + 4 * 150, 'firing: endsAt four re-send intervals ahead');
  // re-sent while firing, with endsAt moved on
  await until(() => rx.received.length >= 3);
  const again = JSON.parse(rx.received[2]!.body) as PostableAlert[];
  t.deepEqual(again[0]!.labels, first[0]!.labels);
  t.true(Date.parse(again[0]!.endsAt!) > Date.parse(first[0]!.endsAt!));
  await sink.send(sampleAlert({ type: 'resolved', at: '2026-11-26T10:30:00Z' }));
  const n = rx.received.length;
  const resolved = JSON.parse(rx.received[n - 1]!.body) as PostableAlert[];
  t.is(resolved[0]!.endsAt, '2026-11-26T10:30:00Z');
  await new Promise((r) => setTimeout(r, 500));
  t.is(rx.received.length, n, 'nothing re-sent after the resolve');
});

test('alertmanager sink through the tracker: after a restart the active drift is re-asserted without a new transition', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'vsg-am-'));
  const base = rx.url.replace(/\/hook\/secret-path$/, '');
  const run = async () => {
    const [sink] = sinksFromSpecs([{ type: 'alertmanager', url: base, resendMs: 100, ...fast }], silentLogger());
    const dispatcher = new AlertDispatcher({ sinks: [sink!], logger: silentLogger() });
    const tracker = new AlertTracker({ stateDir, host: 'host1', dispatcher, logger: silentLogger() });
    return { dispatcher, tracker };
  };
  const a = await run();
  const drift = [item('web', 'config', 'f1', { fields: ['limits.nproc.hard'], message: 'config drift on web' })];
  t.is((await a.tracker.observe(drift, 'r1', '2026-11-26T10:00:00Z')).length, 1);
  await a.dispatcher.close(5000);
  const sent = rx.received.length;
  t.true(sent >= 1);
  // the restarted agent: same drift, no transition, no alert from the tracker; the sink re-asserts it
  const b = await run();
  t.teardown(() => void b.dispatcher.close(1000));
  t.deepEqual(await b.tracker.observe(drift, 'r1', '2026-11-26T10:05:00Z'), []);
  await until(() => rx.received.length > sent);
  const body = JSON.parse(rx.received[rx.received.length - 1]!.body) as PostableAlert[];
  t.like(body[0]!.labels, { guest: 'web', kind: 'config' });
  t.is(body[0]!.startsAt, '2026-11-26T10:00:00Z');
});

test('parseRetryAfter: delay-seconds and HTTP-date (RFC 9110 10.2.3)', (t) => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  t.is(parseRetryAfter('120', now), 120_000);
  t.is(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now), 30_000);
  t.is(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now), 0, 'a date in the past: no wait');
  t.is(parseRetryAfter('soon', now), undefined);
  t.is(parseRetryAfter('-5', now), undefined);
  t.is(parseRetryAfter(null, now), undefined);
});

test('webhook honours Retry-After (seconds) on 429 and 503, over its own shorter backoff', async (t) => {
  const rx = await startReceiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '7' } } : i === 1 ? { status: 503, headers: { 'retry-after': '2' } } : 204));
  t.teardown(rx.close);
  const delays: number[] = [];
  await webhookSink({ url: rx.url, retries: 3, ...fast, sleep: async (ms) => void delays.push(ms) }).send(sampleAlert());
  t.is(rx.received.length, 3);
  t.deepEqual(delays, [7000, 2000]);
});

test('webhook honours Retry-After as an HTTP date', async (t) => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  const rx = await startReceiver((i) => (i === 0 ? { status: 503, headers: { 'retry-after': new Date(now + 45_000).toUTCString() } } : 204));
  t.teardown(rx.close);
  const delays: number[] = [];
  await webhookSink({ url: rx.url, retries: 1, ...fast, now: () => now, sleep: async (ms) => void delays.push(ms) }).send(sampleAlert());
  t.deepEqual(delays, [45_000]);
});

test('a real wait: the retry comes no sooner than Retry-After asks', async (t) => {
  const rx = await startReceiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : 204));
  t.teardown(rx.close);
  await webhookSink({ url: rx.url, retries: 1, ...fast }).send(sampleAlert());
  t.true(rx.received[1]!.at - rx.received[0]!.at >= 950);
});

test('a Retry-After longer than the sink waits fails the delivery at once, saying so', async (t) => {
  const rx = await startReceiver(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
  t.teardown(rx.close);
  const err = await t.throwsAsync(webhookSink({ url: rx.url, retries: 3, ...fast, sleep: async () => undefined }).send(sampleAlert()));
  t.true(isVsError(err, 'ALERT_SINK'));
  t.regex(err!.message, /HTTP 429, Retry-After 3600s is more than the 300s this sink waits/);
  t.is(rx.received.length, 1);
});

test("retries wait as the agent's backoff says (min, factor, max)", async (t) => {
  const rx = await startReceiver((i) => (i < 3 ? 500 : 204));
  t.teardown(rx.close);
  const delays: number[] = [];
  await postWithRetry(rx.url, '{}', {}, { ...fast, retries: 3, backoff: { minMs: 7, maxMs: 50, factor: 3, jitter: 0 }, sleep: async (ms) => void delays.push(ms) });
  t.deepEqual(delays, [7, 21, 50]);
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
