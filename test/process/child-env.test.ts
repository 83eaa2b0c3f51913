import test from 'ava';
import { execaRunner } from '../../src/providers/command-runner.js';
import { commandSink } from '../../src/observability/alerts/sinks/command.js';
import { minimalChildEnv } from '../../src/process/child-env.js';
import { sampleAlert } from '../observability/helpers/alert.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// what an agent's environment holds (this test file runs in its own process)
const SECRETS = {
  VSGITOPS_WEBHOOK_SECRET: 'hook-secret',
  VSGITOPS_SLACK_URL: 'https://hooks.slack.example/T/B/x',
  GIT_TOKEN: 'ghp_secret',
  GITHUB_TOKEN: 'ghs_secret',
};
Object.assign(process.env, SECRETS, { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC' });

const PRINT_ENV = 'process.stdout.write(JSON.stringify(process.env))';

test('a util-vserver command (any runner child) sees PATH, locale and TZ, none of the agent\'s secrets', async (t) => {
  const r = await execaRunner().run([process.execPath, '-e', PRINT_ENV]);
  t.is(r.exitCode, 0, r.stderr);
  const env = JSON.parse(r.stdout) as Record<string, string>;
  for (const k of Object.keys(SECRETS)) t.false(k in env, `${k} reached the child`);
  t.false(Object.values(env).some((v) => Object.values(SECRETS).includes(v)));
  t.is(env.PATH, process.env.PATH as string);
  t.is(env.LANG, 'C.UTF-8');
  t.is(env.LC_ALL, 'C.UTF-8');
  t.is(env.TZ, 'UTC');
  t.false(Object.keys(env).some((k) => k.startsWith('VSGITOPS_')));
});

test('the runner\'s env option adds exactly the variables it names', async (t) => {
  const r = await execaRunner({ env: { EXTRA: '1' } }).run([process.execPath, '-e', PRINT_ENV]);
  const env = JSON.parse(r.stdout) as Record<string, string>;
  t.is(env.EXTRA, '1');
  t.false('GIT_TOKEN' in env);
});

test('an alert command gets only what its config names (plus PATH, locale, TZ, alert type/kind)', async (t) => {
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'vsgitops-env-')), 'env.json');
  const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`;
  await commandSink({ argv: [process.execPath, '-e', script], env: { PAGER_KEY: 'named' } }).send(sampleAlert());
  const env = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
  t.is(env.PAGER_KEY, 'named');
  t.truthy(env.VSGITOPS_ALERT_TYPE);
  for (const k of Object.keys(SECRETS)) t.false(k in env, `${k} reached the alert command`);
  t.deepEqual(Object.keys(env).sort(), ['LANG', 'LC_ALL', 'PAGER_KEY', 'PATH', 'TZ', 'VSGITOPS_ALERT_KIND', 'VSGITOPS_ALERT_TYPE']);
});

test('minimalChildEnv: a PATH even when none is set', (t) => {
  t.deepEqual(minimalChildEnv({ HOME: '/root', SECRET: 'x' }), { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
});
