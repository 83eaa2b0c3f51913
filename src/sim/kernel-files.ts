/**
 * Kernel state on disk, one file per context (issue 12): a command reads and
 * rewrites only the contexts it touches, so it costs the same on a host with
 * 10 or 10,000 guests.
 *
 *   DIR/.sim/kernel/meta.json            boot time, pid and pointer counters, and the
 *                                        counts /proc/virtual/status and
 *                                        /proc/virtnet/status print
 *   DIR/.sim/kernel/ctx/<xid>.json       one SimContext
 *   DIR/.sim/kernel/net/<nid>.json       one SimNetContext
 *   DIR/.sim/kernel/addr/<hex>.json      one host address (`ip addr add` by a start), with its
 *                                        place in the list; looked up by device, ip and prefix
 *   DIR/.sim/kernel/dlimits.json         disk limits (read only by start, stop, vdlimit)
 *
 * `openKernel` returns a KernelState whose `contexts` and `nets` load a file
 * on first access by key; `persistKernel` writes the files whose content
 * changed (each one atomically, tmp + rename) and the meta file last. Callers
 * that change state hold the host lock (store.ts); a reader without it sees
 * each file either before or after a change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VsError } from '../errors.js';
import type { DiskLimit, HostAddress, HostLink, KernelState, SimContext, SimNetContext } from './kernel-state.js';

export const kernelDir = (simDir: string) => path.join(simDir, 'kernel');
export const metaFile = (simDir: string) => path.join(kernelDir(simDir), 'meta.json');
/** The single-file state of earlier versions (migrated on first open). */
export const legacyKernelFile = (simDir: string) => path.join(simDir, 'kernel.json');

/** What /proc/virtual/status and /proc/virtnet/status count, kept so no command lists all contexts. */
export interface KernelCounts {
  contexts: number;
  /** contexts with a space-0 nsproxy */
  spaced: number;
  nets: number;
}

interface Meta {
  format: 2;
  bootTime: number;
  nextPid: number;
  pointerSeq: number;
  /** the next host address's place in the list */
  addrSeq: number;
  counts: KernelCounts;
}

const isId = (k: string | symbol): k is string => typeof k === 'string' && /^(0|[1-9][0-9]*)$/.test(k);

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The entries of `cur` whose JSON differs from the text last read or written (`gone`: the entry is to be removed). */
function changedTexts<V>(cur: Map<string, V>, orig: Map<string, string | null>, gone: (v: V) => boolean): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const [k, v] of cur) {
    const text = gone(v) ? null : JSON.stringify(v);
    if (text !== orig.get(k)) out.push([k, text]);
  }
  return out;
}

/** Writes each changed entry atomically (or removes it) and remembers its text. */
function writeChanges(dir: string, file: (k: string) => string, orig: Map<string, string | null>, changes: [string, string | null][]): void {
  if (changes.length > 0) fs.mkdirSync(dir, { recursive: true });
  for (const [k, text] of changes) {
    if (text === null) fs.rmSync(file(k), { force: true });
    else writeAtomic(file(k), text);
    orig.set(k, text);
  }
}

/** One directory of `<id>.json` files seen as a record, loaded per key. */
class Shard<V> {
  /** value now (undefined: absent) for every key looked at */
  readonly cur = new Map<string, V | undefined>();
  /** file text when loaded or last written (null: no file) */
  readonly orig = new Map<string, string | null>();
  readonly record: Record<string, V>;

  constructor(readonly dir: string) {
    const load = (k: string) => this.load(k);
    this.record = new Proxy({} as Record<string, V>, {
      get: (_t, k) => (isId(k) ? load(k) : undefined),
      set: (_t, k, v) => {
        if (!isId(k)) throw new VsError('SIM', `bad kernel state key ${String(k)}`);
        load(k);
        this.cur.set(k, v as V);
        return true;
      },
      deleteProperty: (_t, k) => {
        if (isId(k)) {
          load(k);
          this.cur.set(k, undefined);
        }
        return true;
      },
      has: (_t, k) => isId(k) && load(k) !== undefined,
      ownKeys: () => this.keys(),
      getOwnPropertyDescriptor: (_t, k) => {
        const v = isId(k) ? load(k) : undefined;
        return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
      },
    });
  }

