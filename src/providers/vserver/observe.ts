/**
 * Observes a Linux-VServer host: running contexts from /proc/virtual and
 * /proc/virtnet, configured guests from /etc/vservers, combined with
 * util-vserver's own "running" rule (reference §7.1).
 *
 * Linear by design: every file is read once with bounded concurrency, and no
 * process is spawned unless the files are ambiguous (see `decideRunning`).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VsError, type Problem } from '../../errors.js';
import { LIMIT_NAMES, type CgroupSpec, type LimitName, type LimitValue, type ObservedGuest, type ObservedHost, type RuntimeState, type UnmanagedContext } from '../../model/guest.js';
import type { CommandRunner } from '../command-runner.js';
import { readCgroupHost, readLiveCgroup, resolveCgroupLayout } from './cgroup-layout.js';
import { parseGuestConfig, problem, readConfigTree, type ConfigTree, type ReadFs } from './config-read.js';
import { digestConfigTree, digestHost } from './digest.js';
import { unmodelledEntries } from './unmodelled.js';
import { toolPath, type HostPaths } from './host-paths.js';
import { hex16 } from './names.js';
import {
  parseLimit,
  parseNetInfo,
  parseNsProxy,
  parseVciInfo,
  parseXidInfo,
  parseXidStatus,
  ROW_TO_LIMIT,
  type NetInfo,
  type NsProxy,
  type XidInfo,
  type XidStatus,
  type LimitRow,
  type LimitRowName,
} from './proc-parse.js';

/** Name of the ownership marker vsgitops keeps in a config dir (JSON). */
export const MARKER_FILE = '.vsgitops';

export interface ObserveDeps {
  fs?: ReadFs;
  /** only used when files are ambiguous (run file vs context file, two claims on one xid) */
  runner?: CommandRunner;
  hostName: string;
  /** parallel file reads (default 32) */
  concurrency?: number;
}

/** Maps items with at most `limit` promises in flight; keeps the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

async function readOptional(fs: ReadFs, file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------- /proc

interface ContextState {
  xid: number;
  status: XidStatus;
  info?: XidInfo;
  limits?: Partial<Record<LimitRowName, LimitRow>>;
  uts?: NsProxy['uts'];
}

interface ProcState {
  vciVersion?: string;
  contexts: Map<number, ContextState>;
  nets: Map<number, NetInfo>;
}

const ID_DIR = /^[1-9]\d*$/;

async function listIds(fs: ReadFs, dir: string): Promise<number[] | undefined> {
  try {
    const names = await fs.readdir(dir);
    return names.filter((n) => ID_DIR.test(n)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new VsError('HOST', `cannot list ${dir}: ${(err as Error).message}`, { file: dir });
  }
}

/** One context's status, info, limits and UTS names; undefined when it went away. */
async function readContext(fs: ReadFs, virtual: string, xid: number): Promise<ContextState | undefined> {
  const dir = path.join(virtual, String(xid));
  const file = (n: string) => path.join(dir, n);
  const statusText = await readOptional(fs, file('status'));
  if (statusText === undefined) return undefined; // context went away
  const ctx: ContextState = { xid, status: parseXidStatus(statusText, file('status')) };
  const [infoText, limitText, nsText] = await Promise.all([readOptional(fs, file('info')), readOptional(fs, file('limit')), readOptional(fs, file('nsproxy'))]);
  if (infoText !== undefined) ctx.info = parseXidInfo(infoText, file('info'));
  if (limitText !== undefined) ctx.limits = parseLimit(limitText, file('limit'));
  if (nsText !== undefined) {
    const ns = parseNsProxy(nsText, file('nsproxy'));
    if (ns?.uts) ctx.uts = ns.uts;
  }
  return ctx;
}

/**
 * What a running context shows now (limits, flags, capabilities, UTS names),
 * for checking a live change: util-vserver's tools exit 0 when the kernel
 * refuses a value (reference §10 LIVE: vlimit). Only a listed context counts
 * (a dead context's directory may still resolve, §10). Undefined: not running.
 */
export async function readContextRuntime(paths: HostPaths, xid: number, fs: ReadFs = fsp): Promise<RuntimeState | undefined> {
  const virtual = path.join(paths.proc, 'virtual');
  if (!((await listIds(fs, virtual)) ?? []).includes(xid)) return undefined;
  const ctx = await readContext(fs, virtual, xid);
  return ctx ? runtimeOf(ctx, undefined, undefined) : undefined;
}

