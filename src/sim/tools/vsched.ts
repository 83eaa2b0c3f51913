/** vsched: the G4 kernel has no VCMD_set_sched, so every option fails with ENOSYS (✔LIVE). */
import { fail, type ToolCtx } from '../tool-io.js';
import { splitProgram } from './xid.js';

export function vsched(ctx: ToolCtx, argv: string[]): number {
  const { opts, program } = splitProgram(argv);
  const hasXid = opts.includes('--xid');
  const dirMode = opts.includes('--dir');
  const options = opts.filter((o) => o.startsWith('--') && o !== '--xid' && o !== '--missingok');
  if (options.length === 0 && program.length === 0) fail(ctx, 255, "Neither an option nor a program was specified; try '--help' for more information\n");
  if (!hasXid && program.length === 0) fail(ctx, 255, "Without a program, '--xid' must be used; try '--help' for more information\n");
  if (dirMode) fail(ctx, 1, 'vsched: vc_set_sched(): Function not implemented\n');
  fail(ctx, 255, 'vc_set_sched(): Function not implemented\n');
}