  file(k: string): string {
    return path.join(this.dir, `${k}.json`);
  }

  load(k: string): V | undefined {
    if (!this.cur.has(k)) {
      const text = readOrNull(this.file(k));
      this.orig.set(k, text);
      this.cur.set(k, text === null ? undefined : (JSON.parse(text) as V));
    }
    return this.cur.get(k);
  }

  /** All ids, ascending (as a plain object's integer keys come): lists the directory. */
  keys(): string[] {
    const ids = new Set<string>();
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      /* none yet */
    }
    for (const n of names) {
      const m = /^(\d+)\.json$/.exec(n);
      if (m) ids.add(m[1]!);
    }
    for (const [k, v] of this.cur) {
      if (v === undefined) ids.delete(k);
      else ids.add(k);
    }
    return [...ids].sort((a, b) => Number(a) - Number(b));
  }

  /** Keys whose value differs from the file, with the new text (null: remove). */
  changes(): [string, string | null][] {
    return changedTexts(this.cur, this.orig, (v) => v === undefined);
  }

  write(changes: [string, string | null][]): void {
    writeChanges(this.dir, (k) => this.file(k), this.orig, changes);
  }
}

/** A whole-file part of the state (host addresses, disk limits), loaded on first access. */
class Lazy<V> {
  value: V | undefined;
  orig: string | null = null;
  constructor(readonly file: string, private readonly empty: () => V) {}
  get(): V {
    if (this.value === undefined) {
      this.orig = readOrNull(this.file);
      this.value = this.orig === null ? this.empty() : (JSON.parse(this.orig) as V);
    }
    return this.value;
  }
  set(v: V): void {
    this.get();
    this.value = v;
  }
  persist(): void {
    if (this.value === undefined) return;
    const text = JSON.stringify(this.value);
    if (text !== this.orig) {
      writeAtomic(this.file, text);
      this.orig = text;
    }
  }
}

type AddrRef = Pick<HostAddress, 'dev' | 'ip' | 'prefix'>;
interface StoredAddr {
  seq: number;
  address: HostAddress;
}
const addrKey = (a: AddrRef) => `${a.dev} ${a.ip} ${a.prefix}`;

/** Host addresses, one file each (named by the hex of "dev ip prefix"), in the order they were added. */
class AddrShard {
  readonly cur = new Map<string, StoredAddr | null>();
  readonly orig = new Map<string, string | null>();
  constructor(readonly dir: string) {}

  file(key: string): string {
    return path.join(this.dir, `${Buffer.from(key).toString('hex')}.json`);
  }

  load(key: string): StoredAddr | null {
    if (!this.cur.has(key)) {
      const text = readOrNull(this.file(key));
      this.orig.set(key, text);
      this.cur.set(key, text === null ? null : (JSON.parse(text) as StoredAddr));
    }
    return this.cur.get(key)!;
  }

  /** Every address in list order (reads them all: for listing, not for start and stop). */
  all(): HostAddress[] {
    const seen = new Map<string, StoredAddr | null>();
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      /* none yet */
    }
    for (const n of names) {
      const m = /^([0-9a-f]+)\.json$/.exec(n);
      if (!m) continue;
      const key = Buffer.from(m[1]!, 'hex').toString();
      if (!this.cur.has(key)) seen.set(key, JSON.parse(fs.readFileSync(path.join(this.dir, n), 'utf8')) as StoredAddr);
    }
    for (const [k, v] of this.cur) seen.set(k, v);
    return [...seen.values()].filter((v): v is StoredAddr => v !== null).sort((a, b) => a.seq - b.seq).map((v) => v.address);
  }

  changes(): [string, string | null][] {
    return changedTexts(this.cur, this.orig, (v) => v === null);
  }

  write(changes: [string, string | null][]): void {
    writeChanges(this.dir, (k) => this.file(k), this.orig, changes);
  }
}

