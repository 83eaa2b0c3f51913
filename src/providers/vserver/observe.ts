/**
 * Observes a Linux-VServer host: running contexts from /proc/virtual and
 * /proc/virtnet, configured guests from /etc/vservers, combined with
 * util-vserver's own "running" rule (reference §7.1).
 *
 * Linear by design: every file is read once, synchronously (issue 12: one
 * promise per small file cost several times the read itself), a guest at a
 * time; each guest's config digest is taken as it is read and its raw tree
 * dropped. The event loop gets a turn between batches of guests. No process is
 * spawned unless the files are ambiguous (see `decideRunning`).
 */
import nodeFs from 'node:fs';
import path from 'node:path';
import { VsError, type Problem } from '../../errors.js';
import { LIMIT_NAMES, type CgroupSpec, type LimitName, type LimitValue, type ObservedGuest, type ObservedHost, type RuntimeState, type UnmanagedContext } from '../../model/guest.js';
import type { CommandRunner } from '../command-runner.js';
import { readCgroupHostSync, readLiveCgroupSync, resolveCgroupLayout } from './cgroup-layout.js';
import { parseGuestConfig, problem, readConfigTreeSync, stampConfigTreeSync, type ConfigEntry, type ReadFs } from './config-read.js';
import { GuestConfigCache, type ObserveCacheOptions } from './observe-cache.js';
export type { ObserveCacheOptions, ObserveCacheStats } from './observe-cache.js';
import { digestConfigTree, digestHost } from './digest.js';
import { unmodelledEntries } from './unmodelled.js';
import { initxPaths } from '../../model/initx-rules.js'; // issue 10 (initx)
import { toolPath, type HostPaths } from './host-paths.js';
import { hex16 } from '../../model/names.js';
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
  /** guests read between two turns of the event loop (default 256) */
  batch?: number;
  /**
   * Kept by a long-running caller (the agent) between observations: a guest
   * whose config tree is unchanged since its last read is not read again (see
   * `ObserveCache`). One-shot commands leave it out and read everything.
   */
  cache?: ObserveCache;
}

const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

