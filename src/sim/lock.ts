/**
 * An exclusive lock file (O_EXCL) holding the owner's pid, with retry and
 * stale-owner detection — util-vserver locks with lockfile(1) the same way.
 */
import fs from 'node:fs';
import { VsError } from '../errors.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function ownerAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return true; // being written right now: treat as held
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Map<string, number>();

/** Runs fn while holding `file` (re-entrant within one process); waits up to timeoutMs for another holder. */
export function withLockSync<T>(file: string, fn: () => T, timeoutMs = 30_000): T {
  const depth = held.get(file) ?? 0;
  if (depth > 0) {
    held.set(file, depth + 1);
    try {
      return fn();
    } finally {
      held.set(file, depth);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!ownerAlive(file)) {
        // stale: rename first so only one waiter removes it
        const grave = `${file}.stale.${process.pid}`;
        try {
          fs.renameSync(file, grave);
          fs.rmSync(grave, { force: true });
        } catch {
          /* someone else took care of it */
        }
        continue;
      }
      if (Date.now() > deadline) throw new VsError('SIM', `simulated host is locked (${file})`, { file });
      sleepSync(5 + Math.floor(Math.random() * 10) + Math.min(attempt, 20));
    }
  }
  held.set(file, 1);
  try {
    return fn();
  } finally {
    held.delete(file);
    fs.rmSync(file, { force: true });
  }
}
