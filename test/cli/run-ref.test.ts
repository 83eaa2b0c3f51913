/**
 * `run --once` with the default --ref (the repository's HEAD): a repository on master works as one
 * on main; -c fills in what plan and suspend leave out; VSGITOPS_LOG_LEVEL=error silences info.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cli, manifest, tempDir } from '../helpers/e2e.js';

async function masterRepo(dir: string): Promise<string> {
  const repo = path.join(dir, 'repo');
  await fsp.mkdir(path.join(repo, 'manifests'), { recursive: true });
  await execa('git', ['init', '-q', '-b', 'master'], { cwd: repo });
  await fsp.writeFile(path.join(repo, 'manifests/web.yaml'), manifest({ name: 'web', context: 1201 }));
  await execa('git', ['add', '-A'], { cwd: repo });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'web'], { cwd: repo });
  return repo;
}

test('run --once follows the default branch of a repository on master; VSGITOPS_LOG_LEVEL=error logs no info', async (t) => {
  const dir = await tempDir('run-master');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const repo = await masterRepo(dir);
  const r = await cli(['run', '--once', '--repo', repo, '--path', 'manifests', '--host', `sim:${sim}`], { env: { VSGITOPS_LOG_LEVEL: 'error' } });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stderr.trim(), '', 'nothing below error is logged');
  const status = await cli(['status', '--host', `sim:${sim}`, '--output', 'json']);
  t.is(status.exitCode, 0, status.stderr);
  t.like(JSON.parse(status.stdout), { lastPass: { result: 'applied' } });

  const info = await cli(['run', '--once', '--repo', repo, '--path', 'manifests', '--host', `sim:${sim}`], { env: { VSGITOPS_LOG_LEVEL: 'info' } });
  t.is(info.exitCode, 0, info.stderr);
  t.regex(info.stderr, /"level":"info"/, 'info is logged when asked for');
});

test('-c: plan, drift, status and suspend take the source, host and state directory from the agent configuration; flags override', async (t) => {
  const dir = await tempDir('cli-config');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  await masterRepo(dir);
  const config = path.join(dir, 'agent.yaml');
  // relative paths are relative to the file; the webhook secret is not needed by these commands
  await fsp.writeFile(config, 'source: {url: ./repo, path: manifests}\nhost: sim:./host\nhostName: host-a\nwebhook: {enabled: true, secretEnv: NOT_SET_HERE}\n');
  const plan = await cli(['plan', '-c', config, '--output', 'json'], { cwd: '/' });
  t.is(plan.exitCode, 2, plan.stderr);
  t.like(JSON.parse(plan.stdout), { hostName: 'host-a' });
  t.is((await cli(['drift', '--config', config])).exitCode, 4);
  const other = await cli(['plan', '-c', config, '--host-name', 'host-b', '--output', 'json']);
  t.is(other.exitCode, 0, 'the flag wins: host-b runs no guest');

  const suspended = await cli(['suspend', '-c', config, '--reason', 'maintenance', '--output', 'json']);
  t.is(suspended.exitCode, 0, suspended.stderr);
  t.like(JSON.parse(suspended.stdout), { formatVersion: 1, suspended: true, stateDir: path.join(sim, 'var/lib/vsgitops') });
  const resumed = await cli(['resume', '--host', `sim:${sim}`]);
  t.is(resumed.stdout, 'resumed (was suspended by ' + resumed.stdout.split('by ')[1]);
  t.regex(resumed.stdout, /maintenance/);
});

test('a failed pass is logged at error: visible with VSGITOPS_LOG_LEVEL=error', async (t) => {
  const dir = await tempDir('run-error');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const repo = await masterRepo(dir);
  await fsp.writeFile(path.join(repo, 'manifests/web.yaml'), 'apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: web}\nspec: {context: 1}\n');
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', 'broken'], { cwd: repo });
  const r = await cli(['run', '--once', '--repo', repo, '--path', 'manifests', '--host', `sim:${sim}`], { env: { VSGITOPS_LOG_LEVEL: 'error' } });
  t.is(r.exitCode, 1);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; message: string; result?: string });
  t.true(lines.some((l) => l.level === 'error' && l.message === 'pass' && l.result === 'invalid'), r.stderr);
  t.false(lines.some((l) => l.level === 'info'));
});
