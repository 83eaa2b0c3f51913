import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { createHmac } from 'node:crypto';
import { execa } from 'execa';
import { Command } from 'commander';
import { Agent, type AgentRuntime } from '../../src/agent/agent.js';
import { realClock } from '../../src/agent/clock.js';
import { loadAgentConfig, type AgentConfig } from '../../src/agent/config.js';
import { processLockEnv } from '../../src/agent/lock.js';
import { registerRunCommands } from '../../src/cli/run-command.js';
import { readSuspensionRecord } from '../../src/agent/suspend.js';
import type { PassFn, PassRequest } from '../../src/agent/types.js';
import { isVsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { passResult } from './helpers/fake-pass.js';
import { commitFile, initRepo } from './helpers/git-repo.js';
import { startGitHttpServer } from './helpers/git-http-server.js';

const tmp = (p: string) => fs.promises.mkdtemp(path.join(os.tmpdir(), p));

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A pass that records requests and the revision the source points at. */
function recordingPass() {
  const seen: { req: PassRequest; revision: string | null }[] = [];
  const createPass: AgentRuntime['createPass'] = (_config, _log, ctx): PassFn => async (req) => {
    const revision = await ctx.currentRevision();
    seen.push({ req, revision });
    return passResult(req.dryRun ? 'suspended' : 'applied', req.trigger, revision);
  };
  return { seen, createPass };
}

function runtime(createPass: AgentRuntime['createPass']): AgentRuntime {
  return { createPass, clock: realClock, random: Math.random, lockEnv: processLockEnv(), log: silentLogger() };
}

test('agent: a commit to a local repository runs a pass without any command', async (t) => {
  const dir = await tmp('vsgitops-agent-');
  const repo = path.join(dir, 'repo');
  const first = await initRepo(repo);
  const config = await loadAgentConfig(null, { source: repo, stateDir: path.join(dir, 'state'), host: 'sim:' + dir }, { env: {} });
  config.intervals.debounceMs = 20;
  const { seen, createPass } = recordingPass();
  const agent = await Agent.start(config, runtime(createPass));
  t.teardown(() => agent.stop());
  await until(() => seen.length >= 1);
  t.is(seen[0]!.req.trigger, 'startup');
  t.is(seen[0]!.revision, first);
  const second = await commitFile(repo, 'guests/b.yaml', 'b\n', 'b');
  await until(() => seen.some((s) => s.revision === second));
  t.is(seen.at(-1)!.req.trigger, 'git');
  t.false(seen.at(-1)!.req.dryRun);
});

test('agent: a second agent on the same state directory refuses to start', async (t) => {
  const dir = await tmp('vsgitops-agent2-');
  await initRepo(path.join(dir, 'repo'));
  const config = await loadAgentConfig(null, { source: path.join(dir, 'repo'), stateDir: path.join(dir, 'state') }, { env: {} });
  const { createPass } = recordingPass();
  const a = await Agent.start(config, runtime(createPass));
  t.teardown(() => a.stop());
  // a different live process (our parent) claims to be the second agent
  const err = await t.throwsAsync(Agent.start(config, { ...runtime(createPass), lockEnv: { ...processLockEnv(), pid: process.ppid } }));
  t.true(isVsError(err, 'LOCKED'));
  t.regex(err!.message, new RegExp(`pid ${process.pid}`));
});

test('agent: a webhook push fetches the remote and runs a pass at the new revision', async (t) => {
  const dir = await tmp('vsgitops-agent-hook-');
  const work = path.join(dir, 'work');
  await initRepo(work);
  await execa('git', ['clone', '-q', '--bare', work, path.join(dir, 'srv', 'hosts.git')]);
  await execa('git', ['remote', 'add', 'origin', path.join(dir, 'srv', 'hosts.git')], { cwd: work });
  const server = await startGitHttpServer(path.join(dir, 'srv'));
  t.teardown(() => server.close());
  const cfgFile = path.join(dir, 'agent.yaml');
  await fs.promises.writeFile(
    cfgFile,
    `source: {url: "${server.url}/hosts.git", ref: main}\nstateDir: ./state\nintervals: {poll: 1h}\nwebhook: {enabled: true, port: 0, secretEnv: HOOK_SECRET}\n`,
  );
  const config = await loadAgentConfig(cfgFile, {}, { env: { HOOK_SECRET: 'hook-secret-1' } });
  const { seen, createPass } = recordingPass();
  const agent = await Agent.start(config, runtime(createPass));
  t.teardown(() => agent.stop());
  await until(() => seen.length >= 1);
  const second = await commitFile(work, 'guests/c.yaml', 'c\n', 'c');
  await execa('git', ['push', '-q', 'origin', 'main'], { cwd: work });
  const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: second }));
  const sig = createHmac('sha256', 'hook-secret-1').update(body).digest('hex');
  const { port } = agent.webhookAddress!;
  const res = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: 'POST', body: new Uint8Array(body), headers: { 'x-hub-signature-256': `sha256=${sig}` } });
  t.is(res.status, 202);
  await until(() => seen.some((s) => s.revision === second));
  t.is(seen.find((s) => s.revision === second)!.req.trigger, 'webhook');
});

