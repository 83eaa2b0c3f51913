/**
 * The simulated guest's init: a real, long-lived process that `vserver NAME
 * start` leaves behind holding the stdin/stdout/stderr it inherited, as
 * util-vserver does (`vcontext --disconnect` keeps fds 0–2; reference §10
 * LIVE: "a caller that waits for EOF on the tool's stdout/stderr never
 * returns"). It ends when `stop` kills it, and by itself within ~1 s when its
 * context is gone (or belongs to another init) or the simulated host's
 * directory disappears, so test runs never leak processes.
 *
 * Run as: node guest-init.js <simDir> <xid>. Imports only node modules: it is
 * started once per guest start and must stay small.
 */
import fs from 'node:fs';
import path from 'node:path';

export const GUEST_INIT_POLL_MS = 1000;

/** Whether the init should keep running, judged from the host's kernel state (pure over the file text). */
export function initStillWanted(kernelText: string | undefined, xid: string, pid: number): boolean {
  if (kernelText === undefined) return false;
  let state: { contexts?: Record<string, { hostInitPid?: number }> };
  try {
    state = JSON.parse(kernelText) as typeof state;
  } catch {
    return true; // a torn read: judge again at the next poll
  }
  const c = state.contexts?.[xid];
  if (!c) return false;
  return c.hostInitPid === undefined || c.hostInitPid === pid;
}

function main(simDir: string, xid: string): void {
  const check = () => {
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(simDir, 'kernel.json'), 'utf8');
    } catch {
      text = undefined;
    }
    if (!initStillWanted(text, xid, process.pid)) process.exit(0);
  };
  setInterval(check, GUEST_INIT_POLL_MS);
  process.on('SIGTERM', () => process.exit(0));
}

const [simDir, xid] = process.argv.slice(2);
if (simDir && xid && process.argv[1] && path.basename(process.argv[1]).startsWith('guest-init')) main(simDir, xid);
