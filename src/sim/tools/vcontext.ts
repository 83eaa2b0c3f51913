/** vcontext (UV src/vcontext.c): create a context / migrate into one, then run a program in it. */
import { createContext, setCounters } from '../kernel-ops.js';
import { locked, mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import { resolveXid, splitProgram } from './xid.js';

const WITH_ARG = new Set(['--xid', '--uid', '--chroot-dir', '--personality-type', '--personality-flags', '--syncsock', '--syncmsg', '--closefd']);

export function vcontext(ctx: ToolCtx, argv: string[], run: (xid: number, program: string[]) => number): number {
  const { opts, program } = splitProgram(argv);
  const has = (o: string) => opts.includes(o);
  const get = (o: string) => (opts.includes(o) ? opts[opts.indexOf(o) + 1] : undefined);
  for (let i = 0; i < opts.length; i++) if (WITH_ARG.has(opts[i])) i++;
  const create = has('--create');
  const migrate = has('--migrate') || has('--migrate-self');
  if (create && migrate) fail(ctx, 255, "Can not specify '--create' and '--migrate' at the same time; try '--help' for more information\n");
  if (!create && !migrate) fail(ctx, 255, "Neither '--create' nor '--migrate' specified; try '--help' for more information\n");
  if (has('--initpid') && !migrate) fail(ctx, 255, "'--initpid' is possible in combination with '--migrate' only\n");
  if (program.length === 0) fail(ctx, 255, "No command given; use '--help' for more information.\n");
  const xidArg = get('--xid');
  return locked(ctx.host, () => {
    if (create) {
      const xid = xidArg === undefined ? undefined : Number(xidArg);
      if (xid === undefined || !Number.isInteger(xid) || xid < 2 || xid > 65535) fail(ctx, 255, 'vcontext: vc_ctx_create(): Invalid argument\n');
      const r = mutateKernel(ctx.host, (s, t) => {
        if (s.contexts[xid]) return 'EEXIST';
        const c = createContext(s, xid, ctx.host.now());
        setCounters(c, 1); // the vcontext process itself
        c.pids.push(s.nextPid++);
        t.xids.push(xid);
        return 'ok';
      });
      if (r === 'EEXIST') fail(ctx, 254, has('--silentexist') ? '' : 'vcontext: vc_ctx_create(): File exists\n');
      if (!has('--silent')) ctx.io.out(`New security context is ${xid}\n`);
      const code = run(xid, program);
      mutateKernel(ctx.host, (s, t) => {
        const c = s.contexts[xid];
        if (!c) return;
        // the vcontext process is gone; a long-running program took its place (see runInContext)
        setCounters(c, Math.max(0, c.procs - 1));
        c.pids.shift();
        t.xids.push(xid);
      });
      return code;
    }
    const xid = has('--migrate-self') ? ctx.selfXid : xidArg === undefined ? undefined : resolveXid(ctx, xidArg);
    let known = false;
    mutateKernel(ctx.host, (s) => {
      known = xid !== undefined && s.contexts[xid] !== undefined;
    });
    if (!known) fail(ctx, 255, 'vcontext: Can not migrate to an unknown context\n');
    return run(xid!, program);
  });
}
