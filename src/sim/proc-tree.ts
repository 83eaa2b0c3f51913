/**
 * Maps kernel state to the /proc/virtual and /proc/virtnet file trees and
 * writes them: every file is re-rendered from state, dead contexts' directories
 * are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { big, ctxTasks, isAlive, type KernelState, type SimContext, type SimNetContext } from './kernel-state.js';
import type { KernelCounts } from './kernel-files.js';
import {
  renderCacct,
  renderCtxInfo,
  renderCtxStatus,
  renderCvirt,
  renderLimit,
  renderNidInfo,
  renderNidStatus,
  renderNsproxy,
  renderSched,
  renderVciInfo,
  renderVirtnetStatus,
  renderVirtualStatus,
} from './proc-render.js';

/** The per-context files in G4 order. */
export function contextFiles(c: SimContext): Record<string, string> {
  const tasks = ctxTasks(c);
  return {
    info: renderCtxInfo({ xid: c.xid, pointer: c.pointer, initPid: c.initPid, oom: c.oom }),
    status: renderCtxStatus({
      useCnt: tasks + 1,
      tasks,
      flags: big(c.flags),
      bcaps: big(c.bcaps),
      ccaps: big(c.ccaps),
      umask: big(c.umask),
      wmask: big(c.wmask),
      spaces: c.spaces,
    }),
    limit: renderLimit(c.limits),
    sched: renderSched(0, c.cpuTicks),
    nsproxy: renderNsproxy(c.nsproxy[0], c.uts),
    nsproxy1: renderNsproxy(c.nsproxy[1], c.uts),
    cvirt: renderCvirt({ biasUptimeCs: c.biasUptimeCs, threads: c.procs, running: 0, loadUpdates: c.loadUpdates, totalForks: c.totalForks }),
    cacct: renderCacct(),
  };
}

export function netFiles(n: SimNetContext): Record<string, string> {
  return {
    info: renderNidInfo(n),
    status: renderNidStatus({ useCnt: n.procs + 1, tasks: n.procs, flags: big(n.flags), ncaps: big(n.ncaps) }),
  };
}

/** Top-level status counters: plausible kernel-internal numbers in the right layout. */
export function topFiles(state: KernelState): { virtual: Record<string, string>; virtnet: Record<string, string> } {
  const ctxs = Object.values(state.contexts);
  return topFilesFor({ contexts: ctxs.length, spaced: ctxs.filter((c) => c.nsproxy[0] !== null).length, nets: Object.keys(state.nets).length });
}

/** The same from the counts the state files keep (kernel-files.ts). */
export function topFilesFor(counts: KernelCounts): { virtual: Record<string, string>; virtnet: Record<string, string> } {
  const { contexts: n, spaced, nets } = counts;
  return {
    virtual: {
      info: renderVciInfo(),
      status: renderVirtualStatus({
        total: n,
        active: n,
        nsproxy: [1 + 3 * spaced, 4 + n + 2 * spaced, 1 + 2 * spaced, spaced, spaced, 0, 0],
        initTask: [2, n > 0 ? 34 : 33, n > 0 ? 34 : 30],
      }),
    },
    virtnet: { info: renderVciInfo(), status: renderVirtnetStatus(nets, nets) },
  };
}

function writeFiles(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    const tmp = p + '.tmp' + process.pid;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, p);
  }
}

const idDirs = (dir: string) => {
  try {
    return fs.readdirSync(dir).filter((e) => /^[1-9][0-9]*$/.test(e));
  } catch {
    return [];
  }
};

/**
 * Re-renders /proc from state. `only` limits the per-id work to the given
 * xids/nids (top-level files and removals are always handled).
 */
export function writeProc(procDir: string, state: KernelState, only?: { xids: number[]; nids: number[] }): void {
  const vdir = path.join(procDir, 'virtual');
  const ndir = path.join(procDir, 'virtnet');
  for (const [id, c] of Object.entries(state.contexts)) if (!isAlive(c)) delete state.contexts[id];
  const top = topFiles(state);
  writeFiles(vdir, top.virtual);
  writeFiles(ndir, top.virtnet);
  for (const d of idDirs(vdir)) if (!state.contexts[d]) fs.rmSync(path.join(vdir, d), { recursive: true, force: true });
  for (const d of idDirs(ndir)) if (!state.nets[d]) fs.rmSync(path.join(ndir, d), { recursive: true, force: true });
  const xids = only ? only.xids.filter((x) => state.contexts[x]) : Object.keys(state.contexts).map(Number);
  const nids = only ? only.nids.filter((x) => state.nets[x]) : Object.keys(state.nets).map(Number);
  for (const x of xids) writeFiles(path.join(vdir, String(x)), contextFiles(state.contexts[x]));
  for (const x of nids) writeFiles(path.join(ndir, String(x)), netFiles(state.nets[x]));
}

/**
 * Re-renders /proc for the given ids only (a state opened from its files,
 * kernel-files.ts): the top-level files from the kept counts, the directories
 * of ids that are gone removed, the others written. Costs the same whatever
 * the number of contexts on the host.
 */
export function writeProcIds(procDir: string, state: KernelState, counts: KernelCounts, ids: { xids: Iterable<string>; nids: Iterable<string> }): void {
  const vdir = path.join(procDir, 'virtual');
  const ndir = path.join(procDir, 'virtnet');
  const top = topFilesFor(counts);
  writeFiles(vdir, top.virtual);
  writeFiles(ndir, top.virtnet);
  for (const x of ids.xids) {
    const c = state.contexts[x];
    if (c) writeFiles(path.join(vdir, x), contextFiles(c));
    else fs.rmSync(path.join(vdir, x), { recursive: true, force: true });
  }
  for (const x of ids.nids) {
    const n = state.nets[x];
    if (n) writeFiles(path.join(ndir, x), netFiles(n));
    else fs.rmSync(path.join(ndir, x), { recursive: true, force: true });
  }
}
