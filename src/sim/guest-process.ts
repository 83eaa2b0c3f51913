/**
 * The real process standing in for a started guest's init. util-vserver's
 * start hands fds 0–2 to the guest's init (`vcontext --disconnect`, which also
 * gives it a session of its own; `--closefd` closes only fds > 2): the
 * simulated init inherits the shim's stdin/stdout/stderr the same way, so a
 * caller that waits for EOF on them hangs for the guest's whole life, as on a
 * real host (reference §10 LIVE).
 *
 * It is a small bash loop, not a node process (a host with 100 started guests
 * keeps 100 of them): it wakes every second (a `read -t 1` on a private fifo,
 * no fork) and ends when its marker file DIR/.sim/init/<xid> is gone or names
 * another start — the marker is removed by stop and whenever the context
 * leaves the kernel state (sweepInitMarkers, run on every commit), and with
 * the whole host directory — so test runs leak no processes.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** $0 of the loop: how a guest init is recognised in /proc/PID/cmdline. */
export const GUEST_INIT_NAME = 'vsgitops-sim-guest-init';

const LOOP = [
  'm=$1; tok=$2; f="$m.$$.fifo"',
  'mkfifo "$f" 2>/dev/null && exec 3<>"$f"; rm -f "$f"',
  'while :; do',
  '  read -t 1 -u 3 _ 2>/dev/null; [ $? -gt 128 ] || sleep 1',
  '  read -r cur < "$m" 2>/dev/null || exit 0',
  '  [ "$cur" = "$tok" ] || exit 0',
  'done',
].join('\n');

export const initMarkerDir = (simDir: string) => path.join(simDir, 'init');
const marker = (simDir: string, xid: number | string) => path.join(initMarkerDir(simDir), String(xid));

/** Starts the guest's init holding this process's stdio; returns its pid. */
export function spawnGuestInit(simDir: string, xid: number): number | undefined {
  const token = crypto.randomBytes(8).toString('hex');
  fs.mkdirSync(initMarkerDir(simDir), { recursive: true });
  fs.writeFileSync(marker(simDir, xid), token + '\n');
  const child = spawn('bash', ['-c', LOOP, GUEST_INIT_NAME, marker(simDir, xid), token], { detached: true, stdio: 'inherit' });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

/** Removes the markers of contexts that are no longer in the kernel state (their inits then end). */
export function sweepInitMarkers(simDir: string, isLive: (xid: string) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(initMarkerDir(simDir));
  } catch {
    return;
  }
  for (const n of names) if (/^\d+$/.test(n) && !isLive(n)) fs.rmSync(marker(simDir, n), { force: true });
}

/** Is pid one of our guest inits (never signal a recycled pid)? */
export function isGuestInit(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(GUEST_INIT_NAME);
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Ends a guest init as util-vserver's stop ends the guest: marker removed,
 * SIGTERM, wait (up to `graceMs`), then SIGKILL. Returns once it is gone (its
 * stdio closed).
 */
export function endGuestInit(simDir: string, xid: number, pid: number | undefined, graceMs = 3000): void {
  fs.rmSync(marker(simDir, xid), { force: true });
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