/** Reads every context and network context. A context that vanishes while being read is skipped. */
export async function readProc(paths: HostPaths, fs: ReadFs, concurrency: number, problems: Problem[]): Promise<ProcState> {
  const virtual = path.join(paths.proc, 'virtual');
  const virtnet = path.join(paths.proc, 'virtnet');
  const state: ProcState = { contexts: new Map(), nets: new Map() };
  const info = await readOptional(fs, path.join(virtual, 'info'));
  if (info === undefined) {
    // Planning against a host whose contexts cannot be seen would call every guest stopped
    // and every change safe: refuse, naming what is missing.
    throw new VsError('NOT_VSERVER_HOST', `${path.join(virtual, 'info')} does not exist: this is not a Linux-VServer host (the running kernel has no VServer patch, or /proc is not mounted); nothing was planned or changed`, { file: path.join(virtual, 'info') });
  }
  state.vciVersion = parseVciInfo(info, path.join(virtual, 'info')).vciVersion;

  const xids = (await listIds(fs, virtual)) ?? [];
  await mapLimit(xids, concurrency, async (xid) => {
    try {
      const ctx = await readContext(fs, virtual, xid);
      if (ctx) state.contexts.set(xid, ctx);
    } catch (err) {
      problems.push(problem(path.join(virtual, String(xid)), err instanceof Error ? err.message : String(err)));
    }
  });

  const nids = (await listIds(fs, virtnet)) ?? [];
  await mapLimit(nids, concurrency, async (nid) => {
    const f = path.join(virtnet, String(nid), 'info');
    try {
      const text = await readOptional(fs, f);
      if (text !== undefined) state.nets.set(nid, parseNetInfo(text, f));
    } catch (err) {
      problems.push(problem(f, err instanceof Error ? err.message : String(err)));
    }
  });
  return state;
}

function runtimeOf(ctx: ContextState, net: NetInfo | undefined, contextName: string | undefined): RuntimeState {
  const limits: Partial<Record<LimitName, { soft: LimitValue; hard: LimitValue }>> = {};
  for (const [row, name] of Object.entries(ROW_TO_LIMIT) as [LimitRowName, LimitName][]) {
    const r = ctx.limits?.[row];
    if (r) limits[name] = { soft: r.soft, hard: r.hard };
  }
  const ordered: typeof limits = {};
  for (const n of LIMIT_NAMES) if (limits[n]) ordered[n] = limits[n];
  const rt: RuntimeState = {
    xid: ctx.xid,
    tasks: ctx.status.tasks,
    initPid: ctx.info?.init ?? 0,
    flagsHex: hex16(ctx.status.flags),
    bcapsHex: hex16(ctx.status.bcaps),
    ccapsHex: hex16(ctx.status.ccaps),
    limits: ordered,
    addresses: [
      ...(net?.v4 ?? []).map((a) => ({ address: a.address, prefix: a.prefix, family: 4 as const })),
      ...(net?.v6 ?? []).map((a) => ({ address: a.address, prefix: a.prefix, family: 6 as const })),
    ],
  };
  if (ctx.uts) {
    rt.nodename = ctx.uts.nodename;
    if (ctx.uts.domainname !== undefined) rt.domainname = ctx.uts.domainname;
  }
  if (contextName !== undefined) rt.contextName = contextName;
  return rt;
}

// ---------------------------------------------------------------- /etc/vservers

interface GuestRead {
  name: string;
  dir: string;
  tree: ConfigTree;
  spec: ObservedGuest['spec'];
  contextFile?: number;
  /** nid: `ncontext`, else the context id */
  nid?: number;
  runXid?: number;
  managed: boolean;
  problems: Problem[];
}

/** Where a `run` link points on this host (a simulated host keeps run files under DIR). */
function resolveRunTarget(paths: HostPaths, dir: string, target: string): string {
  if (!path.isAbsolute(target)) return path.resolve(dir, target);
  if (paths.kind === 'local' || target === paths.root || target.startsWith(paths.root + path.sep)) return target;
  const std = '/var/run/vservers/';
  if (target.startsWith(std)) return path.join(paths.runDir, target.slice(std.length));
  return path.join(paths.root, target);
}

