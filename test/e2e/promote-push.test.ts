/**
 * promote --push and --repo https://… with credentials from the environment
 * (never argv or the URL), against git's own http-backend with basic auth. The
 * gate's agent is a stub answering /status like an agent does.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { startGitHttpServer } from '../agent/helpers/git-http-server.js';
import { cli, manifest, tempDir } from '../helpers/e2e.js';

const git = async (cwd: string, args: string[]) => (await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd })).stdout.trim();
const PASSWORD = 'push-secret-4711';

async function stubAgent(status: () => object): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/status' || req.headers.authorization !== 'Bearer tok') return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

test('promote --push moves the remote ref with credentials from the environment; validate/plan --repo https take them the same way', async (t) => {
  const dir = await tempDir('promote-push');
  const root = path.join(dir, 'srv');
  const bare = path.join(root, 'fleet.git');
  await fsp.mkdir(root);
  await execa('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  await execa('git', ['config', 'http.receivepack', 'true'], { cwd: bare });
  const server = await startGitHttpServer(root, { username: 'deploy', password: PASSWORD });
  t.teardown(() => server.close());
  let rev = '';
  const agent = await stubAgent(() => ({
    formatVersion: 1, hostName: 'st-a', lastAttemptedRevision: rev, lastAppliedRevision: rev, lastSucceededAt: new Date().toISOString(),
    lastPass: { id: 'p', trigger: 'git', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), durationMs: 1, result: 'unchanged', revision: rev },
    guests: [], drift: [], lastChangeSet: null, updatedAt: new Date().toISOString(),
  }));
  t.teardown(() => agent.close());

  const work = path.join(dir, 'work');
  await fsp.mkdir(work);
  await git(work, ['init', '-q', '-b', 'staging']);
  await fsp.writeFile(path.join(work, 'fleet.yaml'), `apiVersion: vsgitops.io/v1\nkind: Fleet\nenvironments: {staging: {ref: staging}, prod: {ref: prod}}\nhosts:\n  - {name: st-a, environment: staging, agent: {url: "${agent.url}"}}\n  - {name: pr-a, environment: prod}\n`);
  await fsp.writeFile(path.join(work, 'web.yaml'), manifest({ name: 'web', context: 1001, host: 'st-a' }).replace('names: [st-a]', 'names: [st-a, pr-a]'));
  await git(work, ['add', '-A']);
  await git(work, ['commit', '-q', '-m', 'one']);
  const url = `${server.url}/fleet.git`;
  await git(work, ['remote', 'add', 'origin', url]);
  const authed = (extra: string[]) => ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`deploy:${PASSWORD}`).toString('base64')}`, ...extra];
  await git(work, authed(['push', '-q', 'origin', 'staging', 'staging:prod']));
  await git(work, ['commit', '-q', '--allow-empty', '-m', 'two']);
  await git(work, authed(['push', '-q', 'origin', 'staging']));
  rev = await git(work, ['rev-parse', 'HEAD']);
  await execa('git', ['symbolic-ref', 'HEAD', 'refs/heads/staging'], { cwd: bare });

  const env = { VSGITOPS_AGENT_TOKEN: 'tok', VSGITOPS_GIT_USERNAME: 'deploy', VSGITOPS_GIT_PASSWORD: PASSWORD };
  const args = ['promote', '--repo', work, '--from', 'staging', '--to', 'prod', '--push', 'origin'];
  const noCreds = await cli(args, { env: { VSGITOPS_AGENT_TOKEN: 'tok' } });
  t.is(noCreds.exitCode, 1);
  t.regex(noCreds.stderr, /pushing it to origin failed/);
  const ok = await cli(args, { env });
  t.is(ok.exitCode, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /pushed prod to origin/);
  t.is((await execa('git', ['rev-parse', 'prod'], { cwd: bare })).stdout.trim(), rev);
  t.false((ok.stdout + ok.stderr + noCreds.stdout + noCreds.stderr).includes(PASSWORD));

  // validate and plan read an https repository with the same credentials; a URL holding them is refused
  const cache = { HOME: dir };
  const v = await cli(['validate', '--repo', url, '--ref', 'prod'], { env: { ...env, ...cache } });
  t.is(v.exitCode, 0, v.stderr);
  const vNo = await cli(['validate', '--repo', url, '--ref', 'prod'], { env: cache });
  t.is(vNo.exitCode, 1);
  const file = path.join(dir, 'pw');
  await fsp.writeFile(path.join(dir, 'pw'), PASSWORD + '\n');
  const vFile = await cli(['validate', '--repo', url, '--ref', 'prod', '--git-username', 'deploy', '--git-password-file', file], { env: cache });
  t.is(vFile.exitCode, 0, vFile.stderr);
  const embedded = await cli(['plan', '--repo', url.replace('http://', `http://deploy:${PASSWORD}@`), '--host-name', 'st-a', '--observed', file]);
  t.is(embedded.exitCode, 64, 'plan: a usage error is 64, as everywhere');
  t.regex(embedded.stderr, /must not contain credentials/);
  t.false(embedded.stderr.includes(PASSWORD));
});
