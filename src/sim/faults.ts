/**
 * Fault injection: DIR/.sim/faults.json lets a test make a shim fail, hang or
 * die half way. Format (docs/simulator.md):
 *   { "faults": [ { "tool": "vserver", "match": "guest1 start", "action": "fail",
 *                   "exitCode": 1, "stderr": "boom\n", "count": 1 } ] }
 * `match` is a substring of the space-joined argv; `count` (optional) = only the
 * next N matching calls. The file is updated under the host lock.
 */
import fs from 'node:fs';
import path from 'node:path';

export type FaultAction = 'fail' | 'hang' | 'die-halfway';

export interface Fault {
  tool: string;
  match?: string;
  action: FaultAction;
  exitCode?: number;
  stderr?: string;
  count?: number;
}

export const faultsFile = (simDir: string) => path.join(simDir, 'faults.json');

/** Pure: the first fault that applies to this call. */
export function matchFault(faults: Fault[], tool: string, argv: string[]): number {
  const line = argv.join(' ');
  return faults.findIndex((f) => f.tool === tool && (f.match === undefined || line.includes(f.match)) && (f.count === undefined || f.count > 0));
}

/** Reads the fault file, consumes one use of the matching fault, returns it (call under the lock). */
export function takeFault(simDir: string, tool: string, argv: string[]): Fault | undefined {
  const file = faultsFile(simDir);
  let doc: { faults: Fault[] };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { faults: Fault[] };
  } catch {
    return undefined;
  }
  const i = matchFault(doc.faults ?? [], tool, argv);
  if (i < 0) return undefined;
  const f = { ...doc.faults[i] };
  if (f.count !== undefined) {
    doc.faults[i].count = f.count - 1;
    if (doc.faults[i].count === 0) doc.faults.splice(i, 1);
    fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  }
  return f;
}

/** Writes a fault file (for tests). */
export function writeFaults(simDir: string, faults: Fault[]): void {
  fs.writeFileSync(faultsFile(simDir), JSON.stringify({ faults }, null, 2));
}
