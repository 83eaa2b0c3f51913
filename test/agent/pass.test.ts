/**
 * The agent's reconcile pass against a simulated host and a real git repository.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../src/log.js';
import { createReconcilePass } from '../../src/agent/pass.js';
import { simInit } from '../../src/sim/init.js';
import { manifest, tempDir, TestRepo } from '../helpers/e2e.js';

const req = () => ({ trigger: 'test', signal: new AbortController().signal, dryRun: false });

test('a pass that applies a new revision reports its actions as pending, not as drift', async (t) => {
  const dir = await tempDir('pass');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  const rev = await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  const pass = createReconcilePass(
    { source: { kind: 'git', repo: repo.dir, path: 'manifests' }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir: path.join(sim, 'var/lib/vsgitops'), deletionGuard: { maxDeletes: 5, maxDeleteShare: 0.25 } },
    { log: silentLogger() },
  );
  const first = await pass(req());
  t.is(first.result, 'applied', JSON.stringify(first.error));
  t.is(first.appliedRevision, rev);
  t.deepEqual(first.drift.map((d) => `${d.kind} ${d.guest}`), ['pending web']);
  const second = await pass(req());
  t.is(second.result, 'unchanged');
  t.deepEqual(second.drift, []);
});

test('a plain directory source (no revision): a guest removed from the directory is pending, not config drift (issue 9)', async (t) => {
  const dir = await tempDir('pass-dir');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const m = path.join(dir, 'm');
  await fsp.mkdir(m);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001, state: 'stopped' }));
  await fsp.writeFile(path.join(m, 'db.yaml'), manifest({ name: 'db', context: 1002, state: 'stopped' }));
  const pass = createReconcilePass(
    { source: { kind: 'dir', dir: m }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir: path.join(sim, 'var/lib/vsgitops'), deletionGuard: { maxDeletes: 5, maxDeleteShare: 1 } },
    { log: silentLogger() },
  );
  const first = await pass(req());
  t.is(first.result, 'applied', JSON.stringify(first.error));
  t.deepEqual(first.drift.map((d) => `${d.kind} ${d.guest}`).sort(), ['pending db', 'pending web']);
  t.is((await pass(req())).result, 'unchanged');
  await fsp.rm(path.join(m, 'web.yaml'));
  const third = await pass(req());
  t.deepEqual(third.drift.map((d) => `${d.kind} ${d.guest}`), ['pending web']);
});

test("the agent's apply logs each action's start and a command that runs long (issue 13: never a silent 25 s)", async (t) => {
  const dir = await tempDir('pass-progress');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const m = path.join(dir, 'm');
  await fsp.mkdir(m);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001, state: 'stopped' }));
  // the build sleeps 1.5 s before the real one
  const shim = path.join(sim, 'bin/vserver');
  await fsp.rename(shim, shim + '.real');
  await fsp.writeFile(shim, `#!/bin/sh\nif [ "$2" = build ]; then sleep 1.5; fi\nexec "${shim}.real" "$@"\n`, { mode: 0o755 });
  const lines: string[] = [];
  const log = createLogger({ json: true, level: 'info', stream: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(...c.toString().trim().split('\n')), cb()) }) });
  const pass = createReconcilePass(
    { source: { kind: 'dir', dir: m }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir: path.join(sim, 'var/lib/vsgitops'), deletionGuard: { maxDeletes: 5, maxDeleteShare: 1 } },
    { log, progressIntervalMs: 400 },
  );
  t.is((await pass(req())).result, 'applied');
  const messages = lines.map((l) => (JSON.parse(l) as { message: string }).message);
  const startAt = messages.indexOf('web: create started');
  const still = messages.findIndex((x) => /^still running: \S*vserver web build .*\(\ds\)$/.test(x));
  const doneAt = messages.indexOf('web: created');
  t.true(startAt >= 0 && still > startAt && doneAt > still, messages.join('\n'));
});

test("the agent's incremental observe (issue 12): a hand edit inside an untouched guest dir (interfaces/0/ip, in place) is still drift on the next pass", async (t) => {
  const { createObserveCache } = await import('../../src/providers/vserver/observe.js');
  const { openSync, writeSync, ftruncateSync, closeSync, readFileSync } = await import('node:fs');
  const dir = await tempDir('pass-incremental');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, state: 'stopped', drift: 'warn' }), 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  // the cache's clock runs 10 s ahead: no read counts as racy, so only the stamp can find the edit
  const observeCache = createObserveCache({ fullEveryMs: 3_600_000, now: () => Date.now() + 10_000 });
  const pass = createReconcilePass(
    { source: { kind: 'git', repo: repo.dir, path: 'manifests' }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir: path.join(sim, 'var/lib/vsgitops'), deletionGuard: { maxDeletes: 5, maxDeleteShare: 0.25 } },
    { log: silentLogger(), observeCache },
  );
  t.is((await pass(req())).result, 'applied');
  const quiet = await pass(req());
  t.is(quiet.result, 'unchanged');
  t.deepEqual(quiet.drift, []);
  t.like(observeCache.last, { full: false, read: 0, reused: 2 });
  const ip = path.join(sim, 'etc/vservers/web/interfaces/0/ip');
  const before = readFileSync(ip, 'utf8');
  const after = before.replace('192.0.2.1', '192.0.2.9');
  t.not(after, before);
  const fd = openSync(ip, 'r+');
  ftruncateSync(fd, 0);
  writeSync(fd, after, 0);
  closeSync(fd);
  const edited = await pass(req());
  t.like(observeCache.last, { full: false, read: 1, reused: 1 });
  t.deepEqual(edited.drift.map((d) => `${d.kind} ${d.guest}`), ['config web']);
});
