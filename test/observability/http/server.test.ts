import test from 'ava';
import { startHttpEndpoints } from '../../../src/observability/http/server.js';
import { createMetricsRegistry, updateMetrics } from '../../../src/observability/metrics/metrics.js';
import { buildStatus } from '../../../src/observability/status/build.js';
import { pass, plan } from '../helpers/fixtures.js';
import { parsePrometheusText, valueOf } from '../helpers/prom-parse.js';

const NOW = Date.parse('2026-11-26T10:10:00Z');

async function start(lastSuccess: string | null) {
  const registry = createMetricsRegistry();
  const ep = await startHttpEndpoints({ host: '127.0.0.1', port: 0, registry, lastSuccess: () => lastSuccess, readyWindowMs: 5 * 60_000, now: () => NOW });
  return { ep, registry, base: `http://127.0.0.1:${ep.address.port}` };
}

test('healthz is 200; readyz follows the last success window', async (t) => {
  const cases: [string | null, number][] = [
    ['2026-11-26T10:06:00Z', 200],
    ['2026-11-26T10:05:00Z', 200],
    ['2026-11-26T10:04:59Z', 503],
    [null, 503],
  ];
  for (const [last, want] of cases) {
    const { ep, base } = await start(last);
    t.is((await fetch(`${base}/healthz`)).status, 200);
    const r = await fetch(`${base}/readyz`);
    t.is(r.status, want, `last success ${last}`);
    t.regex(await r.text(), want === 200 ? /^ok/ : /^not ready/);
    await ep.close();
  }
});

test('metrics endpoint serves the registry in Prometheus text; others 404/405', async (t) => {
  const { ep, registry, base } = await start('2026-11-26T10:09:00Z');
  t.teardown(() => ep.close());
  const p = pass({ result: 'applied', revision: 'deadbeef', appliedRevision: 'deadbeef', plan: plan([]), guests: [{ name: 'a', mode: 'enforce' }] });
  const status = buildStatus(undefined, p, '2026-11-26T10:09:00Z');
  updateMetrics(registry, status, p);
  const r = await fetch(`${base}/metrics`);
  t.is(r.status, 200);
  t.regex(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const f = parsePrometheusText(await r.text());
  t.is(valueOf(f, 'vsgitops_last_applied_revision_info', { revision: 'deadbeef' }), 1);
  t.is(valueOf(f, 'vsgitops_guests', { condition: 'Ready', status: 'true' }), 1);
  t.is((await fetch(`${base}/nope`)).status, 404);
  t.is((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

test('binding an address in use is a CONFIG error', async (t) => {
  const { ep } = await start(null);
  t.teardown(() => ep.close());
  await t.throwsAsync(startHttpEndpoints({ host: '127.0.0.1', port: ep.address.port, registry: createMetricsRegistry(), lastSuccess: () => null, readyWindowMs: 1 }), { message: /cannot listen/ });
});

test('/status and /observed serve JSON behind the bearer token; 503 before the first pass; 404 when not wired', async (t) => {
  const registry = createMetricsRegistry();
  let status: string | undefined;
  const ep = await startHttpEndpoints({
    host: '127.0.0.1', port: 0, registry, lastSuccess: () => null, readyWindowMs: 1000,
    status: async () => status, observation: async () => '{"kind":"vsgitops.observation"}\n', token: 's3cret-token',
  });
  t.teardown(() => ep.close());
  const base = `http://127.0.0.1:${ep.address.port}`;
  const get = (p: string, auth?: string) => fetch(base + p, auth ? { headers: { authorization: auth } } : {});
  t.is((await get('/status')).status, 401);
  const wrong = await get('/status', 'Bearer nope');
  t.is(wrong.status, 401);
  t.is(wrong.headers.get('www-authenticate'), 'Bearer realm="vsgitops"');
  t.is((await get('/status', 'Basic s3cret-token')).status, 401);
  t.is((await get('/status', 'Bearer s3cret-token')).status, 503, 'no pass yet');
  status = '{"formatVersion":1}\n';
  const ok = await get('/status', 'Bearer s3cret-token');
  t.is(ok.status, 200);
  t.is(ok.headers.get('content-type'), 'application/json');
  t.deepEqual(await ok.json(), { formatVersion: 1 });
  t.deepEqual(await (await get('/observed', 'bearer s3cret-token')).json(), { kind: 'vsgitops.observation' });
  t.is((await get('/healthz')).status, 200, 'probes stay open');
  const bare = await startHttpEndpoints({ host: '127.0.0.1', port: 0, registry, lastSuccess: () => null, readyWindowMs: 1000 });
  t.teardown(() => bare.close());
  t.is((await fetch(`http://127.0.0.1:${bare.address.port}/status`)).status, 404);
});