interface Files {
  simDir: string;
  meta: Meta;
  metaText: string;
  ctx: Shard<SimContext>;
  net: Shard<SimNetContext>;
  addrs: AddrShard;
  addrSeq: number;
  dlimits: Lazy<Record<string, DiskLimit>>;
  /** tun/tap and VLAN devices vserver start made (issue 10, iface): few, one small file */
  links: Lazy<HostLink[]>;
}

const open = new WeakMap<KernelState, Files>();

function filesOf(s: KernelState): Files {
  const f = open.get(s);
  if (!f) throw new VsError('SIM', 'kernel state was not opened from a simulated host');
  return f;
}

export function isOpenedKernel(s: KernelState): boolean {
  return open.has(s);
}

function spaced(c: SimContext | null | undefined): boolean {
  return !!c && c.nsproxy[0] !== null;
}

/** Writes a whole in-memory state as a fresh set of files (init, migration). */
export function writeKernelFiles(simDir: string, s: KernelState): void {
  const dir = kernelDir(simDir);
  for (const sub of ['ctx', 'net', 'addr']) {
    fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }
  const ctxs = Object.values(s.contexts);
  for (const c of ctxs) writeAtomic(path.join(dir, 'ctx', `${c.xid}.json`), JSON.stringify(c));
  for (const [nid, n] of Object.entries(s.nets)) writeAtomic(path.join(dir, 'net', `${nid}.json`), JSON.stringify(n));
  const addrs = new AddrShard(path.join(dir, 'addr'));
  s.hostAddresses.forEach((address, seq) => addrs.cur.set(addrKey(address), { seq, address }));
  addrs.write(addrs.changes());
  writeAtomic(path.join(dir, 'dlimits.json'), JSON.stringify(s.dlimits));
  if (s.hostLinks && s.hostLinks.length > 0) writeAtomic(path.join(dir, 'links.json'), JSON.stringify(s.hostLinks));
  else fs.rmSync(path.join(dir, 'links.json'), { force: true });
  const counts: KernelCounts = { contexts: ctxs.length, spaced: ctxs.filter(spaced).length, nets: Object.keys(s.nets).length };
  const meta: Meta = { format: 2, bootTime: s.bootTime, nextPid: s.nextPid, pointerSeq: s.pointerSeq, addrSeq: s.hostAddresses.length, counts };
  writeAtomic(metaFile(simDir), JSON.stringify(meta));
}

/** Opens the state lazily; null when the host has no state in this layout. */
export function openKernel(simDir: string): KernelState | null {
  const metaText = readOrNull(metaFile(simDir));
  if (metaText === null) return null;
  const meta = JSON.parse(metaText) as Meta;
  const dir = kernelDir(simDir);
  const f: Files = {
    simDir,
    meta,
    metaText,
    ctx: new Shard<SimContext>(path.join(dir, 'ctx')),
    net: new Shard<SimNetContext>(path.join(dir, 'net')),
    addrs: new AddrShard(path.join(dir, 'addr')),
    addrSeq: meta.addrSeq,
    dlimits: new Lazy<Record<string, DiskLimit>>(path.join(dir, 'dlimits.json'), () => ({})),
    links: new Lazy<HostLink[]>(path.join(dir, 'links.json'), () => []),
  };
  const s = {
    version: 1,
    bootTime: meta.bootTime,
    nextPid: meta.nextPid,
    pointerSeq: meta.pointerSeq,
    contexts: f.ctx.record,
    nets: f.net.record,
  } as KernelState;
  // a listing (frozen: changes go through addHostAddress / removeHostAddress)
  Object.defineProperty(s, 'hostAddresses', { enumerable: true, get: () => Object.freeze(f.addrs.all()) });
  Object.defineProperty(s, 'dlimits', { enumerable: true, get: () => f.dlimits.get(), set: (v: Record<string, DiskLimit>) => f.dlimits.set(v) });
  Object.defineProperty(s, 'hostLinks', { enumerable: true, get: () => f.links.get(), set: (v: HostLink[]) => f.links.set(v) });
  open.set(s, f);
  return s;
}

