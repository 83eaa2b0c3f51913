import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VsError } from '../errors.js';
import { mkdirMode } from '../fs/mkdir-mode.js';
import type { SuspensionCheck } from './controller.js';

/**
 * A suspension is a file in the state directory, so `vsgitops suspend` works
 * whether or not the agent runs, survives restarts, and can carry a deadline
 * after which it ends by itself (break-glass that cannot be forgotten).
 */
export interface SuspensionRecord {
  reason: string;
  by: string;
  since: string;
  /** ISO time the suspension ends by itself, or null */
  until: string | null;
}

export const SUSPEND_FILE = 'suspend.json';

export function suspendFile(stateDir: string): string {
  return path.join(stateDir, SUSPEND_FILE);
}

export async function writeSuspension(stateDir: string, opts: { reason: string; forMs: number | null; now: number; by?: string }): Promise<SuspensionRecord> {
  if (!opts.reason.trim()) throw new VsError('USAGE', 'suspend needs --reason TEXT');
  const record: SuspensionRecord = {
    reason: opts.reason,
    by: opts.by ?? os.userInfo().username,
    since: new Date(opts.now).toISOString(),
    until: opts.forMs === null ? null : new Date(opts.now + opts.forMs).toISOString(),
  };
  await mkdirMode(stateDir, 0o755);
  const file = suspendFile(stateDir);
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
  await fs.rename(tmp, file);
  return record;
}

/** Removes the suspension; returns the record that was in force, if any. */
export async function clearSuspension(stateDir: string): Promise<SuspensionRecord | null> {
  const prev = await readSuspensionRecord(stateDir);
  await fs.rm(suspendFile(stateDir), { force: true });
  return prev;
}

export async function readSuspensionRecord(stateDir: string): Promise<SuspensionRecord | null> {
  let text: string;
  try {
    text = await fs.readFile(suspendFile(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const v = JSON.parse(text) as SuspensionRecord;
    if (typeof v.reason !== 'string' || (v.until !== null && typeof v.until !== 'string')) throw new Error('bad shape');
    return v;
  } catch {
    throw new VsError('CONFIG', `${suspendFile(stateDir)}: not a suspension record; fix or remove it with "vsgitops resume"`);
  }
}

/** Pure: is this record in force at `now`? */
export function suspensionAt(record: SuspensionRecord | null, now: number): SuspensionCheck {
  if (!record) return { active: false, until: null };
  const until = record.until === null ? null : Date.parse(record.until);
  if (until !== null && until <= now) return { active: false, until };
  return { active: true, until };
}

/** The controller's suspension check, reading the state directory each pass. */
export function suspensionChecker(stateDir: string, now: () => number): () => Promise<SuspensionCheck> {
  return async () => suspensionAt(await readSuspensionRecord(stateDir), now());
}
