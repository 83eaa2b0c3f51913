import { createHmac, timingSafeEqual } from 'node:crypto';
import { userAgent } from '../../../src/build-info.js';
import { writeFile, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { isVsError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { AlertDispatcher } from '../../../src/observability/alerts/dispatcher.js';
import { commandSink } from '../../../src/observability/alerts/sinks/command.js';
import type { AlertSink } from '../../../src/observability/alerts/sinks/sink.js';
import { slackPayload, slackSink } from '../../../src/observability/alerts/sinks/slack.js';
import { SIGNATURE_HEADER, webhookSink } from '../../../src/observability/alerts/sinks/webhook.js';
import { sampleAlert } from '../helpers/alert.js';
import { deadPort, startReceiver } from '../helpers/receiver.js';

// short backoffs; a per-attempt timeout no loopback request reaches even on a loaded machine (an extra
// attempt would change the request counts asserted below)
const fast = { backoffMs: 20, maxBackoffMs: 100, timeoutMs: 15_000 };

function verify(secret: string, body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const want = createHmac('sha256', secret).update(body).digest();
  const got = Buffer.from(header.slice(7), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

test('webhook: POSTs the alert JSON with a verifiable HMAC signature', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  const alert = sampleAlert();
  await webhookSink({ url: rx.url, secret: 's3cret', ...fast }).send(alert);
  t.is(rx.received.length, 1);
  const r = rx.received[0]!;
  t.deepEqual(JSON.parse(r.body), alert);
  t.is(r.headers['content-type'], 'application/json');
  t.is(r.headers['user-agent'], userAgent(), 'the User-Agent names the version and commit');
  t.regex(r.headers['user-agent']!, /^vsgitops\/\d+\.\d+\.\d+ \(\+commit [^)]+\)$/);
  t.true(verify('s3cret', r.body, r.headers[SIGNATURE_HEADER.toLowerCase()]));
  t.false(verify('other', r.body, r.headers[SIGNATURE_HEADER.toLowerCase()]));
});

test('webhook: without a secret, no signature header', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  await webhookSink({ url: rx.url, ...fast }).send(sampleAlert());
  t.is(rx.received[0]!.headers[SIGNATURE_HEADER.toLowerCase()], undefined);
});

test('webhook: retries after 500s with growing delays, then succeeds', async (t) => {
  const rx = await startReceiver((i) => (i < 2 ? 500 : 204));
  t.teardown(rx.close);
  await webhookSink({ url: rx.url, retries: 3, ...fast }).send(sampleAlert());
  t.is(rx.received.length, 3);
  const gap1 = rx.received[1]!.at - rx.received[0]!.at;
  const gap2 = rx.received[2]!.at - rx.received[1]!.at;
  t.true(gap1 >= 15, `first backoff ${gap1} ms`);
  t.true(gap2 >= 35, `second backoff ${gap2} ms`);
  // each retry carries the same signed body
  t.is(rx.received[0]!.body, rx.received[2]!.body);
});

test('webhook: gives up after the retries; a 4xx is not retried', async (t) => {
  const rx = await startReceiver(() => 503);
  t.teardown(rx.close);
  const err = await t.throwsAsync(webhookSink({ url: rx.url, retries: 2, ...fast }).send(sampleAlert()));
  t.true(isVsError(err, 'ALERT_SINK'));
  t.regex(err!.message, /HTTP 503/);
  t.notRegex(err!.message, /secret-path/, 'the URL path (a secret for incoming webhooks) is not in messages');
  t.is(rx.received.length, 3);

  const rx4 = await startReceiver(() => 400);
  t.teardown(rx4.close);
  await t.throwsAsync(webhookSink({ url: rx4.url, retries: 2, ...fast }).send(sampleAlert()), { message: /HTTP 400/ });
  t.is(rx4.received.length, 1);
});

test('webhook: a hanging receiver times out per attempt', async (t) => {
  const rx = await startReceiver(() => 'hang');
  t.teardown(rx.close);
  await t.throwsAsync(webhookSink({ url: rx.url, retries: 1, backoffMs: 10, maxBackoffMs: 10, timeoutMs: 2000 }).send(sampleAlert()), { message: /timed out after 2000 ms/ });
  t.is(rx.requests(), 2);
});

test('slack: payload has fallback text and blocks; control characters escaped in blocks', (t) => {
  const p = slackPayload(sampleAlert({ type: 'resolved', message: 'a <b> & c', command: ['vlimit', '-c', '7'], exitCode: 1, stderrTail: 'bad' }));
  t.regex(p.text, /^:white_check_mark: \[host1\] config drift resolved on web: a <b> & c$/);
  t.true(Array.isArray(p.blocks));
  const [section, context, detail] = p.blocks as { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
  t.is(section!.type, 'section');
  t.is(section!.text!.type, 'mrkdwn');
  t.regex(section!.text!.text, /a &lt;b&gt; &amp; c/);
  t.is(context!.type, 'context');
  t.true(context!.elements!.some((e) => e.text === '*fields* limits.nproc.hard'));
  t.regex(detail!.text!.text, /vlimit -c 7 \(exit 1\)\nbad/);
});

test('slack: posts {text, blocks} to the incoming webhook', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  await slackSink({ url: rx.url, ...fast }).send(sampleAlert());
  const body = JSON.parse(rx.received[0]!.body);
  t.deepEqual(Object.keys(body).sort(), ['blocks', 'text']);
  t.regex(body.text, /^:warning: \[host1\] config drift appeared on web/);
});

test('command: runs argv with the alert as JSON on stdin', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-cmd-'));
  const script = path.join(dir, 'hook.mjs');
  const out = path.join(dir, 'out.json');
  await writeFile(
    script,
    [
      "import fs from 'node:fs';",
      "let s = '';",
      "process.stdin.on('data', (d) => (s += d));",
      "process.stdin.on('end', () => fs.writeFileSync(process.argv[2], JSON.stringify({ stdin: s, type: process.env.VSGITOPS_ALERT_TYPE })));",
    ].join('\n'),
  );
  const alert = sampleAlert();
  await commandSink({ argv: [process.execPath, script, out] }).send(alert);
  const got = JSON.parse(await readFile(out, 'utf8'));
  t.deepEqual(JSON.parse(got.stdin), alert);
  t.is(got.type, 'appeared');
});

