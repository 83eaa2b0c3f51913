/**
 * Signed revisions end to end: the agent (`vsgitops run`, configuration file)
 * and `validate`/`plan`/`apply --repo` on a simulated host, with keys made here.
 * Also `apply --build-timeout`.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cli, exists, manifest, tempDir } from '../helpers/e2e.js';
import { AgentProcess, procLimit, readStatus, until } from '../helpers/agent-process.js';
import { allowedSignersLine, commitFiles, initRepo, makeSshKey, makePgpKey } from '../helpers/signing.js';

async function simHost(dir: string): Promise<string> {
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  if (init.exitCode !== 0) throw new Error(`sim init failed: ${init.stderr}`);
  return sim;
}

const vserverStatus = async (sim: string, name: string) => (await execa(path.join(sim, 'bin', 'vserver'), [name, 'status'], { reject: false })).exitCode;

test('agent: an unsigned commit on a branch that requires signatures changes nothing and raises an alert; a signed one is applied', async (t) => {
  const dir = await tempDir('signed-agent');
  const sim = await simHost(dir);
  const stateDir = path.join(sim, 'var/lib/vsgitops');
  const key = await makeSshKey(dir, 'alice');
  await fsp.writeFile(path.join(dir, 'allowed_signers'), allowedSignersLine('alice@example.org', key));
  const repo = await initRepo(path.join(dir, 'repo'));
  const web = (nproc: number) => manifest({ name: 'web', context: 1001, nproc });
  const app = manifest({ name: 'app', context: 1003, deletion: 'delete' });
  const c0 = await commitFiles(repo, { 'manifests/web.yaml': web(200), 'manifests/app.yaml': app }, key.sign, 'initial, signed');
  await fsp.writeFile(
    path.join(dir, 'agent.yaml'),
    ['source:', '  url: repo', '  ref: main', '  path: manifests', '  signatures: {allowedSigners: allowed_signers}', 'host: sim:host', 'hostName: host-a', 'intervals: {resync: 1h}', ''].join('\n'),
  );
  const agent = AgentProcess.start(['-c', path.join(dir, 'agent.yaml')], { cwd: dir });
  t.teardown(() => agent.kill('SIGKILL'));
  const statusIs = (want: (s: NonNullable<Awaited<ReturnType<typeof readStatus>>>) => boolean, what: string) =>
    until(async () => {
      const s = await readStatus(stateDir);
      return s !== null && want(s);
    }, () => `${what}\n--- agent log ---\n${agent.text().slice(-4000)}`, 60_000);

  await statusIs((s) => s.lastAppliedRevision === c0 && s.lastPass.result === 'applied', 'signed initial commit applied');
  t.is(await procLimit(sim, 1001), 200);
  t.is(await vserverStatus(sim, 'app'), 0);

  // an unsigned commit: raises nproc and drops app (deletion: delete) — neither may happen
  await fsp.rm(path.join(repo, 'manifests/app.yaml'));
  const c1 = await commitFiles(repo, { 'manifests/web.yaml': web(300) }, null, 'unsigned');
  await statusIs((s) => s.lastPass.revision === c1 && s.lastPass.result === 'invalid', 'unsigned commit refused');
  const st = (await readStatus(stateDir))!;
  t.is(st.lastAppliedRevision, c0, 'the signed revision stays in force');
  t.is(st.lastPass.error?.code, 'REVISION_UNTRUSTED');
  t.true(st.lastPass.error!.message.includes(c1), st.lastPass.error!.message);
  t.regex(st.lastPass.error!.message, /unsigned/);
  t.is(await procLimit(sim, 1001), 200, 'nothing applied');
  t.is(await vserverStatus(sim, 'app'), 0, 'nothing deleted');
  t.true(await exists(path.join(sim, 'etc/vservers/app')));
  const alert = await agent.waitLog((l) => l.alert === 'appeared' && l.key === 'failed/host', 'an alert for the refused revision', 30_000);
  t.true(alert.message.includes(c1), alert.message);

  // a correctly signed commit is applied, and the alert resolves
  const c2 = await commitFiles(repo, { 'manifests/web.yaml': web(400) }, key.sign, 'signed');
  await statusIs((s) => s.lastAppliedRevision === c2 && s.lastPass.result === 'applied', 'signed commit applied');
  t.is(await procLimit(sim, 1001), 400);
  t.false(await exists(path.join(sim, 'etc/vservers/app')), 'the signed revision that drops app (deletion: delete) removes it');
  await agent.waitLog((l) => l.alert === 'resolved' && l.key === 'failed/host', 'the alert resolves', 30_000);
});

test('CLI: validate, plan and apply --repo refuse an unsigned or unknown-key revision and change nothing; a signed one applies', async (t) => {
  const dir = await tempDir('signed-cli');
  const sim = await simHost(dir);
  const pgp = await makePgpKey('carol');
  const stranger = await makePgpKey('eve');
  const keyring = path.join(dir, 'trusted.asc');
  await fsp.writeFile(keyring, pgp.publicArmored);
  const repo = await initRepo(path.join(dir, 'repo'));
  const files = { 'manifests/web.yaml': manifest({ name: 'web', context: 1001 }) };
  const unsigned = await commitFiles(repo, files, null);
  const src = ['--repo', repo, '--path', 'manifests', '--openpgp-keys', keyring];
  const host = ['--host', `sim:${sim}`, '--host-name', 'host-a'];

  for (const args of [['validate', ...src], ['plan', ...src, ...host], ['apply', ...src, ...host, '--yes']]) {
    const r = await cli(args);
    t.is(r.exitCode, 1, `${args[0]}: ${r.stdout}${r.stderr}`);
    t.true(r.stderr.includes(unsigned), r.stderr);
    t.regex(r.stderr, /not trusted: unsigned/);
  }
  t.false(await exists(path.join(sim, 'etc/vservers/web')));

  const byStranger = await commitFiles(repo, { 'manifests/web.yaml': files['manifests/web.yaml'] + '# 2\n' }, stranger.sign);
  const r = await cli(['apply', ...src, ...host, '--yes']);
  t.is(r.exitCode, 1);
  t.true(r.stderr.includes(byStranger));
  t.regex(r.stderr, /unknown key/);
  t.false(await exists(path.join(sim, 'etc/vservers/web')));

  await commitFiles(repo, { 'manifests/web.yaml': files['manifests/web.yaml'] + '# 3\n' }, pgp.sign);
  t.is((await cli(['validate', ...src])).exitCode, 0);
  const ok = await cli(['apply', ...src, ...host, '--yes']);
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(await vserverStatus(sim, 'web'), 0);
  // a plain directory cannot carry a signature: refused when signatures are required
  const plain = await cli(['validate', path.join(repo, 'manifests'), '--openpgp-keys', keyring]);
  t.is(plain.exitCode, 1);
  t.regex(plain.stderr, /not a git repository/);
});

test('apply --build-timeout: a hanging build is stopped at the given time, not after 30 minutes', async (t) => {
  const dir = await tempDir('build-timeout');
  const sim = await simHost(dir);
  await fsp.writeFile(path.join(sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'web build', action: 'hang' }] }));
  const m = path.join(dir, 'm');
  await fsp.mkdir(m);
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001 }));
  const r = await cli(['apply', m, '--host', `sim:${sim}`, '--host-name', 'host-a', '--yes', '--output', 'json', '--build-timeout', '2s']);
  t.is(r.exitCode, 1, r.stderr);
  const { changeSet } = JSON.parse(r.stdout) as { changeSet: { entries: { guest: string; outcome: string; error?: { message: string } }[] } };
  t.is(changeSet.entries[0]!.outcome, 'failed');
  t.regex(changeSet.entries[0]!.error!.message, /timed out after 2000 ms/);
  const bad = await cli(['apply', m, '--host', `sim:${sim}`, '--host-name', 'host-a', '--yes', '--build-timeout', 'soon']);
  t.is(bad.exitCode, 64, 'a usage error');
  t.regex(bad.stderr, /--build-timeout: "soon" is not a duration/);
});
