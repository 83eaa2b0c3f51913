import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simInit } from '../../src/sim/init.js';
import { runTool } from '../../src/sim/dispatch.js';
import type { SimHost } from '../../src/sim/store.js';

export const LIVE = path.resolve('test/fixtures/live');
export const livePhase = (phase: string, rel: string) => fs.readFileSync(path.join(LIVE, 'by-phase', phase, 'proc', rel), 'utf8');

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function tmpDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vsg-sim-${name}-`));
  made.push(dir);
  return dir;
}

export function tmpHost(name = 'h'): SimHost {
  const dir = tmpDir(name);
  return simInit(dir).host;
}

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs a simulated tool in-process, capturing its output. */
export function run(host: SimHost, tool: string, argv: string[], stdin = ''): Ran {
  let out = '';
  let err = '';
  const code = runTool(host, { out: (s) => (out += s), err: (s) => (err += s), readLine: () => stdin }, tool, argv, { argv0: path.join(host.paths.binDir!, tool) });
  return { code, out, err };
}

/** Writes a guest config tree as the transcript's guest1 had it after hand edits. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

export const GUEST1_EXTRA = {
  'interfaces/0/dev': 'dummy0\n',
  'interfaces/0/ip': '192.168.77.11\n',
  'interfaces/0/prefix': '24\n',
  'interfaces/1/ip': '10.77.0.11\n',
  'interfaces/1/nodev': '',
  'interfaces/1/prefix': '32\n',
  'rlimits/nproc': '200\n',
  'rlimits/nproc.soft': '100\n',
};

/** Lists all files under dir (relative, sorted). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
