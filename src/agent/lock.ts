import { promises as fs } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import { mkdirMode } from '../fs/mkdir-mode.js';

export interface LockRecord {
  pid: number;
  bootId: string;
  hostname: string;
  startedAt: string;
  /** unique per acquisition: tells this holder's lock from any other (same pid after a restart) */
  token?: string;
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
 * Tokens of the locks (and break claims) this process holds now: a lock that
 * names our PID but not one of these was left by a previous process with the
 * same PID (PID 1 in a container), never by a live holder.
 */
const heldTokens = new Set<string>();

/** "agent lock" / "apply lock": what the messages call a lock file. */
export function lockLabel(name: string): string {
  return name === APPLY_LOCK_FILE ? 'apply lock' : name === LOCK_FILE ? 'agent lock' : `lock ${name}`;
}

/**
 * Takes a lock file in the state directory (the agent lock, or the apply lock).
 *
 * The holder's record (PID, boot id, a unique token) is complete and on disk
 * before the lock is visible: it is written to a temporary file, synced, and
 * hard-linked to the lock name, which fails when the name exists (link(2)
 * never overwrites). So a lock file never exists empty or half-written, and
 * an unreadable one is not taken for stale: its holder may be alive.
 *
 * A lock is stale only when its holder is certainly gone: written during
 * another boot, or its PID is not running (or is ours, with a token we do
 * not hold). Breaking it is guarded by a claim file per stale record (created
 * the same way), so of several processes that judge the same lock stale, one
 * removes it, and only while it still holds that record; none can remove a
 * lock a live process has taken meanwhile.
 */
export async function acquireLock(stateDir: string, env: LockEnv, log: Logger, name: string = LOCK_FILE): Promise<AgentLock> {
  await mkdirMode(stateDir, 0o755);
  const file = path.join(stateDir, name);
  const label = lockLabel(name);
  const holderIs = name === LOCK_FILE ? 'locked by a running agent' : 'being changed by another apply (agent pass or vsgitops apply)';
  const me = await newRecord(env);
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 40; attempt++) {
    if (await publish(file, text, env.pid)) {
      heldTokens.add(me.token!);
      return { file, record: me, release: () => releaseLock(file, text, me.token!) };
    }
    const heldText = await fs.readFile(file, 'utf8').catch(() => null);
    if (heldText === null) continue; // released meanwhile
    const held = parseLock(heldText);
    if (!held) {
      throw new VsError(
        'LOCKED',
        `the ${label} ${file} is unreadable (${heldText.length === 0 ? 'empty' : 'not a lock record'}); its holder may still be running, so it is not taken over. If no vsgitops process is running, remove it by hand.`,
        { file },
      );
    }
    const stale = staleReason(held, me, env);
    if (!stale) {
      throw new VsError('LOCKED', `state directory ${stateDir} is ${holderIs}: pid ${held.pid} on ${held.hostname} since ${held.startedAt} (${label} ${file})`, { file, holder: held });
    }
    const outcome = await breakStale(file, heldText, env, me);
    if (outcome === 'removed') log.warn(`took over a stale ${label}`, { file, reason: stale, previous: held });
    if (outcome === 'busy') await sleep(20 + Math.floor(Math.random() * 30));
  }
  throw new VsError('LOCKED', `could not take the ${label} ${file}: it keeps changing (another process starting?)`, { file });
}

async function newRecord(env: LockEnv): Promise<LockRecord> {
  return {
    pid: env.pid,
    bootId: await env.bootId(),
    hostname: os.hostname(),
    startedAt: new Date(env.now()).toISOString(),
    token: randomBytes(12).toString('hex'),
  };
}

/**
 * Makes `file` appear with exactly `text`, or returns false when it exists:
 * temp file, fsync, link(2) to the name (atomic, never overwrites), unlink
 * the temp name, fsync the directory.
 */
