/**
 * Starting and ending the real process that stands in for a started guest's
 * init (src/sim/guest-init.ts). util-vserver's start hands fds 0–2 to the
 * guest's init (`vcontext --disconnect`, which also puts it in a session of its
 * own; `--closefd` closes only fds > 2): the simulated init inherits the
 * shim's stdin/stdout/stderr the same way, so a caller that waits for EOF on
 * them hangs for the guest's whole life, as on a real host (reference §10 LIVE).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export function guestInitScript(): string {
  return fileURLToPath(new URL('./guest-init.js', import.meta.url));
}

/** Starts the guest's init holding this process's stdio; returns its pid. */
export function spawnGuestInit(simDir: string, xid: number): number | undefined {
  const child = spawn(process.execPath, [guestInitScript(), simDir, String(xid)], { detached: true, stdio: 'inherit' });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

/** Is pid one of our guest inits (never signal a recycled pid)? */
export function isGuestInit(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('guest-init.js'));
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Ends a guest init as util-vserver's stop ends the guest: SIGTERM, wait (up
 * to `graceMs`), then SIGKILL. Returns once it is gone (its stdio closed).
 */
export function endGuestInit(pid: number | undefined, graceMs = 3000): void {
  if (!pid || !isGuestInit(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < graceMs && isGuestInit(pid); waited += 20) sleepSync(20);
  if (isGuestInit(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    for (let waited = 0; waited < 2000 && isGuestInit(pid); waited += 20) sleepSync(20);
  }
}
