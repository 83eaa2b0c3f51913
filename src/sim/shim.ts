/**
 * Entry point of the DIR/bin shims: `shimMain(tool, DIR, argv)`. Applies a
 * matching fault from DIR/.sim/faults.json, then runs the tool. Kept light:
 * only fs/path and the simulator's own modules are imported.
 */
import fs from 'node:fs';
import { openSimHost, locked } from './store.js';
import { takeFault } from './faults.js';
import { HalfwayDeath, runTool } from './dispatch.js';
import { spawnGuestInit } from './guest-process.js';

function readLine(): string {
  const buf = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n = 0;
    try {
      n = fs.readSync(0, buf, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return line;
    }
    if (n === 0 || buf[0] === 10) return line;
    line += String.fromCharCode(buf[0]);
  }
}

export function shimMain(tool: string, dir: string, argv: string[], argv0: string = tool): void {
  const host = openSimHost(dir);
  const io = {
    out: (s: string) => void (s && process.stdout.write(s)),
    err: (s: string) => void (s && process.stderr.write(s)),
    readLine,
  };
  try {
    const fault = locked(host, () => takeFault(host.simDir, tool, argv));
    if (fault?.action === 'fail') {
      io.err(fault.stderr ?? '');
      process.exitCode = fault.exitCode ?? 1;
      return;
    }
    if (fault?.action === 'hang') {
      if (fault.stderr) io.err(fault.stderr);
      setInterval(() => undefined, 1 << 30); // until killed
      return;
    }
    process.exitCode = runTool(host, io, tool, argv, { fault, argv0, startInit: (xid) => spawnGuestInit(host.simDir, xid) });
  } catch (err) {
    if (err instanceof HalfwayDeath) {
      process.exitCode = err.code;
      return;
    }
    io.err(`${tool}: simulator error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
