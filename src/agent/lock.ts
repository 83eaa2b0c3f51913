import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';

export interface LockRecord {
  pid: number;
  bootId: string;
  hostname: string;
  startedAt: string;
}

export interface LockEnv {
  pid: number;
  /** this boot's id: a lock from another boot is stale whatever its PID says */
  bootId: () => Promise<string>;
  /** whether a process with this PID exists */
  isAlive: (pid: number) => boolean;
  now: () => number;
}

export const LOCK_FILE = 'agent.lock';
/**
 * Held while guests are being changed, by the agent's pass and by a hand-run
 * `vsgitops apply`: one writer of guests and inventory at a time, while a
 * suspended agent (which only observes) leaves manual applies possible.
 */
export const APPLY_LOCK_FILE = 'apply.lock';

export async function readBootId(file = '/proc/sys/kernel/random/boot_id'): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return 'unknown';
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const processLockEnv = (): LockEnv => ({ pid: process.pid, bootId: () => readBootId(), isAlive: pidAlive, now: Date.now });

export interface AgentLock {
  file: string;
  record: LockRecord;
  release(): Promise<void>;
}

/**
 * Takes the state directory's agent lock. The file is created with O_EXCL so
 * two agents cannot both win; a lock whose PID is gone or which was written
 * during another boot is stale and taken over (no manual unlock after a
 * crash); a live holder → VsError LOCKED naming it.
 */
export async function acquireLock(stateDir: string, env: LockEnv, log: Logger, name: string = LOCK_FILE): Promise<AgentLock> {
  await fs.mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, name);
  const holderIs = name === LOCK_FILE ? 'locked by a running agent' : 'being changed by another apply (agent pass or vsgitops apply)';
  const record: LockRecord = { pid: env.pid, bootId: await env.bootId(), hostname: os.hostname(), startedAt: new Date(env.now()).toISOString() };
  const text = JSON.stringify(record) + '\n';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await fs.open(file, 'wx', 0o644);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { file, record, release: () => releaseLock(file, text) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new VsError('LOCKED', `cannot create lock file ${file}: ${(err as Error).message}`, { file });
      }
    }
    const heldText = await fs.readFile(file, 'utf8').catch(() => null);
    if (heldText === null) continue; // released meanwhile
    const held = parseLock(heldText);
    const stale = staleReason(held, record, env);
    if (!stale) {
      throw new VsError('LOCKED', `state directory ${stateDir} is ${holderIs}: pid ${held!.pid} on ${held!.hostname} since ${held!.startedAt}`, { file, holder: held });
    }
    if (await removeIfUnchanged(file, heldText)) {
      log.warn('took over a stale agent lock', { file, reason: stale, previous: held ?? heldText.slice(0, 200) });
    }
  }
  throw new VsError('LOCKED', `could not take the lock ${file}: it keeps changing (another agent starting?)`, { file });
}

function parseLock(text: string): LockRecord | null {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    if (typeof v.pid === 'number' && typeof v.bootId === 'string') {
      return { pid: v.pid, bootId: v.bootId, hostname: String(v.hostname ?? '?'), startedAt: String(v.startedAt ?? '?') };
    }
  } catch {
    /* fall through */
  }
  return null;
}

/** Why the held lock is stale, or null when its holder is alive. */
export function staleReason(held: LockRecord | null, me: LockRecord, env: Pick<LockEnv, 'isAlive'>): string | null {
  if (!held) return 'unreadable lock file';
  if (held.bootId !== me.bootId) return `written during another boot (${held.bootId})`;
  // our own PID in a lock we do not hold: a previous incarnation (e.g. PID 1 in a container)
  if (held.pid === me.pid) return `pid ${held.pid} is this process`;
  if (!env.isAlive(held.pid)) return `pid ${held.pid} is not running`;
  return null;
}

/**
 * Moves the stale lock aside and deletes it only if it still holds what we
 * judged stale; if another agent replaced it in between, it is put back.
 */
async function removeIfUnchanged(file: string, expected: string): Promise<boolean> {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return false;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => null);
  if (moved === expected) {
    await fs.rm(aside, { force: true });
    return true;
  }
  await fs.link(aside, file).catch(() => undefined);
  await fs.rm(aside, { force: true });
  return false;
}

async function releaseLock(file: string, ours: string): Promise<void> {
  const current = await fs.readFile(file, 'utf8').catch(() => null);
  if (current === ours) await fs.rm(file, { force: true });
}

/** The current holder of the lock, or null (status commands). */
export async function readLock(stateDir: string): Promise<LockRecord | null> {
  const text = await fs.readFile(path.join(stateDir, LOCK_FILE), 'utf8').catch(() => null);
  return text === null ? null : parseLock(text);
}
