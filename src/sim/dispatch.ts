/**
 * Runs one simulated util-vserver tool against a host, in-process. Returns
 * the exit code; output goes through ctx.io. Nested programs (`vcontext … --
 * vattribute … -- true`) run through runInContext.
 */
import path from 'node:path';
import { spawn } from './kernel-ops.js';
import { mutateKernel, type SimHost } from './store.js';
import { HalfwayDeath, ToolExit, type ToolCtx, type ToolIo } from './tool-io.js';
import type { Fault } from './faults.js';
import { vlimit } from './tools/vlimit.js';
import { vattribute } from './tools/vattribute.js';
import { vuname } from './tools/vuname.js';
import { vsched } from './tools/vsched.js';
import { naddress } from './tools/naddress.js';
import { vdlimit } from './tools/vdlimit.js';
import { vcontext } from './tools/vcontext.js';
import { vkill } from './tools/vkill.js';
import { vserverStat } from './tools/vserver-stat.js';
import { vserverInfo } from './tools/vserver-info.js';
import { vserver } from './vserver/vserver.js';
import { nattribute } from './tools/nattribute.js'; // issue 10 (iface)

type Tool = (ctx: ToolCtx, argv: string[], run: (xid: number, program: string[]) => number) => number;

export const TOOLS: Record<string, Tool> = {
  vserver: (c, a) => vserver(c, a),
  'vserver-stat': (c, a) => vserverStat(c, a),
  'vserver-info': (c, a) => vserverInfo(c, a),
  vlimit: (c, a) => vlimit(c, a),
  vattribute,
  vuname: (c, a) => vuname(c, a),
  vsched: (c, a) => vsched(c, a),
  naddress: (c, a) => naddress(c, a),
  vdlimit: (c, a) => vdlimit(c, a),
  vcontext,
  vkill: (c, a) => vkill(c, a),
  nattribute, // issue 10 (iface)
};

export const TOOL_NAMES = Object.keys(TOOLS);

/** Programs the simulation treats as long-running: they stay in the context as a process. */
const LONG_RUNNING = new Set(['sleep', 'init']);

export function runTool(host: SimHost, io: ToolIo, tool: string, argv: string[], opts: { selfXid?: number; fault?: Fault; argv0?: string; startInit?: (xid: number) => number | undefined } = {}): number {
  const ctx: ToolCtx = { host, io, selfXid: opts.selfXid ?? 0, fault: opts.fault, argv0: opts.argv0 ?? tool, startInit: opts.startInit };
  const runInContext = (xid: number, program: string[]): number => {
    const base = path.basename(program[0] ?? '');
    if (TOOLS[base]) return runTool(host, io, base, program.slice(1), { selfXid: xid, argv0: program[0], startInit: opts.startInit });
    if (base === 'false') return 1;
    if (LONG_RUNNING.has(base)) {
      mutateKernel(host, (s, t) => {
        const c = s.contexts[xid];
        if (c) spawn(s, c, 1);
        t.xids.push(xid);
      });
    }
    return 0;
  };
  try {
    return TOOLS[tool](ctx, argv, runInContext);
  } catch (err) {
    if (err instanceof ToolExit) return err.code;
    throw err;
  }
}

export { HalfwayDeath };
