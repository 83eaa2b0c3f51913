/**
 * A simulated host on disk: its paths, the kernel state files and the lock
 * serialising read-modify-write of state and configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { simLayout, type SimLayout } from './layout.js';
import { VsError } from '../errors.js';
import { emptyKernelState, isAlive, type KernelState } from './kernel-state.js';
import { isOpenedKernel, kernelCounts, kernelSnapshot, legacyKernelFile, loadedContexts, openKernel, persistKernel, writeKernelFiles } from './kernel-files.js';
import { writeProc, writeProcIds } from './proc-tree.js';
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

/**
 * Opens the kernel state (kernel-files.ts: one file per context, loaded on
 * access). A host laid out by an earlier version (one DIR/.sim/kernel.json)
 * is converted once, under the lock.
 */
export function loadKernel(h: SimHost): KernelState {
  const s = openKernel(h.simDir);
  if (s) return s;
  if (fs.existsSync(legacyKernelFile(h.simDir))) return locked(h, () => migrateKernel(h));
  throw new VsError('SIM', `${h.dir} is not a simulated host (run "vsgitops sim init ${h.dir}")`, { dir: h.dir });
}

function migrateKernel(h: SimHost): KernelState {
  const legacy = legacyKernelFile(h.simDir);
  if (!openKernel(h.simDir)) {
    const whole = JSON.parse(fs.readFileSync(legacy, 'utf8')) as KernelState;
    writeKernelFiles(h.simDir, whole);
  }
  fs.rmSync(legacy, { force: true });
  return openKernel(h.simDir)!;
}

/** Writes what changed in the state, without re-rendering /proc. */
export function saveKernel(h: SimHost, state: KernelState): void {
  if (isOpenedKernel(state)) persistKernel(state);
  else writeKernelFiles(h.simDir, state);
}

export function initKernel(h: SimHost): KernelState {
  const s = emptyKernelState(h.now());
  writeKernelFiles(h.simDir, s);
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

/**
 * Commits kernel state: contexts without a task leave the kernel, changed
 * files are written, and /proc is re-rendered for the touched and changed ids
 * (all of it for a whole in-memory state).
 */
export function commitKernel(h: SimHost, s: KernelState, touched?: Touched): void {
  if (!isOpenedKernel(s)) {
    writeProc(h.paths.proc, s, touched);
    writeKernelFiles(h.simDir, s);
    sweepInitMarkers(h.simDir, (xid) => s.contexts[xid] !== undefined);
    return;
  }
  for (const [k, c] of loadedContexts(s)) if (c && !isAlive(c)) delete s.contexts[k];
  const changed = persistKernel(s);
  const xids = new Set([...(touched?.xids ?? []).map(String), ...changed.xids]);
  const nids = new Set([...(touched?.nids ?? []).map(String), ...changed.nids]);
  writeProcIds(h.paths.proc, s, kernelCounts(s), { xids, nids });
  // a context that died any way at all takes its init process with it
  sweepInitMarkers(h.simDir, (xid) => s.contexts[xid] !== undefined);
}

/** A plain copy of the whole kernel state (lists every context: for tests, not for commands). */
export function readKernelSnapshot(dir: string): KernelState {
  return kernelSnapshot(loadKernel(openSimHost(dir)));
}