/** Every context looked at so far (undefined: absent or removed). */
export function loadedContexts(s: KernelState): Map<string, SimContext | undefined> {
  return filesOf(s).ctx.cur;
}

export function kernelCounts(s: KernelState): KernelCounts {
  return filesOf(s).meta.counts;
}

export interface Persisted {
  /** ids whose file was written or removed */
  xids: string[];
  nids: string[];
}

/**
 * Writes what changed since the state was opened (or last persisted): context
 * and network files, host addresses, disk limits, then the meta file with the
 * counts adjusted. Returns the ids that changed.
 */
export function persistKernel(s: KernelState): Persisted {
  const f = filesOf(s);
  const cc = f.ctx.changes();
  const nc = f.net.changes();
  const counts = { ...f.meta.counts };
  for (const [k] of cc) {
    const before = f.ctx.orig.get(k) ?? null;
    const was = before === null ? null : (JSON.parse(before) as SimContext);
    const now = f.ctx.cur.get(k);
    counts.contexts += (now ? 1 : 0) - (was ? 1 : 0);
    counts.spaced += (spaced(now) ? 1 : 0) - (spaced(was) ? 1 : 0);
  }
  for (const [k, text] of nc) counts.nets += (text !== null ? 1 : 0) - (f.net.orig.get(k) != null ? 1 : 0);
  f.ctx.write(cc);
  f.net.write(nc);
  f.addrs.write(f.addrs.changes());
  f.dlimits.persist();
  f.links.persist();
  f.meta = { format: 2, bootTime: s.bootTime, nextPid: s.nextPid, pointerSeq: s.pointerSeq, addrSeq: f.addrSeq, counts };
  const metaText = JSON.stringify(f.meta);
  if (metaText !== f.metaText) {
    writeAtomic(metaFile(f.simDir), metaText);
    f.metaText = metaText;
  }
  return { xids: cc.map(([k]) => k), nids: nc.map(([k]) => k) };
}

/** Is this address (device, ip, prefix) on the host? Reads one file. */
export function hasHostAddress(s: KernelState, a: AddrRef): boolean {
  const f = open.get(s);
  if (!f) return s.hostAddresses.some((x) => addrKey(x) === addrKey(a));
  return f.addrs.load(addrKey(a)) !== null;
}

/** `ip addr add`: appends the address unless the device has it already. */
export function addHostAddress(s: KernelState, a: HostAddress): void {
  if (hasHostAddress(s, a)) return;
  const f = open.get(s);
  if (!f) s.hostAddresses.push(a);
  else f.addrs.cur.set(addrKey(a), { seq: f.addrSeq++, address: a });
}

/** `ip addr del`: false when the device does not have the address. */
export function removeHostAddress(s: KernelState, a: AddrRef): boolean {
  const f = open.get(s);
  if (!f) {
    const i = s.hostAddresses.findIndex((x) => addrKey(x) === addrKey(a));
    if (i >= 0) s.hostAddresses.splice(i, 1);
    return i >= 0;
  }
  if (f.addrs.load(addrKey(a)) === null) return false;
  f.addrs.cur.set(addrKey(a), null);
  return true;
}

/** A plain copy of the whole state (lists every context: for tests and tools, not for commands). */
export function kernelSnapshot(s: KernelState): KernelState {
  return JSON.parse(JSON.stringify(s)) as KernelState;
}
