/**
 * Runs a simulated tool (DIR/bin/<tool>) as a real process and takes its
 * result when it EXITS, not when its stdout/stderr reach EOF: `vserver NAME
 * start` leaves the guest's init holding the descriptors it inherited (as
 * util-vserver does), so an EOF never comes while the guest runs. Output goes
 * to temporary files, read after exit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ShimResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export async function runShim(file: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ShimResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-shim-'));
  const outFile = path.join(dir, 'out');
  const errFile = path.join(dir, 'err');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  try {
    const child = spawn(file, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err], env: opts.env ?? process.env });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve([code, sig]));
    });
    clearTimeout(timer);
    return { exitCode, signal, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'), timedOut };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
