import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { commitFile, initRepo } from './helpers/git-repo.js';

const MAIN = fileURLToPath(new URL('./helpers/agent-main.js', import.meta.url));

interface PassLine {
  pid: number;
  trigger: string;
  revision: string | null;
  hostName: string;
}

function passes(file: string): PassLine[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PassLine);
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('real processes: second agent refused, SIGKILL then restart takes the stale lock, SIGHUP reloads, SIGTERM exits cleanly', async (t) => {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vsgitops-proc-'));
  const repo = path.join(dir, 'repo');
  const first = await initRepo(repo);
  const cfg = path.join(dir, 'agent.yaml');
  await fs.promises.writeFile(cfg, 'source: {url: ./repo}\nstateDir: ./state\nhostName: one\nintervals: {debounce: 20ms}\n');
  const log = path.join(dir, 'passes.jsonl');
  const start = () => execa(process.execPath, [MAIN, 'run', '--config', cfg], { env: { PASS_LOG: log }, reject: false });
  const children: ResultPromise[] = [];
  t.teardown(() => children.forEach((c) => c.kill('SIGKILL')));

  const a = start();
  children.push(a);
  await until(() => passes(log).some((p) => p.pid === a.pid));

  const b = await start();
  t.is(b.exitCode, 1);
  t.regex(String(b.stderr), /locked by a running agent: pid \d+/);

  a.kill('SIGKILL');
  await a;
  t.true(fs.existsSync(path.join(dir, 'state', 'agent.lock')), 'a killed agent leaves its lock behind');

  const c = start();
  children.push(c);
  await until(() => passes(log).some((p) => p.pid === c.pid));
  t.is(passes(log).find((p) => p.pid === c.pid)!.revision, first);

  const second = await commitFile(repo, 'guests/z.yaml', 'z\n', 'z');
  await until(() => passes(log).some((p) => p.pid === c.pid && p.revision === second));

  await fs.promises.writeFile(cfg, 'source: {url: ./repo}\nstateDir: ./state\nhostName: two\nintervals: {debounce: 20ms}\n');
  c.kill('SIGHUP');
  await until(() => passes(log).some((p) => p.pid === c.pid && p.hostName === 'two'));

  c.kill('SIGTERM');
  const done = await c;
  t.is(done.exitCode, 0, String(done.stderr));
  t.regex(String(done.stderr), /took over a stale agent lock/);
  t.regex(String(done.stderr), /agent stopped/);
  t.false(fs.existsSync(path.join(dir, 'state', 'agent.lock')), 'lock released on a clean stop');
});