test('agent: suspend and resume take effect on the running agent', async (t) => {
  const dir = await tmp('vsgitops-agent-susp-');
  await initRepo(path.join(dir, 'repo'));
  const stateDir = path.join(dir, 'state');
  const config = await loadAgentConfig(null, { source: path.join(dir, 'repo'), stateDir }, { env: {} });
  const { seen, createPass } = recordingPass();
  const agent = await Agent.start(config, runtime(createPass));
  t.teardown(() => agent.stop());
  await until(() => seen.length >= 1);
  const program = new Command().exitOverride();
  const printed: string[] = [];
  registerRunCommands(program, () => undefined, { createPass, stdout: (s) => printed.push(s) });
  await program.parseAsync(['suspend', '--reason', 'incident 7', '--for', '2h', '--state-dir', stateDir], { from: 'user' });
  t.regex(printed[0]!, /suspended until .* \(2h\): incident 7/);
  t.is((await readSuspensionRecord(stateDir))!.reason, 'incident 7');
  await until(() => seen.some((s) => s.req.trigger.includes('suspend')));
  t.true(seen.at(-1)!.req.dryRun, 'suspended passes are dry runs');
  await program.parseAsync(['resume', '--state-dir', stateDir], { from: 'user' });
  t.regex(printed[1]!, /resumed \(was suspended by .*: incident 7\)/);
  await until(() => seen.some((s) => s.req.trigger.includes('resume')));
  t.false(seen.at(-1)!.req.dryRun);
});

test('run command: SIGTERM once lets the running action finish (stop signal), twice aborts its command', async (t) => {
  const dir = await tmp('vsgitops-run-');
  await initRepo(path.join(dir, 'repo'));
  const cfgFile = path.join(dir, 'agent.yaml');
  await fs.promises.writeFile(cfgFile, 'source: {url: ./repo}\nstateDir: ./state\nhostName: h\n');
  const reqs: PassRequest[] = [];
  const createPass = (): PassFn => async (req) => {
    reqs.push(req);
    // the "running command": ends when aborted
    await new Promise<void>((r) => (req.signal.aborted ? r() : req.signal.addEventListener('abort', () => r(), { once: true })));
    return passResult('failed', req.trigger);
  };
  const signals = new EventEmitter();
  const program = new Command().exitOverride();
  registerRunCommands(program, () => undefined, { createPass, signals, createLogger: () => silentLogger() });
  let finished = false;
  const running = program.parseAsync(['run', '--config', cfgFile], { from: 'user' }).then(() => (finished = true));
  await until(() => reqs.length === 1);
  signals.emit('SIGTERM');
  await until(() => reqs[0]!.stop?.aborted === true);
  await new Promise((r) => setTimeout(r, 100));
  t.false(reqs[0]!.signal.aborted, 'one SIGTERM does not abort the running command');
  t.false(finished, 'the agent waits for it');
  signals.emit('SIGTERM');
  await running;
  t.true(reqs[0]!.signal.aborted, 'the second SIGTERM aborts it');
  t.true(finished);
  t.is(reqs.length, 1, 'no pass after the stop');
  t.false(fs.existsSync(path.join(dir, 'state', 'agent.lock')), 'lock released');
});

