/** The agent configuration's alert sinks: the Alertmanager sink, and the agent's backoff shared by HTTP sinks. */
import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAgentConfig } from '../../src/agent/config.js';
import { isVsError } from '../../src/errors.js';
import { sinkSpecs } from '../../src/cli/run.js';

async function config(yaml: string, env: Record<string, string> = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsg-sinks-'));
  const file = path.join(dir, 'agent.yaml');
  await fs.writeFile(file, yaml);
  return loadAgentConfig(file, {}, { env, hostname: 'node7' });
}

test('an alertmanager sink: url, labels, resend interval, bearer token; generatorURL defaults to the agent /status; the agent backoff is shared', async (t) => {
  process.env.AM_TOKEN_TEST = 'tok-1';
  t.teardown(() => delete process.env.AM_TOKEN_TEST);
  const c = await config(
    [
      'source: {url: ./repo}',
      'hostName: web1',
      'backoff: {min: 3s, max: 1m}',
      'http: {enabled: true, port: 9100}',
      'alerts:',
      '  sinks:',
      '    - {type: alertmanager, url: "http://am.example.org:9093", labels: {team: ops}, resendInterval: 30s, bearerTokenEnv: AM_TOKEN_TEST}',
      '    - {type: webhook, url: "http://h.example.org/x"}',
      '',
    ].join('\n'),
  );
  const specs = await sinkSpecs(c);
  t.deepEqual(specs[0], {
    type: 'alertmanager',
    url: 'http://am.example.org:9093',
    backoff: { minMs: 3000, maxMs: 60_000, factor: 2, jitter: 0.2 },
    labels: { team: 'ops' },
    generatorURL: 'http://web1:9100/status',
    resendMs: 30_000,
    headers: { authorization: 'Bearer tok-1' },
  });
  t.like(specs[1], { type: 'webhook', backoff: { minMs: 3000, maxMs: 60_000 } });
});

test('the configuration schema checks alertmanager sinks: url required, label names, no inline token', async (t) => {
  for (const [sink, field] of [
    ['{type: alertmanager}', /alerts\.sinks\.0\.url/],
    ['{type: alertmanager, url: "http://am:9093", labels: {"bad-name": x}}', /alerts\.sinks\.0\.labels/],
    ['{type: alertmanager, url: "http://am:9093", bearerToken: x}', /alerts\.sinks\.0\.bearerToken/],
  ] as const) {
    const err = await t.throwsAsync(config(`source: {url: ./repo}\nalerts:\n  sinks:\n    - ${sink}\n`));
    t.true(isVsError(err, 'CONFIG'), String(err));
    t.regex(JSON.stringify((err as { data?: unknown }).data) + err!.message, field);
  }
});