function readOptional(fs: ReadFs, file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
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

function listIds(fs: ReadFs, dir: string): number[] | undefined {
  try {
    const names = fs.readdirSync(dir);
    return names.filter((n) => ID_DIR.test(n)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new VsError('HOST', `cannot list ${dir}: ${(err as Error).message}`, { file: dir });
  }
}

/** One context's status, info, limits and UTS names; undefined when it went away. */
function readContext(fs: ReadFs, virtual: string, xid: number): ContextState | undefined {
  const dir = path.join(virtual, String(xid));
  const file = (n: string) => path.join(dir, n);
  const statusText = readOptional(fs, file('status'));
  if (statusText === undefined) return undefined; // context went away
  const ctx: ContextState = { xid, status: parseXidStatus(statusText, file('status')) };
  const infoText = readOptional(fs, file('info'));
  const limitText = readOptional(fs, file('limit'));
  const nsText = readOptional(fs, file('nsproxy'));
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
export function readContextRuntime(paths: HostPaths, xid: number, fs: ReadFs = nodeFs): RuntimeState | undefined {
  const virtual = path.join(paths.proc, 'virtual');
  if (!(listIds(fs, virtual) ?? []).includes(xid)) return undefined;
  const ctx = readContext(fs, virtual, xid);
  return ctx ? runtimeOf(ctx, undefined, undefined) : undefined;
}

/** Reads every context and network context. A context that vanishes while being read is skipped. */
export function readProc(paths: HostPaths, fs: ReadFs, problems: Problem[]): ProcState {
  const virtual = path.join(paths.proc, 'virtual');
  const virtnet = path.join(paths.proc, 'virtnet');
  const state: ProcState = { contexts: new Map(), nets: new Map() };
  const info = readOptional(fs, path.join(virtual, 'info'));
  if (info === undefined) {
    // Planning against a host whose contexts cannot be seen would call every guest stopped
    // and every change safe: refuse, naming what is missing.
    throw new VsError('NOT_VSERVER_HOST', `${path.join(virtual, 'info')} does not exist: this is not a Linux-VServer host (the running kernel has no VServer patch, or /proc is not mounted); nothing was planned or changed`, { file: path.join(virtual, 'info') });
  }
  state.vciVersion = parseVciInfo(info, path.join(virtual, 'info')).vciVersion;

  for (const xid of listIds(fs, virtual) ?? []) {
    try {
      const ctx = readContext(fs, virtual, xid);
      if (ctx) state.contexts.set(xid, ctx);
    } catch (err) {
      problems.push(problem(path.join(virtual, String(xid)), err instanceof Error ? err.message : String(err)));
    }
  }

  for (const nid of listIds(fs, virtnet) ?? []) {
    const f = path.join(virtnet, String(nid), 'info');
    try {
      const text = readOptional(fs, f);
      if (text !== undefined) state.nets.set(nid, parseNetInfo(text, f));
    } catch (err) {
      problems.push(problem(f, err instanceof Error ? err.message : String(err)));
    }
  }
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

/** What observe keeps of a config dir once it is read (the raw tree is dropped). */
export interface GuestRead {
  name: string;
  dir: string;
  configDigest: string;
  /** the `run` entry (file or link) */
  run?: ConfigEntry;
  nocgroup: boolean;
  /** first line of `cgroup/name`, if set */
  cgroupName?: string;
  spec: ObservedGuest['spec'];
  contextFile?: number;
  /** nid: `ncontext`, else the context id */
  nid?: number;
  runXid?: number;
  managed: boolean;
  problems: Problem[];
  /** config entries vsgitops does not model (kept as is, not managed) */
  unmodelled?: ReturnType<typeof unmodelledEntries>;
}

/** Where a `run` link points on this host (a simulated host keeps run files under DIR). */
export function resolveRunTarget(paths: HostPaths, dir: string, target: string): string {
  if (!path.isAbsolute(target)) return path.resolve(dir, target);
  if (paths.kind === 'local' || target === paths.root || target.startsWith(paths.root + path.sep)) return target;
  const std = '/var/run/vservers/';
  if (target.startsWith(std)) return path.join(paths.runDir, target.slice(std.length));
  return path.join(paths.root, target);
}

function readRunXid(paths: HostPaths, fs: ReadFs, g: GuestRead): number | undefined {
  const e = g.run;
  if (!e) return undefined;
  let text: string | undefined;
  let where = path.join(g.dir, 'run');
  if (e.kind === 'file') text = e.content;
  else if (e.kind === 'symlink') {
    where = resolveRunTarget(paths, g.dir, e.target);
    try {
      text = readOptional(fs, where);
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

function listGuestDirs(paths: HostPaths, fs: ReadFs, problems: Problem[]): string[] {
  let entries;
  try {
    entries = fs.readdirSync(paths.etcVservers, { withFileTypes: true });
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
        const st = fs.statSync(path.join(paths.etcVservers, e.name));
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
    const has = (f: string) => {
      try {
        fs.lstatSync(path.join(dir, f));
        return true;
      } catch {
        return false;
      }
    };
    if (!has('vdir') && !has('context')) {
      problems.push(problem(dir, 'not a guest (no vdir, no context file): skipped'));
      continue;
    }
    if (BACKUP_NAME.test(name)) {
      problems.push(problem(dir, 'backup name (isRegularFile skips *~, *.~N~, *.rpmnew, …): util-vserver does not start it on boot; skipped'));
      continue;
    }
    if (has('legacy')) problems.push(problem(path.join(dir, 'legacy'), 'legacy file: util-vserver runs this guest with its pre-0.30 scripts, which vsgitops does not model'));
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

/** What a config dir alone says (no run file target, no /proc): what the agent's cache may keep. */
function readGuestConfig(paths: HostPaths, fs: ReadFs, name: string): GuestRead {
  const dir = path.join(paths.etcVservers, name);
  const problems: Problem[] = [];
  const tree = readConfigTreeSync(dir, fs, problems);
  const parsed = parseGuestConfig(dir, tree);
  problems.push(...parsed.problems);
  const cgroupName = tree.get('cgroup/name');
  const g: GuestRead = {
    name,
    dir,
    configDigest: digestConfigTree(tree),
    nocgroup: tree.has('nocgroup'),
    spec: parsed.spec,
    managed: false,
    problems,
  };
  const run = tree.get('run');
  if (run) g.run = run;
  if (cgroupName?.kind === 'file') {
    const first = cgroupName.content.split('\n')[0]!.trim();
    if (first) g.cgroupName = first;
  }
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
  const extra = unmodelledEntries(tree, initxPaths(parsed.spec)); // issue 10 (initx): modelled paths are not "kept as is"
  if (extra.length > 0) g.unmodelled = extra;
  return g;
}

function readGuest(paths: HostPaths, fs: ReadFs, name: string): GuestRead {
  const g = readGuestConfig(paths, fs, name);
  g.runXid = readRunXid(paths, fs, g);
  return g;
}

/** The agent's cache: observe's per-guest config reads, kept between observations. */
export type ObserveCache = GuestConfigCache<GuestRead>;

/** A cache for `ObserveDeps.cache` (the agent keeps one per running configuration). */
export function createObserveCache(opts: ObserveCacheOptions): ObserveCache {
  return new GuestConfigCache<GuestRead>(opts);
}

/** A guest's own copy of a cached read: later steps add problems and the result goes to callers. */
function copyRead(g: GuestRead): GuestRead {
  const c: GuestRead = { ...g, spec: copyData(g.spec), problems: [...g.problems] };
  if (g.unmodelled) c.unmodelled = copyData(g.unmodelled);
  return c;
}

/** A deep copy of plain data (objects, arrays, scalars): a tenth of structuredClone's cost on a spec. */
function copyData<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyData) as T;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) o[k] = copyData((v as Record<string, unknown>)[k]);
  return o as T;
}

/**
 * readGuest through the cache: the config tree is stamped first (one lstat per
 * entry), and read only when the cache cannot vouch for its previous read.
 * The run file's target is read every time (it changes with the context, not
 * the config dir).
 */
function readGuestCached(paths: HostPaths, fs: ReadFs, name: string, cache: ObserveCache): GuestRead {
  const dir = path.join(paths.etcVservers, name);
  const startedAt = cache.now();
  let stamped: { stamp: string; newest: number } | undefined;
  try {
    stamped = stampConfigTreeSync(dir, fs, cache);
  } catch {
    stamped = undefined; // a vanishing entry, an unreadable dir: read it and report what the read finds
  }
  let read = stamped ? cache.reuse(name, stamped.stamp) : undefined;
  if (!read) {
    read = readGuestConfig(paths, fs, name);
    if (stamped) cache.store(name, stamped.stamp, stamped.newest, startedAt, read);
    else cache.drop(name);
  }
  const g = copyRead(read);
  g.runXid = readRunXid(paths, fs, g);
  return g;
}

/** A config dir that could not be read at all is still reported, with its problem. */
function brokenGuest(paths: HostPaths, name: string, err: unknown): GuestRead {
  const dir = path.join(paths.etcVservers, name);
  return {
    name,
    dir,
    configDigest: digestConfigTree(new Map()),
    nocgroup: false,
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
function readLiveCgroups(paths: HostPaths, fs: ReadFs, running: GuestRead[]): Map<string, CgroupSpec> {
  const out = new Map<string, CgroupSpec>();
  const withCgroup = running.filter((g) => !g.nocgroup);
  if (withCgroup.length === 0) return out;
  const host = readCgroupHostSync(paths, fs);
  for (const g of withCgroup) {
    const layout = resolveCgroupLayout(paths, { ...host, guest: g.name, ...(g.cgroupName !== undefined ? { guestName: g.cgroupName } : {}) });
    const live = readLiveCgroupSync(layout, fs);
    if (Object.keys(live).length > 0) out.set(g.name, live);
  }
  return out;
}

// ---------------------------------------------------------------- observeHost

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function observeHost(paths: HostPaths, deps: ObserveDeps): Promise<ObservedHost> {
  const fs = deps.fs ?? nodeFs;
  const batch = Math.max(1, deps.batch ?? 256);
  const hostProblems: Problem[] = [];

  const proc = readProc(paths, fs, hostProblems);
  const names = listGuestDirs(paths, fs, hostProblems);

  // one observation at a time uses the cache; an overlapping one reads everything
  const cache = deps.cache?.begin([...proc.contexts.keys()]) ? deps.cache : undefined;
  const guests: GuestRead[] = [];
  try {
    for (let i = 0; i < names.length; i++) {
      if (i > 0 && i % batch === 0) await yieldToEventLoop();
      const name = names[i]!;
      try {
        guests.push(cache ? readGuestCached(paths, fs, name, cache) : readGuest(paths, fs, name));
      } catch (err) {
        cache?.forget(name);
        guests.push(brokenGuest(paths, name, err));
      }
    }
    cache?.end(new Set(names));
  } finally {
    cache?.release();
  }

  const { verdicts, names: contextNames } = await decideRunning(paths, guests, proc, deps.runner);
  const liveCgroups = readLiveCgroups(paths, fs, guests.filter((g) => verdicts.get(g.name)!.running));
  const explained = new Set<number>();
  const observed: ObservedGuest[] = guests.map((g) => {
    const v = verdicts.get(g.name)!;
    const og: ObservedGuest = {
      spec: { ...g.spec, runState: v.running ? 'running' : 'stopped' },
      running: v.running,
      managed: g.managed,
      staleRunFile: v.stale,
      configDigest: g.configDigest,
    };
    if (v.running && g.runXid !== undefined) {
      explained.add(g.runXid);
      const nid = g.nid !== undefined && g.nid !== g.contextFile ? g.nid : g.runXid;
      og.runtime = runtimeOf(proc.contexts.get(g.runXid)!, proc.nets.get(nid), v.contextName);
      const cg = liveCgroups.get(g.name);
      if (cg) og.runtime.cgroup = cg;
    }
    if (g.problems.length > 0) og.problems = g.problems;
    if (g.unmodelled) og.unmodelled = g.unmodelled;
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
