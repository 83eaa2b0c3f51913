/**
 * Issue 5 acceptance: the real agent (`vsgitops run`) as a process, against a
 * simulated host and real git repositories (local, and remote over http on
 * 127.0.0.1 with a signed webhook). The test never runs plan or apply itself.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cli, exists, manifest, tempDir, TestRepo } from '../helpers/e2e.js';
import { AgentProcess, procLimit, readStatus, sendGithubPush, until, type StatusFile } from '../helpers/agent-process.js';
import { startGitHttpServer } from '../agent/helpers/git-http-server.js';

async function simHost(dir: string): Promise<string> {
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  if (init.exitCode !== 0) throw new Error(`sim init failed: ${init.stderr}`);
  return sim;
}

const vserverStatus = async (sim: string, name: string) => (await execa(path.join(sim, 'bin', 'vserver'), [name, 'status'], { reject: false })).exitCode;

/** Waits until status.json says `revision` is applied and the last pass ended with `result`. */
async function statusReaches(stateDir: string, want: { applied?: string; attempted?: string; result: string }, agent: AgentProcess, ms = 30_000): Promise<StatusFile> {
  let st: StatusFile | null = null;
  await until(
    async () => {
      st = await readStatus(stateDir);
      return (
        st !== null &&
        st.lastPass.result === want.result &&
        (want.applied === undefined || st.lastAppliedRevision === want.applied) &&
        (want.attempted === undefined || st.lastPass.revision === want.attempted)
      );
    },
    () => `status ${JSON.stringify(want)}; last status: ${JSON.stringify(st && { ...st, guests: undefined, drift: undefined, lastChangeSet: undefined })}\n--- agent log ---\n${agent.text().slice(-3000)}`,
    ms,
  );
  return st!;
}