async function readRunXid(paths: HostPaths, fs: ReadFs, g: GuestRead): Promise<number | undefined> {
  const e = g.tree.get('run');
  if (!e) return undefined;
  let text: string | undefined;
  let where = path.join(g.dir, 'run');
  if (e.kind === 'file') text = e.content;
  else if (e.kind === 'symlink') {
    where = resolveRunTarget(paths, g.dir, e.target);
    try {
      text = await readOptional(fs, where);
    } catch (err) {
      g.problems.push(problem(where, `cannot read run file: ${(err as Error).message}`));
    }
  }
  if (text === undefined) return undefined; // dangling while stopped
  const first = (text.split('\n')[0] ?? '').trim();
  if (!/^\d+$/.test(first)) {
    g.problems.push(problem(where, `run file does not hold an xid: "${first}"`));
    return undefined;
  }
  return Number(first);
}

/** Names util-vserver's isRegularFile rejects (UV scripts/functions:74-76). */
const BACKUP_NAME = /(\.rpmsave|\.rpmnew|\.rpmorig|\.cfsaved.*|\.~.*~|~)$/;

async function listGuestDirs(paths: HostPaths, fs: ReadFs, problems: Problem[]): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(paths.etcVservers, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) {
      problems.push(problem(paths.etcVservers, 'missing: no guests configured'));
      return [];
    }
    throw new VsError('HOST', `cannot list ${paths.etcVservers}: ${(err as Error).message}`, { file: paths.etcVservers });
  }
  const candidates: string[] = [];
  const files = new Set<string>();
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) candidates.push(e.name);
    else if (e.isSymbolicLink()) {
      try {
        const st = await fs.stat(path.join(paths.etcVservers, e.name));
        if (st.isDirectory()) candidates.push(e.name);
        else files.add(e.name);
      } catch {
        problems.push(problem(path.join(paths.etcVservers, e.name), 'dangling link to a config dir'));
      }
    } else if (e.isFile()) files.add(e.name);
  }
  const names: string[] = [];
  for (const name of candidates) {
    const dir = path.join(paths.etcVservers, name);
    // getAllVservers (UV scripts/functions:581-583) considers only dirs with a vdir; a dir with
    // neither vdir nor context (local-interfaces/, CVS/) is not a guest.
    const has = async (f: string) => fs.lstat(path.join(dir, f)).then(() => true, () => false);
    if (!(await has('vdir')) && !(await has('context'))) {
      problems.push(problem(dir, 'not a guest (no vdir, no context file): skipped'));
      continue;
    }
    if (BACKUP_NAME.test(name)) {
      problems.push(problem(dir, 'backup name (isRegularFile skips *~, *.~N~, *.rpmnew, …): util-vserver does not start it on boot; skipped'));
      continue;
    }
    if (await has('legacy')) problems.push(problem(path.join(dir, 'legacy'), 'legacy file: util-vserver runs this guest with its pre-0.30 scripts, which vsgitops does not model'));
    names.push(name);
  }
  for (const f of [...files].sort()) {
    // scripts/vserver: only NAME.conf (no NAME/ dir) → the legacy scripts take over.
    if (f.endsWith('.conf') && !candidates.includes(f.slice(0, -5))) {
      problems.push(problem(path.join(paths.etcVservers, f), `legacy (pre-0.30) guest ${f.slice(0, -5)}: not supported, not observed`));
    }
  }
  return names.sort();
}

async function readGuest(paths: HostPaths, fs: ReadFs, name: string): Promise<GuestRead> {
  const dir = path.join(paths.etcVservers, name);
  const problems: Problem[] = [];
  const tree = await readConfigTree(dir, fs, problems);
  const parsed = parseGuestConfig(dir, tree);
  problems.push(...parsed.problems);
  const g: GuestRead = { name, dir, tree, spec: parsed.spec, managed: false, problems };
  if (parsed.contextFile !== undefined) g.contextFile = parsed.contextFile;
  const nc = tree.get('ncontext');
  const ncText = nc && (nc.kind === 'file' ? nc.content : nc.kind === 'symlink' ? nc.content : undefined);
  const ncFirst = ncText?.split('\n')[0]?.trim();
  if (ncFirst && /^\d+$/.test(ncFirst)) g.nid = Number(ncFirst);
  else if (g.contextFile !== undefined) g.nid = g.contextFile;
  const marker = tree.get(MARKER_FILE);
  if (marker && marker.kind === 'file') {
    g.managed = true;
    try {
      JSON.parse(marker.content);
    } catch {
      problems.push(problem(path.join(dir, MARKER_FILE), 'ownership marker is not valid JSON'));
    }
  }
  g.runXid = await readRunXid(paths, fs, g);
  return g;
}