test('run command: SIGHUP reloads the configuration, SIGTERM stops after the running pass', async (t) => {
  const dir = await tmp('vsgitops-run-');
  await initRepo(path.join(dir, 'repo'));
  const cfgFile = path.join(dir, 'agent.yaml');
  await fs.promises.writeFile(cfgFile, 'source: {url: ./repo}\nstateDir: ./state\nhostName: before\n');
  const hostNames: string[] = [];
  let release: (() => void) | null = null;
  const createPass = (config: AgentConfig): PassFn => async (req) => {
    hostNames.push(config.hostName);
    if (hostNames.length === 2) await new Promise<void>((r) => (release = r)); // hold the second pass
    return passResult('applied', req.trigger);
  };
  const signals = new EventEmitter();
  const program = new Command().exitOverride();
  let exit = -1;
  registerRunCommands(program, (c) => (exit = c), { createPass, signals, createLogger: () => silentLogger() });
  let finished = false;
  const running = program.parseAsync(['run', '--config', cfgFile], { from: 'user' }).then(() => (finished = true));
  await until(() => hostNames.length === 1);
  await fs.promises.writeFile(cfgFile, 'source: {url: ./repo}\nstateDir: ./state\nhostName: after\n');
  signals.emit('SIGHUP');
  await until(() => hostNames.length === 2);
  t.is(hostNames[1], 'after');
  signals.emit('SIGTERM');
  await new Promise((r) => setTimeout(r, 100));
  t.false(finished, 'waits for the running pass');
  release!();
  await running;
  t.true(finished);
  t.is(exit, -1, 'no error exit');
  t.false(fs.existsSync(path.join(dir, 'state', 'agent.lock')), 'lock released');
});

test('run --once: one pass, exit code from its result', async (t) => {
  const dir = await tmp('vsgitops-once-');
  const first = await initRepo(path.join(dir, 'repo'));
  for (const [kind, code] of [['applied', 0], ['invalid', 1], ['failed', 1]] as const) {
    const program = new Command().exitOverride();
    let exit = -1;
    let revision = null as string | null;
    registerRunCommands(program, (c) => (exit = c), {
      createPass: (_c, _l, ctx) => async (req) => {
        revision = await ctx.currentRevision();
        return passResult(kind, req.trigger);
      },
      createLogger: () => silentLogger(),
    });
    await program.parseAsync(['run', '--once', '--source', path.join(dir, 'repo'), '--state-dir', path.join(dir, 'state')], { from: 'user' });
    t.is(exit, code, kind);
    t.is(revision, first);
  }
});

test('agent: a reload with a bad configuration keeps the running one', async (t) => {
  const dir = await tmp('vsgitops-agent-badreload-');
  const repo = path.join(dir, 'repo');
  await initRepo(repo);
  const config = await loadAgentConfig(null, { source: repo, stateDir: path.join(dir, 'state'), hostName: 'keep' }, { env: {} });
  config.intervals.debounceMs = 20;
  const { seen, createPass } = recordingPass();
  const agent = await Agent.start(config, runtime(createPass));
  t.teardown(() => agent.stop());
  await until(() => seen.length >= 1);
  await agent.reload(() => loadAgentConfig(path.join(dir, 'missing.yaml'), {}, { env: {} }));
  t.is(agent.config.hostName, 'keep');
  const next = await commitFile(repo, 'guests/k.yaml', 'k\n', 'k');
  await until(() => seen.some((s) => s.revision === next));
  t.is(agent.failure, null);
});

test('run command under systemd: READY=1 once, after the first pass; watchdog pings; STOPPING=1 at the end', async (t) => {
  const dir = await tmp('vsgitops-notify-');
  await initRepo(path.join(dir, 'repo'));
  const cfgFile = path.join(dir, 'agent.yaml');
  await fs.promises.writeFile(cfgFile, 'source: {url: ./repo}\nstateDir: ./state\nhostName: h\n');
  const sent: string[] = [];
  let passes = 0;
  const createPass = (): PassFn => async (req) => {
    passes++;
    t.false(sent.includes('ready'), 'not ready before the first pass has finished');
    return passResult('applied', req.trigger);
  };
  const notifier = () => ({
    enabled: true,
    watchdogIntervalMs: 20,
    ready: async () => void sent.push('ready'),
    watchdog: async () => void sent.push('watchdog'),
    stopping: async () => void sent.push('stopping'),
  });
  const signals = new EventEmitter();
  const program = new Command().exitOverride();
  registerRunCommands(program, () => undefined, { createPass, signals, notifier, createLogger: () => silentLogger() });
  const running = program.parseAsync(['run', '--config', cfgFile], { from: 'user' });
  await until(() => sent.includes('ready') && sent.filter((s) => s === 'watchdog').length >= 2);
  signals.emit('SIGTERM');
  await running;
  t.true(passes >= 1);
  t.is(sent.filter((s) => s === 'ready').length, 1);
  t.is(sent.at(-1), 'stopping');
});
