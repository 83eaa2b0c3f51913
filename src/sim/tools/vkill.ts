/**
 * vkill (UV src/vkill.c): `vkill [--xid|-c <xid>] [-s <signal>] [--] <pid>*`.
 * With --xid and no pid it signals pid 0, i.e. every process of the context
 * (`vc_ctx_kill(xid, 0, sig)`, src/vkill.c:206-207); the default signal is
 * TERM (:175). A context whose last process ends leaves the kernel unless it
 * is persistent (reference §2: the persistent claim keeps Tasks at 1).
 */
import { endGuestInit } from '../guest-process.js';
import { hasPersistentClaim, setCounters } from '../kernel-ops.js';
import { commitKernel, loadKernel, locked } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';

const SIGNALS = ['UNUSED', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'UNUSED', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM'];
/** signals whose default action ends a process (the simulated processes keep the defaults) */
const FATAL = new Set([1, 2, 3, 4, 5, 6, 8, 9, 11, 13, 14, 15]);

/** str2sig (src/vkill.c:93-111): a number, or a name with or without SIG. */
function str2sig(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const name = s.startsWith('SIG') ? s.slice(3) : s;
  const i = SIGNALS.indexOf(name);
  return i > 0 && name !== 'UNUSED' ? i : -1;
}

export function vkill(ctx: ToolCtx, argv: string[]): number {
  let xid: number | undefined;
  let sig = 15;
  const pids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--xid' || a === '-c') xid = Number(argv[++i]);
    else if (a.startsWith('--xid=')) xid = Number(a.slice(6));
    else if (a === '-s') sig = str2sig(argv[++i] ?? '');
    else if (a === '--') pids.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a.startsWith('-')) fail(ctx, 1, `Try '${ctx.argv0} --help' for more information.\n`);
    else pids.push(a);
  }
  if (sig === -1) fail(ctx, 1, 'Invalid signal specified\n');
  if (xid === undefined && pids.length === 0) fail(ctx, 1, 'No pid specified\n');
  if (xid === undefined || !Number.isInteger(xid) || (pids.length > 0 && pids.some((p) => p !== '0'))) {
    fail(ctx, 1, 'vkill: vc_ctx_kill(): No such process\n'); // the simulation signals whole contexts only
  }
  return locked(ctx.host, () => {
    const s = loadKernel(ctx.host);
    const c = s.contexts[xid!];
    if (!c || (c.procs === 0 && !hasPersistentClaim(c))) fail(ctx, 1, 'vkill: vc_ctx_kill(): No such process\n');
    if (!FATAL.has(sig) || c.procs === 0) return 0;
    const n = s.nets[String(xid)];
    if (n) {
      n.procs = Math.max(0, n.procs - c.procs);
      if (n.procs === 0) delete s.nets[String(xid)];
    }
    const initPid = c.hostInitPid;
    setCounters(c, 0);
    c.pids = [];
    if (!hasPersistentClaim(c)) delete s.contexts[xid!];
    commitKernel(ctx.host, s, { xids: [xid!], nids: [xid!] });
    endGuestInit(ctx.host.simDir, xid!, initPid);
    return 0;
  });
}
