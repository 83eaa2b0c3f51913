/** `--xid` argument forms of util-vserver tools (UV lib/xidopt2xid.c). */
import fs from 'node:fs';
import path from 'node:path';
import type { ToolCtx } from '../tool-io.js';

/** number, `self`, `:name` or a vserver name (via its run file); undefined when unresolvable. */
export function resolveXid(ctx: ToolCtx, arg: string): number | undefined {
  if (arg === 'self') return ctx.selfXid;
  if (/^\d+$/.test(arg)) return Number(arg);
  const name = arg.startsWith(':') ? arg.slice(1) : arg;
  try {
    const run = fs.readFileSync(path.join(ctx.host.paths.runDir, path.basename(name)), 'utf8').trim();
    return /^\d+$/.test(run) ? Number(run) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits argv at the first `--` (rest = program to exec). */
export function splitProgram(argv: string[]): { opts: string[]; program: string[] } {
  const i = argv.indexOf('--');
  return i < 0 ? { opts: argv, program: [] } : { opts: argv.slice(0, i), program: argv.slice(i + 1) };
}