test('local repository: commits are applied by the agent alone; a burst coalesces; an invalid commit keeps the state; SIGKILL restart; a second agent refuses', async (t) => {
  const dir = await tempDir('agent-local');
  const sim = await simHost(dir);
  const stateDir = path.join(sim, 'var/lib/vsgitops');
  const repo = await TestRepo.create(dir);
  const web = (nproc: number) => manifest({ name: 'web', context: 1001, nproc });
  const app = manifest({ name: 'app', context: 1003, deletion: 'delete' });
  const c0 = await repo.commit({ 'web.yaml': web(200) }, 'initial');

  const args = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`, '--host-name', 'host-a'];
  const agents: AgentProcess[] = [];
  const start = () => {
    const a = AgentProcess.start(args, { cwd: dir });
    agents.push(a);
    return a;
  };
  t.teardown(() => agents.forEach((a) => a.kill('SIGKILL')));

  // startup pass applies what the branch holds
  let agent = start();
  await statusReaches(stateDir, { applied: c0, result: 'applied' }, agent);
  t.is(await procLimit(sim, 1001), 200);

  // 1. a commit is applied without any command from the test
  const c1 = await repo.commit({ 'web.yaml': web(300), 'app.yaml': app }, 'raise nproc, add app');
  await until(async () => (await procLimit(sim, 1001)) === 300 && (await procLimit(sim, 1003)) !== null, () => `limit 300 and app running\n${agent.text().slice(-3000)}`);
  t.is(await vserverStatus(sim, 'app'), 0, 'app runs');
  t.is(await vserverStatus(sim, 'web'), 0, 'web still runs');
  const st1 = await statusReaches(stateDir, { applied: c1, result: 'applied' }, agent);
  t.is(st1.lastPass.trigger, 'git');
  t.deepEqual(st1.guests.map((g) => g.name), ['app', 'web']);
  const pass1 = agent.passes().find((p) => p.revision === c1)!;
  t.is(pass1.result, 'applied');
  t.deepEqual(pass1.changes, { created: 1, updated: 1 });
  // changes asked for by git are pending changes, applied; not drift, and no drift alert
  t.deepEqual(st1.drift.map((d) => `${d.kind}:${d.guest}`).sort(), ['pending:app', 'pending:web']);
  t.false(agent.lines.some((l) => /drift appeared/.test(l.message)), 'no drift alert for changes made through git');

  // 3. a burst of 20 commits: few passes, ending at the last commit
  const before = agent.passes().length;
  let last = '';
  // one git process per commit, as fast as a push of many commits or a scripted series would land
  let slowGaps = 0;
  let prev = Date.now();
  for (let i = 1; i <= 20; i++) {
    await fsp.writeFile(path.join(repo.dir, 'manifests', 'web.yaml'), web(300 + i));
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', `burst ${i}`], { cwd: repo.dir });
    // a gap near the debounce (250 ms) lets the debounce fire between two commits: a pass may start there
    if (i > 1 && Date.now() - prev >= 150) slowGaps++;
    prev = Date.now();
  }
  last = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repo.dir })).stdout.trim();
  await statusReaches(stateDir, { applied: last, result: 'applied' }, agent);
  t.is(await procLimit(sim, 1001), 320);
  const burst = agent.passes().slice(before);
  t.log(`burst of 20 commits -> ${burst.length} pass(es): ${burst.map((p) => `${p.trigger}@${String(p.revision).slice(0, 7)}`).join(', ')}`);
  // commits closer together than the debounce (250 ms) make one pass, plus one for requests made during it;
  // a commit that took longer than the debounce (a loaded machine) may start one more pass each
  t.log(`${slowGaps} of 19 gaps between commits were 150 ms or longer`);
  t.true(burst.length >= 1 && burst.length <= 5 + slowGaps, `${burst.length} passes for 20 commits (${slowGaps} slow gaps)`);
  t.is(burst.at(-1)!.revision, last);
  t.true(burst.every((p) => p.result === 'applied' || p.result === 'unchanged'));

  // 4. an invalid commit (that also drops app.yaml) keeps the previous state
  const bad = await repo.commit({ 'web.yaml': web(400).replace('nproc: 400', 'nproc: lots') }, 'broken');
  const stBad = await statusReaches(stateDir, { attempted: bad, result: 'invalid' }, agent);
  t.is(stBad.lastAppliedRevision, last, 'the last good revision stays in force');
  t.is(stBad.lastPass.error?.code, 'MANIFEST_INVALID');
  t.true(await exists(path.join(sim, 'etc/vservers/app')), 'app (absent from the invalid revision) is not deleted');
  t.is(await vserverStatus(sim, 'app'), 0);
  t.is(await vserverStatus(sim, 'web'), 0);
  t.is(await procLimit(sim, 1001), 320);
  const invalidLine = agent.passes().find((p) => p.revision === bad)!;
  t.is(invalidLine.result, 'invalid');
  t.is(invalidLine.level, 'error', 'a refused revision is logged at error (issue 13)');
  // the next good commit is applied at once
  const fixed = await repo.commit({ 'web.yaml': web(400), 'app.yaml': app }, 'fixed');
  await statusReaches(stateDir, { applied: fixed, result: 'applied' }, agent);
  t.is(await procLimit(sim, 1001), 400);

  // 5. SIGKILL, a commit while no agent runs, restart: the stale lock is taken over and the host converges
  agent.kill('SIGKILL');
  const killed = await agent.exited;
  t.is(killed.signal, 'SIGKILL');
  t.true(await exists(path.join(stateDir, 'agent.lock')), 'a killed agent leaves its lock behind');
  const whileDown = await repo.commit({ 'web.yaml': web(450), 'app.yaml': app }, 'while the agent was down');
  agent = start();
  await agent.waitLog((l) => l.message === 'took over a stale agent lock', 'stale lock taken over');
  await statusReaches(stateDir, { applied: whileDown, result: 'applied' }, agent);
  t.is(await procLimit(sim, 1001), 450);
  t.is(agent.passes()[0]!.trigger, 'startup');

  // 6. a second agent on the same state directory refuses with exit code 1
  const second = start();
  const refused = await second.exited;
  t.is(refused.exitCode, 1);
  t.regex(second.text(), new RegExp(`state directory ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is locked by a running agent: pid ${agent.pid}`));
  t.is(second.passes().length, 0, 'the refused agent ran no pass');

  // the first agent is unaffected and stops cleanly
  agent.kill('SIGTERM');
  t.is((await agent.exited).exitCode, 0, agent.text().slice(-2000));
  t.false(await exists(path.join(stateDir, 'agent.lock')));
});

test('remote repository over http: fetched and applied; a signed GitHub webhook triggers the fetch long before the poll', async (t) => {
  const dir = await tempDir('agent-remote');
  const sim = await simHost(dir);
  const stateDir = path.join(sim, 'var/lib/vsgitops');
  const served = path.join(dir, 'served');
  await fsp.mkdir(served);
  await execa('git', ['init', '-q', '--bare', '-b', 'main', path.join(served, 'hosts.git')]);
  const repo = await TestRepo.create(dir);
  await execa('git', ['remote', 'add', 'origin', path.join(served, 'hosts.git')], { cwd: repo.dir });
  const push = () => execa('git', ['push', '-q', 'origin', 'main'], { cwd: repo.dir });
  const server = await startGitHttpServer(served);
  t.teardown(() => server.close());

  const web = (nproc: number) => manifest({ name: 'web', context: 1001, nproc });
  const c0 = await repo.commit({ 'web.yaml': web(200) }, 'initial');
  await push();

  const secret = 'e2e-webhook-secret-1b7f';
  await fsp.writeFile(path.join(dir, 'webhook-secret'), secret + '\n', { mode: 0o600 });
  const config = path.join(dir, 'agent.yaml');
  await fsp.writeFile(
    config,
    [
      'source:',
      `  url: ${server.url}/hosts.git`,
      '  ref: main',
      '  path: manifests',
      `host: sim:${sim}`,
      'hostName: host-a',
      'intervals: {poll: 1h, resync: 1h}',
      'webhook: {enabled: true, bind: 127.0.0.1, port: 0, secretFile: ./webhook-secret}',
      '',
    ].join('\n'),
  );
  const agent = AgentProcess.start(['--config', config], { cwd: dir });
  t.teardown(() => agent.kill('SIGKILL'));

  // fetched over http and applied
  await statusReaches(stateDir, { applied: c0, result: 'applied' }, agent);
  t.is(await vserverStatus(sim, 'web'), 0);
  t.is(await procLimit(sim, 1001), 200);
  t.true(server.requests.some((r) => r.path.endsWith('/git-upload-pack') && r.status === 200), 'cloned through git http-backend');
  t.true(await exists(path.join(stateDir, 'git-cache')), 'the clone lives in the state directory');
  const listening = await agent.waitLog((l) => l.message === 'webhook receiver listening', 'webhook listening');
  await agent.waitLog((l) => l.message === 'pass' && l.revision === c0, 'startup pass line');
  const hookUrl = `http://127.0.0.1:${String(listening.port)}/hooks/git`;

  const c1 = await repo.commit({ 'web.yaml': web(333) }, 'raise nproc');
  await push();

  // a forged notification is refused and triggers nothing
  const fetchesBefore = server.requests.length;
  t.is(await sendGithubPush(hookUrl, secret, 'refs/heads/main', c1, { badSignature: true }), 401);
  await agent.waitLog((l) => l.message === 'webhook request refused' && l.status === 401, 'refusal logged');
  t.is(server.requests.length, fetchesBefore, 'no fetch after a refused webhook');
  t.is((await readStatus(stateDir))!.lastAppliedRevision, c0);
  t.deepEqual(agent.passes().map((p) => p.revision), [c0], 'one pass at startup (the initial fetch joins it), none since');

  // the signed one is accepted; the poll (1 h) cannot be what applies it
  t.is(await sendGithubPush(hookUrl, secret, 'refs/heads/main', c1), 202);
  const st = await statusReaches(stateDir, { applied: c1, result: 'applied' }, agent);
  t.regex(st.lastPass.trigger, /webhook/);
  t.is(await procLimit(sim, 1001), 333);
  t.false(agent.text().includes(secret), 'the secret never appears in the log');

  agent.kill('SIGTERM');
  t.is((await agent.exited).exitCode, 0);
});
