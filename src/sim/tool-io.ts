/** What a simulated tool gets: its host, output streams and the fault in force. */
import type { SimHost } from './store.js';
import type { Fault } from './faults.js';

export interface ToolIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** reads one line from stdin (delete's y/N prompt) */
  readLine: () => string;
}

export interface ToolCtx {
  host: SimHost;
  io: ToolIo;
  /** the xid `--xid self` refers to (0 = host) */
  selfXid: number;
  fault?: Fault;
  /** path the tool was invoked as ($0) */
  argv0: string;
  /**
   * Starts the real process standing in for a started guest's init (the shims
   * pass spawnGuestInit; in-process runs have none unless a test gives one).
   */
  startInit?: (xid: number) => number | undefined;
}

/** Thrown to end a tool with an exit code (the shim turns it into the process exit code). */
export class ToolExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Thrown at a checkpoint when a die-halfway fault is in force: the work so far stays on disk. */
export class HalfwayDeath extends Error {
  constructor(readonly code: number) {
    super('died half way');
  }
}

/** Marks the middle of a tool's work; a die-halfway fault ends the process here. */
export function checkpoint(ctx: ToolCtx): void {
  if (ctx.fault?.action === 'die-halfway') {
    if (ctx.fault.stderr) ctx.io.err(ctx.fault.stderr);
    throw new HalfwayDeath(ctx.fault.exitCode ?? 137);
  }
}

export function fail(ctx: ToolCtx, code: number, stderr: string): never {
  ctx.io.err(stderr);
  throw new ToolExit(code);
}
