import test from 'ava';
import type { FleetHost } from '../../src/desired/fleet.js';
import { fetchStatuses } from '../../src/fleet/agent-client.js';
import { gateReasons, judgeHost } from '../../src/fleet/health.js';
import type { Status } from '../../src/observability/status/types.js';

const host: FleetHost = { name: 'h1', environment: 'staging', labels: {}, agentUrl: 'http://h1:9293', origin: { file: 'fleet.yaml', line: 1 } };
const REV = 'a'.repeat(40);
const NOW = Date.parse('2026-12-03T12:00:00Z');

const cond = (type: string, status: boolean, reason = 'x') => ({ type, status, reason, message: '', lastTransitionTime: '2026-12-03T11:00:00Z' }) as Status['guests'][0]['conditions'][0];
const guest = (name: string, o: { ready?: boolean; failed?: boolean; drifted?: boolean; suspended?: boolean } = {}) => ({
  name,
  mode: 'enforce' as const,
  conditions: [cond('Ready', o.ready ?? true), cond('Progressing', false), cond('Drifted', o.drifted ?? false), cond('Failed', o.failed ?? false), cond('Suspended', o.suspended ?? false)],
});
const status = (o: Partial<Status> & { result?: string } = {}): Status => ({
  formatVersion: 1,
  hostName: 'h1',
  lastAttemptedRevision: REV,
  lastAppliedRevision: REV,
  lastSucceededAt: '2026-12-03T11:59:00Z',
  lastPass: { id: 'p', trigger: 'resync', startedAt: '2026-12-03T11:58:50Z', finishedAt: '2026-12-03T11:59:00Z', durationMs: 10, result: (o.result ?? 'unchanged') as Status['lastPass']['result'], revision: REV },
  guests: [guest('web')],
  drift: [],
  lastChangeSet: null,
  updatedAt: '2026-12-03T11:59:00Z',
  ...o,
});

test('a converged host passes the gate at its revision only', (t) => {
  const h = judgeHost({ host, status: status() }, NOW);
  t.true(h.converged);
  t.is(h.lastPassAgeMs, 60_000);
  t.deepEqual(gateReasons(h, REV), []);
  t.deepEqual(gateReasons(h, 'b'.repeat(40)), [`at ${REV.slice(0, 12)}, not bbbbbbbbbbbb`]);
});

test('failed guests, unignored drift, suspension and failed passes close the gate; ignored and corrected drift do not', (t) => {
  const d = (kind: string, guestName?: string, ignored = false) => ({ kind, ...(guestName ? { guest: guestName } : {}), fields: [], fingerprint: 'f', message: '', mode: 'enforce', ...(ignored ? { ignored: { reason: 'r', expires: '2099-01-01' } } : {}) }) as Status['drift'][0];
  t.true(judgeHost({ host, status: status({ drift: [d('runtime', 'web'), d('unmanaged', 'x', true), d('pending', 'web')] }) }, NOW).converged, 'corrected (Drifted false), ignored, pending');
  const drifted = judgeHost({ host, status: status({ guests: [guest('web', { drifted: true, ready: false })], drift: [d('config', 'web')] }) }, NOW);
  t.deepEqual(drifted.drift, ['web (config)']);
  t.false(drifted.converged);
  const rogue = judgeHost({ host, status: status({ drift: [d('unmanaged', 'rogue')] }) }, NOW);
  t.deepEqual(rogue.reasons, ['drift: rogue (unmanaged)']);
  const failed = judgeHost({ host, status: status({ result: 'failed', guests: [guest('web', { failed: true, ready: false })] }) }, NOW);
  t.deepEqual(failed.failed, ['web']);
  t.deepEqual(failed.reasons, ['last pass failed', 'failed: web']);
  const suspended = judgeHost({ host, status: status({ result: 'suspended', guests: [guest('web', { suspended: true, ready: false })] }) }, NOW);
  t.true(suspended.suspended);
  t.false(suspended.converged);
  const behind = judgeHost({ host, status: status({ lastPass: { ...status().lastPass, revision: 'c'.repeat(40), result: 'invalid' } }) }, NOW);
  t.false(behind.converged);
});

test('a host that does not answer is never converged; the token is sent; concurrency is bounded', async (t) => {
  let active = 0;
  let peak = 0;
  const auth: string[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    active++;
    peak = Math.max(peak, active);
    auth.push(String((init.headers as Record<string, string>).authorization));
    await new Promise((r) => setTimeout(r, 20));
    active--;
    if (url.includes('down')) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    if (url.includes('slow')) throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    return new Response(JSON.stringify(status()), { status: 200 });
  }) as unknown as typeof fetch;
  const hosts = ['a', 'b', 'down', 'slow', 'c', 'd'].map((n) => ({ ...host, name: n, agentUrl: `http://${n}:1` }));
  const answers = await fetchStatuses([...hosts, { ...host, name: 'nourl', agentUrl: undefined }], { token: 'tok', timeoutMs: 50, concurrency: 2, fetch: fake });
  t.true(peak <= 2);
  t.true(auth.every((a) => a === 'Bearer tok'));
  const judged = answers.map((a) => judgeHost(a, NOW));
  t.deepEqual(judged.map((h) => `${h.name}:${h.converged}:${h.answered}`), ['a:true:true', 'b:true:true', 'down:false:false', 'slow:false:false', 'c:true:true', 'd:true:true', 'nourl:false:false']);
  t.is(judged[2]!.error, 'http://down:1/status: ECONNREFUSED');
  t.is(judged[3]!.error, 'http://slow:1/status: no answer within 50 ms');
  t.is(judged[6]!.error, 'no agent URL in the fleet file');
});