test('command: non-zero exit and timeout fail the delivery', async (t) => {
  const fail = await t.throwsAsync(commandSink({ argv: [process.execPath, '-e', 'process.stderr.write("nope");process.exit(3)'] }).send(sampleAlert()));
  t.true(isVsError(fail, 'ALERT_SINK'));
  t.regex(fail!.message, /exit 3.*nope/);
  const slow = await t.throwsAsync(commandSink({ argv: [process.execPath, '-e', 'setTimeout(()=>{},5000)'], timeoutMs: 200 }).send(sampleAlert()));
  t.true(isVsError(slow, 'COMMAND_TIMEOUT'));
});

test('dispatcher: a dead and a hanging sink do not delay dispatch; a good sink still delivers; failures counted', async (t) => {
  const good = await startReceiver();
  const hang = await startReceiver(() => 'hang');
  t.teardown(good.close);
  t.teardown(hang.close);
  const dead = `http://127.0.0.1:${await deadPort()}/x`;
  const outcomes: string[] = [];
  const d = new AlertDispatcher({
    logger: silentLogger(),
    sinks: [
      webhookSink({ name: 'dead', url: dead, retries: 1, ...fast }),
      webhookSink({ name: 'hang', url: hang.url, retries: 0, backoffMs: 10, timeoutMs: 300 }),
      webhookSink({ name: 'good', url: good.url, ...fast }),
    ],
    onOutcome: (sink, outcome) => outcomes.push(`${sink}:${outcome}`),
  });
  d.dispatch([sampleAlert(), sampleAlert({ id: 'second', type: 'resolved' })]);
  // dispatch has returned before any sink even started: nothing sent, failed or received yet
  t.deepEqual(Object.values(d.stats()).map((s) => s.sent + s.failed), [0, 0, 0]);
  t.is(good.received.length + hang.received.length, 0);
  t.true(await d.flush(30_000));
  t.is(good.received.length, 2);
  const stats = d.stats();
  t.like(stats, { dead: { sent: 0, failed: 2 }, hang: { sent: 0, failed: 2 }, good: { sent: 2, failed: 0 } });
  t.is(outcomes.filter((o) => o === 'good:sent').length, 2);
  t.is(outcomes.filter((o) => o.endsWith(':failed')).length, 4);
});

test('dispatcher: bounded queue drops and counts overflow; flush times out on a stuck sink', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stuck: AlertSink = { name: 'stuck', send: () => gate };
  const d = new AlertDispatcher({ sinks: [stuck], logger: silentLogger(), maxQueue: 2 });
  d.dispatch([sampleAlert({ id: '1' }), sampleAlert({ id: '2' }), sampleAlert({ id: '3' }), sampleAlert({ id: '4' })]);
  t.is(d.stats().stuck!.dropped, 2);
  t.false(await d.flush(50));
  release();
  t.true(await d.flush(1000));
  t.like(d.stats().stuck, { sent: 2, dropped: 2, queued: 0 });
});

test('dispatcher close: waits for quick sinks, then abandons a hanging webhook (request aborted, queue cleared, later alerts refused)', async (t) => {
  const hang = await startReceiver(() => 'hang');
  const rx = await startReceiver();
  t.teardown(hang.close);
  t.teardown(rx.close);
  // a timeout and retries far beyond the test: only close() can end them
  const stuck = webhookSink({ name: 'stuck', url: hang.url, timeoutMs: 600_000, retries: 5, backoffMs: 600_000 });
  const ok = webhookSink({ name: 'ok', url: rx.url, ...fast });
  const outcomes: string[] = [];
  const d = new AlertDispatcher({ sinks: [stuck, ok], logger: silentLogger(), onOutcome: (sink, outcome) => outcomes.push(`${sink} ${outcome}`) });
  d.dispatch([sampleAlert({ id: 'a' }), sampleAlert({ id: 'b' })]);
  const deadline = Date.now() + 30_000;
  while ((hang.requests() === 0 || d.stats().ok!.sent < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.is(hang.requests(), 1);
  t.is(rx.received.length, 2, 'the healthy sink delivered both');
  const abandoned = await d.close(300);
  t.is(abandoned, 2, 'the alert in flight and the queued one');
  t.deepEqual(outcomes.sort(), ['ok sent', 'ok sent', 'stuck failed']);
  t.deepEqual(d.stats().stuck, { sent: 0, failed: 1, dropped: 0, queued: 0 });
  d.dispatch([sampleAlert({ id: 'c' })]);
  t.is(d.stats().ok!.queued, 0);
  t.is(rx.received.length, 2);
});

test('command sink: an aborted delivery kills the command', async (t) => {
  const ac = new AbortController();
  const sending = commandSink({ argv: [process.execPath, '-e', 'setTimeout(() => {}, 600000)'], timeoutMs: 600_000 }).send(sampleAlert(), ac.signal);
  setTimeout(() => ac.abort(), 50);
  await t.throwsAsync(sending, { message: /abandoned: shutting down/ });
});
