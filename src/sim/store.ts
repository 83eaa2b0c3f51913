/**
 * A simulated host on disk: its paths, the kernel state file and the lock
 * serialising read-modify-write of state and configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { simLayout, type SimLayout } from './layout.js';
import { VsError } from '../errors.js';
import { emptyKernelState, type KernelState } from './kernel-state.js';
import { writeProc } from './proc-tree.js';
import { withLockSync } from './lock.js';
import { sweepInitMarkers } from './guest-process.js';

export interface SimHost {
  dir: string;
  paths: SimLayout;
  simDir: string;
  /** injected clock (ms since epoch) */
  now: () => number;
}

export function openSimHost(dir: string, now: () => number = Date.now): SimHost {
  const paths = simLayout(dir);
  return { dir: paths.root, paths, simDir: path.join(paths.root, '.sim'), now };
}

export const kernelFile = (h: SimHost) => path.join(h.simDir, 'kernel.json');

export function loadKernel(h: SimHost): KernelState {
  let text: string;
  try {
    text = fs.readFileSync(kernelFile(h), 'utf8');
  } catch {
    throw new VsError('SIM', `${h.dir} is not a simulated host (run "vsgitops sim init ${h.dir}")`, { dir: h.dir });
  }
  return JSON.parse(text) as KernelState;
}

export function saveKernel(h: SimHost, state: KernelState): void {
  const file = kernelFile(h);
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}

export function initKernel(h: SimHost): KernelState {
  const s = emptyKernelState(h.now());
  saveKernel(h, s);
  writeProc(h.paths.proc, s);
  return s;
}

/** Everything that changes state or configuration runs inside this lock. */
export function locked<T>(h: SimHost, fn: () => T): T {
  return withLockSync(path.join(h.simDir, 'lock'), fn);
}

/** Read-modify-write of kernel state plus re-render of the touched ids. */
export function mutateKernel<T>(h: SimHost, fn: (s: KernelState, touched: Touched) => T): T {
  return locked(h, () => {
    const s = loadKernel(h);
    const touched: Touched = { xids: [], nids: [] };
    const r = fn(s, touched);
    commitKernel(h, s, touched);
    return r;
  });
}

export interface Touched {
  xids: number[];
  nids: number[];
}

export function commitKernel(h: SimHost, s: KernelState, touched?: Touched): void {
  writeProc(h.paths.proc, s, touched);
  saveKernel(h, s);
  // a context that died any way at all takes its init process with it
  sweepInitMarkers(h.simDir, new Set(Object.keys(s.contexts)));
}
