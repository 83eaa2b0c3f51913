/**
 * Issue 13, item 3: progress and Ctrl-C during `vsgitops apply`, with the real
 * CLI process against a simulated host, SIGINT sent to the CLI process.
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { execa, type ResultPromise } from 'execa';
import { CLI, cli, exists, manifest, readText, tempDir, TestRepo, simHostWithRepo } from '../helpers/e2e.js';
import { writeFaults } from '../../src/sim/faults.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const schemaDir = fileURLToPath(new URL('../../../schemas/output/', import.meta.url));
const ajv = new Ajv({ allErrors: true, strict: false });
for (const f of fs.readdirSync(schemaDir)) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as object);

async function host(prefix: string) {
  const { dir, repo, sim, src } = await simHostWithRepo(prefix);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, state: 'stopped' }), 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  return { dir, sim, src };
}

/** Starts the CLI and collects its output as it comes. */
function start(args: string[]): { child: ResultPromise; out: () => string; err: () => string } {
  const child = execa(process.execPath, [CLI, ...args], { reject: false, env: { VSGITOPS_LOG_LEVEL: 'warn' }, stdin: 'ignore', timeout: 120_000 });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return { child, out: () => out, err: () => err };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Replaces bin/vserver by a wrapper that, for the first guest build, marks its start and sleeps before the real build. */
async function slowFirstBuild(dir: string, sim: string, sleepS: number): Promise<string> {
  const shim = path.join(sim, 'bin/vserver');
  const real = path.join(sim, 'bin/vserver.real');
  await fsp.rename(shim, real);
  const started = path.join(dir, 'build-started');
  await fsp.writeFile(shim, `#!/bin/sh\nif [ "$2" = build ] && [ ! -e "${started}" ]; then : > "${started}"; sleep ${sleepS}; fi\nexec "${real}" "$@"\n`, { mode: 0o755 });
  return started;
}

test('Ctrl-C once: the running build finishes, no further action starts, journal closed, lock released, exit 130; the next apply does the rest', async (t) => {
  const { dir, sim, src } = await host('int-once');
  const started = await slowFirstBuild(dir, sim, 4);
  const run = start(['apply', ...src, '--yes', '--progress-interval', '1s']);
  await until('the first build to start', () => exists(started));
  // progress: the action's start line came before its command finished
  await until('the start line', () => /\[1\/2\] create \w+: started/.test(run.out()));
  await until('a still-running notice', () => /still running: \S*vserver \w+ build/.test(run.out()));
  t.true(run.child.kill('SIGINT'));
  const r = await run.child;
  t.is(r.exitCode, 130, run.out() + run.err());
  const out = run.out();
  t.regex(out, /interrupt: the running command is allowed to finish/);
  t.regex(out, /\[1\/2\] create (\w+): created/, 'the running action finished');
  t.notRegex(out, /\[2\/2\] create \w+: started/, 'no further action started');
  t.regex(out, /apply interrupted[\s\S]*done: +create \w+[\s\S]*not done: +create \w+/);
  const first = /\[1\/2\] create (\w+): created/.exec(out)![1]!;
  const second = first === 'web' ? 'db' : 'web';
  t.true(await exists(path.join(sim, 'etc/vservers', first, '.vsgitops')));
  t.false(await exists(path.join(sim, 'etc/vservers', second)));
  const state = path.join(sim, 'var/lib/vsgitops');
  t.false(await exists(path.join(state, 'apply-journal.jsonl')), 'the journal was finished');
  t.false(await exists(path.join(state, 'apply.lock')), 'the lock was released');
  const inv = JSON.parse(await readText(path.join(state, 'inventory.json'))) as { guests: Record<string, unknown> };
  t.deepEqual(Object.keys(inv.guests), [first]);

  const next = await cli(['apply', ...src, '--yes']);
  t.is(next.exitCode, 0, next.stdout + next.stderr);
  t.notRegex(next.stdout + next.stderr, /interrupted/, 'nothing left to recover');
  t.regex(next.stdout, new RegExp(`\\[1/1\\] create ${second}: created`));
  t.is((await cli(['plan', ...src])).exitCode, 0);
});

test('Ctrl-C twice: the hanging command is aborted, the apply exits 130 and the next apply converges', async (t) => {
  const { sim, src } = await host('int-twice');
  writeFaults(path.join(sim, '.sim'), [{ tool: 'vserver', match: 'build', action: 'hang', count: 1 }]);
  const run = start(['apply', ...src, '--yes', '--output', 'json', '--progress-interval', '1s']);
  await until('a still-running notice', () => /still running: \S*vserver \w+ build/.test(run.err()));
  run.child.kill('SIGINT');
  await until('the first interrupt notice', () => /interrupt: /.test(run.err()));
  run.child.kill('SIGINT');
  const r = await run.child;
  t.is(r.exitCode, 130, run.err());
  t.regex(run.err(), /interrupt again: aborting the running command/);
  t.regex(run.err(), /\[1\/2\] create \w+: failed/);
  // stdout stays one parseable JSON document; progress went to stderr
  const doc = JSON.parse(run.out()) as { interrupted: boolean; changeSet: { entries: Array<{ outcome: string }> } };
  t.true(doc.interrupted);
  t.deepEqual(doc.changeSet.entries.map((e) => e.outcome), ['failed', 'skipped']);
  const v = ajv.getSchema('https://vsgitops.io/schemas/output/apply.schema.json')!;
  t.true(v(doc), ajv.errorsText(v.errors));
  const state = path.join(sim, 'var/lib/vsgitops');
  t.false(await exists(path.join(state, 'apply-journal.jsonl')));
  t.false(await exists(path.join(state, 'apply.lock')));
  const next = await cli(['apply', ...src, '--yes']);
  t.is(next.exitCode, 0, next.stdout + next.stderr);
  t.is((await cli(['plan', ...src])).exitCode, 0);
});

test('apply --output json: action progress on stderr, stdout one JSON document', async (t) => {
  const { src } = await host('int-json');
  const r = await cli(['apply', ...src, '--yes', '--output', 'json']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /\[1\/2\] create \w+: started[\s\S]*\[1\/2\] create \w+: created[\s\S]*\[2\/2\] create \w+: created/);
  t.notThrows(() => JSON.parse(r.stdout));
});

test('run --once: Ctrl-C once finishes the running build, starts nothing more, releases the lock, exits 130', async (t) => {
  const { dir, sim, src } = await host('int-once-agent');
  const started = await slowFirstBuild(dir, sim, 3);
  const run = start(['run', '--once', ...src, '--log-level', 'info']);
  await until('the first build to start', () => exists(started));
  await until('the agent to log the action start', () => /create started/.test(run.err()));
  run.child.kill('SIGINT');
  const r = await run.child;
  t.is(r.exitCode, 130, run.err().slice(-3000));
  t.regex(run.err(), /interrupt: the running command is allowed to finish/);
  t.regex(run.err(), /"message":"\w+: created"/);
  const state = path.join(sim, 'var/lib/vsgitops');
  t.false(await exists(path.join(state, 'apply-journal.jsonl')));
  t.false(await exists(path.join(state, 'agent.lock')));
  t.false(await exists(path.join(state, 'apply.lock')));
  const inv = JSON.parse(await readText(path.join(state, 'inventory.json'))) as { guests: Record<string, unknown> };
  t.is(Object.keys(inv.guests).length, 1, 'one guest done, one not');
  const next = await cli(['run', '--once', ...src]);
  t.is(next.exitCode, 0, next.stderr);
  t.is((await cli(['plan', ...src])).exitCode, 0);
});

test('Ctrl-C at the confirmation prompt (a terminal) cancels the apply; nothing is changed', async (t) => {
  const dir = await tempDir('int-prompt');
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, state: 'stopped', deletion: 'delete' }), 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  await repo.commit({ 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  // script(1) gives the apply a terminal; its input goes to that terminal
  const line = [process.execPath, CLI, 'apply', ...src].join(' ');
  const child = execa('script', ['-qfec', line, '/dev/null'], { reject: false, stdin: 'pipe', env: { VSGITOPS_LOG_LEVEL: 'warn' }, timeout: 120_000 });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await until('the prompt', () => /Type "yes" to apply: /.test(out));
  child.stdin!.write('\x03');
  const r = await child;
  t.regex(out, /apply cancelled \(Ctrl-C at the prompt\); nothing was changed/, out);
  t.not(r.exitCode, 0);
  t.true(await exists(path.join(sim, 'etc/vservers/web/.vsgitops')), 'web was not deleted');
  t.false(await exists(path.join(sim, 'var/lib/vsgitops/apply.lock')));
});