/** A config dir that could not be read at all is still reported, with its problem. */
function brokenGuest(paths: HostPaths, name: string, err: unknown): GuestRead {
  const dir = path.join(paths.etcVservers, name);
  return {
    name,
    dir,
    tree: new Map(),
    spec: { name, context: 0, nodename: '', runState: 'stopped', startOnBoot: false, initStyle: 'sysv', interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [] },
    managed: false,
    problems: [problem(dir, `cannot read guest configuration: ${err instanceof Error ? err.message : String(err)}`)],
  };
}

// ---------------------------------------------------------------- running rule

/** Config dir paths a guest's VHI `context` name may show (the sim may record its own root or the standard path). */
function expectedContextNames(paths: HostPaths, name: string): string[] {
  const names = [path.join(paths.etcVservers, name)];
  if (paths.kind === 'sim') names.push(path.posix.join('/etc/vservers', name));
  return names;
}

async function contextNameOf(paths: HostPaths, runner: CommandRunner, xid: number): Promise<string | undefined> {
  const r = await runner.run([toolPath(paths, 'vuname'), '-g', '--xid', String(xid), 'context'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  return r.stdout.replace(/\n+$/, '');
}

/**
 * util-vserver: running ⇔ the run file holds an xid, that context's VHI
 * `context` name is this config dir, and its Tasks > 0. The VHI name is not in
 * /proc, and asking `vuname` costs a process, so it is asked only when the
 * files disagree (run xid ≠ `context` file) or several guests claim one xid.
 * Otherwise the run file + Tasks decide.
 */
async function decideRunning(
  paths: HostPaths,
  guests: GuestRead[],
  proc: ProcState,
  runner: CommandRunner | undefined,
): Promise<{ verdicts: Map<string, { running: boolean; stale: boolean; contextName?: string }>; names: Map<number, string> }> {
  const claims = new Map<number, number>();
  for (const g of guests) {
    if (g.runXid === undefined) continue;
    if ((proc.contexts.get(g.runXid)?.status.tasks ?? 0) > 0) claims.set(g.runXid, (claims.get(g.runXid) ?? 0) + 1);
  }
  const nameCache = new Map<number, Promise<string | undefined>>();
  const out = new Map<string, { running: boolean; stale: boolean; contextName?: string }>();
  for (const g of guests) {
    if (g.runXid === undefined) {
      out.set(g.name, { running: false, stale: false });
      continue;
    }
    const xid = g.runXid;
    const tasks = proc.contexts.get(xid)?.status.tasks ?? 0;
    if (tasks <= 0) {
      g.problems.push(problem(path.join(g.dir, 'run'), `stale run file: context ${xid} is not running`));
      out.set(g.name, { running: false, stale: true });
      continue;
    }
    const shared = (claims.get(xid) ?? 0) > 1;
    if (g.contextFile === xid && !shared) {
      out.set(g.name, { running: true, stale: false });
      continue;
    }
    const why = shared ? `context ${xid} is claimed by several run files` : `run file says context ${xid} but the context file says ${g.contextFile ?? 'nothing'}`;
    if (!runner) {
      g.problems.push(problem(path.join(g.dir, 'run'), `${why}; context name not verified (no command runner)`));
      out.set(g.name, { running: !shared, stale: false });
      continue;
    }
    if (!nameCache.has(xid)) nameCache.set(xid, contextNameOf(paths, runner, xid));
    const contextName = await nameCache.get(xid)!;
    const mine = contextName !== undefined && expectedContextNames(paths, g.name).includes(contextName);
    if (mine) {
      if (!shared) g.problems.push(problem(path.join(g.dir, 'context'), `${why}; running at ${xid} (a restart applies the context file)`));
      out.set(g.name, { running: true, stale: false, contextName });
    } else {
      g.problems.push(problem(path.join(g.dir, 'run'), `stale run file: ${why}, and context ${xid} belongs to ${contextName ?? 'an unknown context name'}`));
      out.set(g.name, { running: false, stale: true, ...(contextName !== undefined ? { contextName } : {}) });
    }
  }
  const names = new Map<number, string>();
  for (const [xid, p] of nameCache) {
    const n = await p;
    if (n !== undefined) names.set(xid, n);
  }
  return { verdicts: out, names };
}

/**
 * Live cgroup values of running guests, where util-vserver put their cgroups
 * (§6.12). The host-wide layout inputs are read once, and only if a guest runs.
 */
async function readLiveCgroups(paths: HostPaths, fs: ReadFs, running: GuestRead[], concurrency: number): Promise<Map<string, CgroupSpec>> {
  const out = new Map<string, CgroupSpec>();
  const withCgroup = running.filter((g) => !g.tree.has('nocgroup'));
  if (withCgroup.length === 0) return out;
  const host = await readCgroupHost(paths, fs);
  await mapLimit(withCgroup, concurrency, async (g) => {
    const entry = g.tree.get('cgroup/name');
    const guestName = entry?.kind === 'file' ? entry.content.split('\n')[0]!.trim() || undefined : undefined;
    const layout = resolveCgroupLayout(paths, { ...host, guest: g.name, ...(guestName !== undefined ? { guestName } : {}) });
    const live = await readLiveCgroup(layout, fs);
    if (Object.keys(live).length > 0) out.set(g.name, live);
  });
  return out;
}

// ---------------------------------------------------------------- observeHost

export async function observeHost(paths: HostPaths, deps: ObserveDeps): Promise<ObservedHost> {
  const fs = deps.fs ?? fsp;
  const concurrency = deps.concurrency ?? 32;
  const hostProblems: Problem[] = [];

  const [proc, names] = await Promise.all([readProc(paths, fs, concurrency, hostProblems), listGuestDirs(paths, fs, hostProblems)]);

  const guests = await mapLimit(names, concurrency, async (name) => {
    try {
      return await readGuest(paths, fs, name);
    } catch (err) {
      return brokenGuest(paths, name, err);
    }
  });

  const { verdicts, names: contextNames } = await decideRunning(paths, guests, proc, deps.runner);
  const liveCgroups = await readLiveCgroups(paths, fs, guests.filter((g) => verdicts.get(g.name)!.running), concurrency);
  const explained = new Set<number>();
  const observed: ObservedGuest[] = guests.map((g) => {
    const v = verdicts.get(g.name)!;
    const og: ObservedGuest = {
      spec: { ...g.spec, runState: v.running ? 'running' : 'stopped' },
      running: v.running,
      managed: g.managed,
      staleRunFile: v.stale,
      configDigest: digestConfigTree(g.tree),
    };
    if (v.running && g.runXid !== undefined) {
      explained.add(g.runXid);
      const nid = g.nid !== undefined && g.nid !== g.contextFile ? g.nid : g.runXid;
      og.runtime = runtimeOf(proc.contexts.get(g.runXid)!, proc.nets.get(nid), v.contextName);
      const cg = liveCgroups.get(g.name);
      if (cg) og.runtime.cgroup = cg;
    }
    if (g.problems.length > 0) og.problems = g.problems;
    const extra = unmodelledEntries(g.tree);
    if (extra.length > 0) og.unmodelled = extra;
    return og;
  });

  const unmanagedContexts: UnmanagedContext[] = [...proc.contexts.values()]
    .filter((c) => !explained.has(c.xid))
    .sort((a, b) => a.xid - b.xid)
    .map((c) => {
      const contextName = contextNames.get(c.xid);
      return { xid: c.xid, tasks: c.status.tasks, ...(contextName !== undefined ? { contextName } : {}) };
    });

  const host: Omit<ObservedHost, 'digest'> = {
    hostName: deps.hostName,
    ...(proc.vciVersion !== undefined ? { vciVersion: proc.vciVersion } : {}),
    guests: observed,
    unmanagedContexts,
    ...(hostProblems.length > 0 ? { problems: hostProblems } : {}),
  };
  return { ...host, digest: digestHost(host) };
}
