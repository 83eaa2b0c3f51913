import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireLock, APPLY_LOCK_FILE, pidAlive, readLock, type LockEnv } from '../../src/agent/lock.js';
import { isVsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-lock-'));
const env = (pid: number, bootId = 'boot-A', alive: number[] = []): LockEnv => ({
  pid,
  bootId: async () => bootId,
  isAlive: (p) => alive.includes(p),
  now: () => 0,
});

test('a fresh state directory is locked with pid and boot id, and released', async (t) => {
  const dir = path.join(await tmp(), 'state');
  const lock = await acquireLock(dir, env(4242), silentLogger());
  const held = await readLock(dir);
  t.is(held!.pid, 4242);
  t.is(held!.bootId, 'boot-A');
  await lock.release();
  t.is(await readLock(dir), null);
});

test('a live holder is refused with LOCKED naming it', async (t) => {
  const dir = await tmp();
  await acquireLock(dir, env(100), silentLogger());
  const err = await t.throwsAsync(acquireLock(dir, env(200, 'boot-A', [100]), silentLogger()));
  t.true(isVsError(err, 'LOCKED'));
  t.regex(err!.message, /pid 100/);
  t.is((await readLock(dir))!.pid, 100, 'the holder keeps its lock');
});

test('a lock whose pid is dead is stale and taken over', async (t) => {
  const dir = await tmp();
  const child = spawnSync(process.execPath, ['-e', '0']);
  t.false(pidAlive(child.pid!), 'the child has exited');
  await acquireLock(dir, { ...env(child.pid!), isAlive: pidAlive }, silentLogger());
  const lock = await acquireLock(dir, { ...env(process.pid), isAlive: pidAlive }, silentLogger());
  t.is(lock.record.pid, process.pid);
  t.is((await readLock(dir))!.pid, process.pid);
});

test('a lock from another boot is stale even when its pid is alive now', async (t) => {
  const dir = await tmp();
  await acquireLock(dir, env(100, 'boot-OLD'), silentLogger());
  const lock = await acquireLock(dir, env(200, 'boot-NEW', [100]), silentLogger());
  t.is((await readLock(dir))!.bootId, 'boot-NEW');
  t.is(lock.record.pid, 200);
});

test('an empty lock file is not stale: its holder may be between creating and writing it', async (t) => {
  const dir = await tmp();
  await fs.writeFile(path.join(dir, 'agent.lock'), '');
  const err = await t.throwsAsync(acquireLock(dir, env(300), silentLogger()));
  t.true(isVsError(err, 'LOCKED'));
  t.regex(err!.message, /unreadable \(empty\).*may still be running/);
  t.is(await fs.readFile(path.join(dir, 'agent.lock'), 'utf8'), '', 'left as it was');
});

test('a partly written lock file is not stale either', async (t) => {
  const dir = await tmp();
  await fs.writeFile(path.join(dir, 'apply.lock'), '{"pid":12');
  const err = await t.throwsAsync(acquireLock(dir, env(300), silentLogger(), APPLY_LOCK_FILE));
  t.true(isVsError(err, 'LOCKED'));
  t.regex(err!.message, /apply lock/);
});

test('the lock is visible only complete: written to a temp file and linked, nothing else left', async (t) => {
  const dir = await tmp();
  const lock = await acquireLock(dir, env(4242), silentLogger(), APPLY_LOCK_FILE);
  t.deepEqual(await fs.readdir(dir), ['apply.lock']);
  const rec = JSON.parse(await fs.readFile(path.join(dir, 'apply.lock'), 'utf8'));
  t.is(rec.pid, 4242);
  t.is(rec.bootId, 'boot-A');
  t.regex(rec.token, /^[0-9a-f]{24}$/);
  await lock.release();
  t.deepEqual(await fs.readdir(dir), []);
});

test('a stale apply lock is reported as the apply lock, not the agent lock (issue 9 item 6)', async (t) => {
  const dir = await tmp();
  await acquireLock(dir, env(100), silentLogger(), APPLY_LOCK_FILE);
  const warnings: string[] = [];
  const log = { ...silentLogger(), warn: (m: string) => void warnings.push(m) } as unknown as ReturnType<typeof silentLogger>;
  await acquireLock(dir, env(200), log, APPLY_LOCK_FILE);
  t.deepEqual(warnings, ['took over a stale apply lock']);
  const err = await t.throwsAsync(acquireLock(dir, env(300, 'boot-A', [200]), silentLogger(), APPLY_LOCK_FILE));
  t.regex(err!.message, /apply lock/);
});

test('a lock naming this PID but not held by this process is a previous incarnation: stale', async (t) => {
  const dir = await tmp();
  await fs.writeFile(path.join(dir, 'agent.lock'), JSON.stringify({ pid: 77, bootId: 'boot-A', hostname: 'h', startedAt: 'x', token: 'old' }));
  const lock = await acquireLock(dir, env(77, 'boot-A', [77]), silentLogger());
  t.is((await readLock(dir))!.token, lock.record.token);
  const err = await t.throwsAsync(acquireLock(dir, env(77, 'boot-A', [77]), silentLogger()));
  t.true(isVsError(err, 'LOCKED'), 'but one this process holds is not');
});

test('release does not remove a lock that another agent took over', async (t) => {
  const dir = await tmp();
  const first = await acquireLock(dir, env(100, 'boot-OLD'), silentLogger());
  await acquireLock(dir, env(200, 'boot-NEW'), silentLogger());
  await first.release();
  t.is((await readLock(dir))!.pid, 200);
});

test('pidAlive: this process is alive', (t) => {
  t.true(pidAlive(process.pid));
});