async function publish(file: string, text: string, pid: number): Promise<boolean> {
  const tmp = `${file}.tmp-${pid}-${randomBytes(6).toString('hex')}`;
  const fh = await fs.open(tmp, 'wx', 0o644).catch((err: Error) => {
    throw new VsError('LOCKED', `cannot create lock file ${file}: ${err.message}`, { file });
  });
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new VsError('LOCKED', `cannot create lock file ${file}: ${(err as Error).message}`, { file });
  } finally {
    await fs.rm(tmp, { force: true });
  }
  await syncDir(path.dirname(file));
  return true;
}

async function syncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r').catch(() => null);
  if (!dh) return;
  await dh.sync().catch(() => undefined);
  await dh.close();
}

export function parseLock(text: string): LockRecord | null {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.bootId === 'string') {
      return { pid: v.pid, bootId: v.bootId, hostname: String(v.hostname ?? '?'), startedAt: String(v.startedAt ?? '?'), token: typeof v.token === 'string' ? v.token : undefined };
    }
  } catch {
    /* fall through */
  }
  return null;
}

/** Why the held lock is stale (its holder is certainly gone), or null when its holder may be alive. */
export function staleReason(held: LockRecord, me: LockRecord, env: Pick<LockEnv, 'isAlive'>): string | null {
  if (held.bootId !== me.bootId) return `written during another boot (${held.bootId})`;
  // our own PID in a lock we do not hold: a previous incarnation (e.g. PID 1 in a container)
  if (held.pid === me.pid) return held.token !== undefined && heldTokens.has(held.token) ? null : `pid ${held.pid} is this process`;
  if (!env.isAlive(held.pid)) return `pid ${held.pid} is not running`;
  return null;
}

/**
 * Removes the lock file if it still holds `staleText`. Claims are files
 * `<lock>.break-<digest of the stale record>-<k>`, published like the lock:
 * the first live claimer of a stale record re-reads the lock and unlinks it
 * only if unchanged; a claim whose claimer died is skipped (k+1), never
 * removed while another may act on it. A record carries a unique token, so
 * once removed it never reappears, and stale claims are then harmless.
 */
async function breakStale(file: string, staleText: string, env: LockEnv, me: LockRecord): Promise<'removed' | 'gone' | 'busy'> {
  const digest = createHash('sha256').update(staleText).digest('hex').slice(0, 16);
  const prefix = `${path.basename(file)}.break-${digest}-`;
  for (let k = 0; k < 8; k++) {
    const claim = path.join(path.dirname(file), `${prefix}${k}`);
    const claimRecord = await newRecord(env);
    if (await publish(claim, JSON.stringify(claimRecord) + '\n', env.pid)) {
      heldTokens.add(claimRecord.token!);
      try {
        const now = await fs.readFile(file, 'utf8').catch(() => null);
        if (now !== staleText) return 'gone';
        await fs.unlink(file);
        await syncDir(path.dirname(file));
        return 'removed';
      } finally {
        heldTokens.delete(claimRecord.token!);
        await removeClaims(path.dirname(file), prefix);
      }
    }
    const otherText = await fs.readFile(claim, 'utf8').catch(() => null);
    if (otherText === null) return 'gone'; // the claimer finished meanwhile
    const other = parseLock(otherText);
    if (!other || !staleReason(other, me, env)) return 'busy';
  }
  return 'busy';
}

async function removeClaims(dir: string, prefix: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const n of names) if (n.startsWith(prefix)) await fs.rm(path.join(dir, n), { force: true });
}

async function releaseLock(file: string, ours: string, token: string): Promise<void> {
  heldTokens.delete(token);
  const current = await fs.readFile(file, 'utf8').catch(() => null);
  if (current === ours) await fs.rm(file, { force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The current holder of the lock, or null (status commands). */
export async function readLock(stateDir: string, name: string = LOCK_FILE): Promise<LockRecord | null> {
  const text = await fs.readFile(path.join(stateDir, name), 'utf8').catch(() => null);
  return text === null ? null : parseLock(text);
}
