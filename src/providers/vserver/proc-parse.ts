/**
 * Pure parsers for the kernel's /proc/virtual and /proc/virtnet files
 * (reference §1; vs2.3.9 = G4, with the G2 variants where they are cheap).
 * Each takes the file text and the file name (for error messages) and throws
 * VsError('HOST') when the text is not in a known format. Kernel pointer
 * fields (`Info:`, `NSProxy:` addresses, `Namespace:` address) are never
 * interpreted: at most we note whether a pointer printed as `(null)`.
 */
import { VsError } from '../../errors.js';
import type { LimitName, LimitValue } from '../../model/guest.js';

function bad(file: string, msg: string): never {
  throw new VsError('HOST', `${file}: ${msg}`, { file });
}

/** `Key:\tvalue` lines → map (value with the separator whitespace removed, trailing blanks kept out). */
function keyValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    m.set(line.slice(0, i), line.slice(i + 1).replace(/^[\t ]+/, '').replace(/\s+$/, ''));
  }
  return m;
}

function need(m: Map<string, string>, key: string, file: string): string {
  const v = m.get(key);
  if (v === undefined) bad(file, `missing "${key}:" line`);
  return v;
}

function int(s: string, file: string, what: string): number {
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) bad(file, `${what}: not an integer: "${s}"`);
  return Number(t);
}

function hex(s: string, file: string, what: string): bigint {
  const t = s.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]+$/.test(t)) bad(file, `${what}: not a hex number: "${s}"`);
  return BigInt('0x' + t);
}

function ints(s: string, file: string, what: string): number[] {
  const parts = s.trim().split(/\s+/).filter((x) => x !== '');
  return parts.map((p) => int(p, file, what));
}

// ---------------------------------------------------------------- info / status

export interface VciInfo {
  /** "0002:0308" */
  vciVersion: string;
  /** 0x00020308 as a number */
  api: number;
  syscall: number;
  /** VCIKernel as 8 hex digits */
  kernelConfig: string;
}

/** /proc/virtual/info and /proc/virtnet/info. */
export function parseVciInfo(text: string, file = 'info'): VciInfo {
  const m = keyValues(text);
  const ver = need(m, 'VCIVersion', file);
  const mm = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(ver);
  if (!mm) bad(file, `VCIVersion: unexpected "${ver}"`);
  const kernel = need(m, 'VCIKernel', file);
  hex(kernel, file, 'VCIKernel');
  return {
    vciVersion: ver.toLowerCase(),
    api: parseInt(mm[1]!, 16) * 0x10000 + parseInt(mm[2]!, 16),
    syscall: int(need(m, 'VCISyscall', file), file, 'VCISyscall'),
    kernelConfig: kernel.toLowerCase(),
  };
}

export interface VirtualStatus {
  cTotal: number;
  cActive: number;
  /** kernel-internal counters; G4: 7 numbers, G2: 5 (absent in /proc/virtnet/status) */
  nsProxy?: number[];
  /** G4 only: init task usage, init nsproxy refcount, init fs users */
  initTask?: number[];
}

/** /proc/virtual/status (G2/G4) and /proc/virtnet/status. */
export function parseVirtualStatus(text: string, file = 'status'): VirtualStatus {
  const m = keyValues(text);
  const out: VirtualStatus = {
    cTotal: int(need(m, '#CTotal', file), file, '#CTotal'),
    cActive: int(need(m, '#CActive', file), file, '#CActive'),
  };
  const ns = m.get('#NSProxy');
  if (ns !== undefined) out.nsProxy = ints(ns, file, '#NSProxy');
  const it = m.get('#InitTask');
  if (it !== undefined) out.initTask = ints(it, file, '#InitTask');
  return out;
}

// ---------------------------------------------------------------- per-xid

export interface XidInfo {
  id: number;
  /** pid of the context's init, 0 when none was registered */
  init: number;
  /** G4 only */
  oom?: number;
}

export function parseXidInfo(text: string, file = 'info'): XidInfo {
  const m = keyValues(text);
  const out: XidInfo = {
    id: int(need(m, 'ID', file), file, 'ID'),
    init: int(need(m, 'Init', file), file, 'Init'),
  };
  const oom = m.get('OOM');
  if (oom !== undefined) out.oom = int(oom, file, 'OOM');
  return out;
}

export interface XidStatus {
  useCnt: number;
  /** util-vserver's "is running" number (> 0) */
  tasks: number;
  flags: bigint;
  bcaps: bigint;
  ccaps: bigint;
  /** G4 only (space-padded hex in the file) */
  umask?: bigint;
  wmask?: bigint;
  /** G4: two masks (space 0, space 1); G2: one */
  spaces: bigint[];
}

export function parseXidStatus(text: string, file = 'status'): XidStatus {
  const m = keyValues(text);
  const out: XidStatus = {
    useCnt: int(need(m, 'UseCnt', file), file, 'UseCnt'),
    tasks: int(need(m, 'Tasks', file), file, 'Tasks'),
    flags: hex(need(m, 'Flags', file), file, 'Flags'),
    // G4 prints one %08x per capability word, most significant first, without separators.
    bcaps: hex(need(m, 'BCaps', file), file, 'BCaps'),
    ccaps: hex(need(m, 'CCaps', file), file, 'CCaps'),
    spaces: [],
  };
  const um = m.get('Umask');
  if (um !== undefined) out.umask = hex(um, file, 'Umask');
  const wm = m.get('Wmask');
  if (wm !== undefined) out.wmask = hex(wm, file, 'Wmask');
  const sp = m.get('Spaces');
  if (sp !== undefined) out.spaces = sp.split(/\s+/).filter(Boolean).map((w) => hex(w, file, 'Spaces'));
  return out;
}

/** The 15 rows of `limit`, in the kernel's order. */
export const LIMIT_ROWS = ['PROC', 'VM', 'VML', 'RSS', 'ANON', 'RMAP', 'FILES', 'OFD', 'LOCKS', 'SOCK', 'MSGQ', 'SHM', 'SEMA', 'SEMS', 'DENT'] as const;
export type LimitRowName = (typeof LIMIT_ROWS)[number];

/** `limit` row → the model's limit name (only the limits a G4 kernel can set). */
export const ROW_TO_LIMIT: Partial<Record<LimitRowName, LimitName>> = {
  PROC: 'nproc',
  FILES: 'nofile',
  LOCKS: 'locks',
  MSGQ: 'msgqueue',
  SOCK: 'nsock',
  OFD: 'openfd',
  SHM: 'shmem',
  DENT: 'dentry',
};

export interface LimitRow {
  current: number;
  /** watermarks of `current`, not limits */
  min: number;
  max: number;
  soft: LimitValue;
  hard: LimitValue;
  hits: number;
}

const limitValue = (s: string, file: string, what: string): LimitValue => {
  const n = int(s, file, what);
  return n < 0 ? 'inf' : n;
};

/** `limit` (G2–G4 15-row table with header; G1 rows without header: current, max, limit, hits). */
export function parseLimit(text: string, file = 'limit'): Partial<Record<LimitRowName, LimitRow>> {
  const out: Partial<Record<LimitRowName, LimitRow>> = {};
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    if (line.startsWith('Limit\t') || line.startsWith('Limit ')) continue;
    const mm = /^([A-Z]+):\s+(.*)$/.exec(line);
    if (!mm) bad(file, `unexpected line "${line}"`);
    const name = mm[1] as LimitRowName;
    if (!(LIMIT_ROWS as readonly string[]).includes(name)) bad(file, `unknown limit row "${mm[1]}"`);
    const rest = mm[2]!;
    const g4 = /^(-?\d+)\s+(-?\d+)\/\s*(-?\d+)\s+(-?\d+)\/\s*(-?\d+)\s+(-?\d+)$/.exec(rest.trim());
    if (g4) {
      out[name] = {
        current: int(g4[1]!, file, name),
        min: int(g4[2]!, file, name),
        max: int(g4[3]!, file, name),
        soft: limitValue(g4[4]!, file, name),
        hard: limitValue(g4[5]!, file, name),
        hits: int(g4[6]!, file, name),
      };
      continue;
    }
    const g1 = /^(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)$/.exec(rest.trim());
    if (g1) {
      const lim = limitValue(g1[3]!, file, name);
      out[name] = { current: int(g1[1]!, file, name), min: 0, max: int(g1[2]!, file, name), soft: lim, hard: lim, hits: int(g1[4]!, file, name) };
      continue;
    }
    bad(file, `row ${name}: unexpected columns "${rest}"`);
  }
  if (Object.keys(out).length === 0) bad(file, 'no limit rows');
  return out;
}

export interface SchedCpu {
  cpu: number;
  user: number;
  sys: number;
  hold: number;
  /** G4: per-CPU prio bias; G2: last columns (prio_bias) */
  prioBias: number;
}

export interface Sched {
  generation: 'G4' | 'G2';
  prioBias: number;
  cpus: SchedCpu[];
  /** G2 token bucket */
  fillRate?: [number, number];
  interval?: [number, number];
  tokensMin?: number;
  tokensMax?: number;
}

export function parseSched(text: string, file = 'sched'): Sched {
  const m = keyValues(text.split('\n').filter((l) => !l.startsWith('cpu ')).join('\n'));
  const cpus: SchedCpu[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu ')) continue;
    const mm = /^cpu (\d+): (.*)$/.exec(line);
    if (!mm) bad(file, `unexpected line "${line}"`);
    const f = mm[2]!.trim().split(/\s+/);
    if (f.length === 4) {
      const [u, s, h, p] = f.map((x) => int(x, file, 'cpu'));
      cpus.push({ cpu: Number(mm[1]), user: u!, sys: s!, hold: h!, prioBias: p! });
    } else if (f.length >= 13) {
      // G2: user sys hold token_time idle_time flags tokens min max fr/iv fr2/iv2 prio_bias vavavoom
      cpus.push({ cpu: Number(mm[1]), user: int(f[0]!, file, 'cpu'), sys: int(f[1]!, file, 'cpu'), hold: int(f[2]!, file, 'cpu'), prioBias: int(f[11]!, file, 'cpu') });
    } else {
      bad(file, `unexpected cpu line "${line}"`);
    }
  }
  const prioBias = int(need(m, 'PrioBias', file), file, 'PrioBias');
  const fr = m.get('FillRate');
  if (fr === undefined) return { generation: 'G4', prioBias, cpus };
  const pair = (s: string, what: string): [number, number] => {
    const p = s.split(',').map((x) => int(x, file, what));
    if (p.length !== 2) bad(file, `${what}: expected "a,b", got "${s}"`);
    return [p[0]!, p[1]!];
  };
  return {
    generation: 'G2',
    prioBias,
    cpus,
    fillRate: pair(fr, 'FillRate'),
    interval: pair(need(m, 'Interval', file), 'Interval'),
    tokensMin: int(need(m, 'TokensMin', file), file, 'TokensMin'),
    tokensMax: int(need(m, 'TokensMax', file), file, 'TokensMax'),
  };
}

export interface Cvirt {
  /** seconds with centiseconds, as printed ("6.64") */
  biasUptime: string;
  nrThreads: number;
  nrRunning: number;
  nrUnintr: number;
  nrOnhold: number;
  loadUpdates: number;
  loadavg: [string, string, string];
  totalForks: number;
}

export function parseCvirt(text: string, file = 'cvirt'): Cvirt {
  const m = keyValues(text);
  const bias = need(m, 'BiasUptime', file);
  if (!/^\d+\.\d{2}$/.test(bias)) bad(file, `BiasUptime: unexpected "${bias}"`);
  const la = need(m, 'loadavg', file).split(/\s+/);
  if (la.length !== 3 || !la.every((x) => /^\d+\.\d{2}$/.test(x))) bad(file, `loadavg: unexpected "${la.join(' ')}"`);
  const n = (k: string) => int(need(m, k, file), file, k);
  return {
    biasUptime: bias,
    nrThreads: n('nr_threads'),
    nrRunning: n('nr_running'),
    nrUnintr: n('nr_unintr'),
    nrOnhold: n('nr_onhold'),
    loadUpdates: n('load_updates'),
    loadavg: [la[0]!, la[1]!, la[2]!],
    totalForks: n('total_forks'),
  };
}

export interface CacctCounter {
  count: number;
  bytes: number;
}
export interface Cacct {
  sockets: Record<string, { recv: CacctCounter; send: CacctCounter; fail: CacctCounter }>;
  slab: number[];
  pages: number[][];
}

export function parseCacct(text: string, file = 'cacct'): Cacct {
  const out: Cacct = { sockets: {}, slab: [], pages: [] };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('Type')) continue;
    let mm = /^(UNSPEC|UNIX|INET|INET6|PACKET|OTHER):\t(.*)$/.exec(line);
    if (mm) {
      const pairs = [...mm[2]!.matchAll(/(\d+)\/(\d+)/g)].map((p) => ({ count: Number(p[1]), bytes: Number(p[2]) }));
      if (pairs.length !== 3) bad(file, `row ${mm[1]}: expected 3 counters`);
      out.sockets[mm[1]!] = { recv: pairs[0]!, send: pairs[1]!, fail: pairs[2]! };
      continue;
    }
    mm = /^slab:\s+(.*)$/.exec(line);
    if (mm) {
      out.slab = ints(mm[1]!, file, 'slab');
      continue;
    }
    mm = /^page\[(\d+)\]:\s+(.*)$/.exec(line);
    if (mm) {
      out.pages[Number(mm[1])] = ints(mm[2]!, file, 'page');
      continue;
    }
    bad(file, `unexpected line "${line}"`);
  }
  return out;
}

export interface Uts {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  /** undefined when the kernel prints `(none)` (not set) */
  domainname?: string;
}

export interface NsProxy {
  /** which namespace pointers were non-NULL (the values themselves are never read) */
  has: { mnt: boolean; uts: boolean; ipc: boolean };
  /** mount namespace refcount `[#N]` */
  mntRefs?: number;
  rootPath?: string;
  uts?: Uts;
  sems?: number[];
  msg?: number[];
  /** SHM values exceed 2^53 (e.g. 18446744073692774399): kept as bigint */
  shm?: bigint[];
}

/** nsproxy / nsproxy1. Returns null for an empty file (context without that space). */
export function parseNsProxy(text: string, file = 'nsproxy'): NsProxy | null {
  if (text.trim() === '') return null;
  const m = keyValues(text);
  const head = need(m, 'NSProxy', file);
  const br = /\[([^\]]*)\]/.exec(head);
  if (!br) bad(file, `NSProxy: unexpected "${head}"`);
  const ptrs = br[1]!.split(',').map((p) => p.trim());
  if (ptrs.length !== 3) bad(file, `NSProxy: expected 3 namespace pointers`);
  const isSet = (p: string) => p !== '(null)' && !/^0+$/.test(p);
  const out: NsProxy = { has: { mnt: isSet(ptrs[0]!), uts: isSet(ptrs[1]!), ipc: isSet(ptrs[2]!) } };
  const ns = m.get('Namespace');
  if (ns !== undefined) {
    const r = /\[#(\d+)\]/.exec(ns);
    if (r) out.mntRefs = Number(r[1]);
  }
  const rp = m.get('RootPath');
  if (rp !== undefined) out.rootPath = rp;
  if (m.has('NodeName')) {
    // UTS values are printed raw (%.*s): keep them exactly, only the separator TAB is dropped.
    const raw = (k: string) => {
      const line = text.split('\n').find((l) => l.startsWith(k + ':\t'));
      return line === undefined ? '' : line.slice(k.length + 2);
    };
    const dom = raw('DomainName');
    out.uts = {
      sysname: raw('SysName'),
      nodename: raw('NodeName'),
      release: raw('Release'),
      version: raw('Version'),
      machine: raw('Machine'),
      ...(dom === '(none)' || dom === '' ? {} : { domainname: dom }),
    };
  }
  const sems = m.get('SEMS');
  if (sems !== undefined) out.sems = ints(sems, file, 'SEMS');
  const msg = m.get('MSG');
  if (msg !== undefined) out.msg = ints(msg, file, 'MSG');
  const shm = m.get('SHM');
  if (shm !== undefined) {
    const parts = shm.trim().split(/\s+/);
    if (!parts.every((p) => /^-?\d+$/.test(p))) bad(file, `SHM: unexpected "${shm}"`);
    out.shm = parts.map((p) => BigInt(p));
  }
  return out;
}

// ---------------------------------------------------------------- virtnet

export interface NetV4Entry {
  index: number;
  address: string;
  /** range end; undefined for single addresses (printed as 0.0.0.0) */
  rangeEnd?: string;
  mask: string;
  prefix: number;
  /** NXA type bits as 4 hex digits ("0010" = ADDR) */
  type: string;
}

export interface NetV6Entry {
  index: number;
  /** canonical (compressed) text form */
  address: string;
  prefix: number;
  type: string;
}

export interface NetInfo {
  id: number;
  /** G4 only */
  bcast?: string;
  lback?: string;
  v4: NetV4Entry[];
  v6: NetV6Entry[];
}

const IPV4 = String.raw`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`;
const V4_RE = new RegExp(String.raw`^(\d+):\t\[(${IPV4})-(${IPV4})\/(${IPV4}):([0-9a-fA-F]{4})\]$`);
const V4_G2_RE = new RegExp(String.raw`^(\d+):\t(${IPV4})\/(${IPV4})$`);
const V6_RE = /^(\d+):\t\[([0-9a-fA-F:]+)\/([0-9a-fA-F:]+)\/(\d+):([0-9a-fA-F]{4})\]$/;

/** /proc/virtnet/<nid>/info (G4 and G2). */
export function parseNetInfo(text: string, file = 'info'): NetInfo {
  const m = keyValues(text);
  const out: NetInfo = { id: int(need(m, 'ID', file), file, 'ID'), v4: [], v6: [] };
  const bc = m.get('Bcast');
  if (bc !== undefined) out.bcast = bc;
  const lb = m.get('Lback');
  if (lb !== undefined) out.lback = lb;
  for (const line of text.split('\n')) {
    if (!/^\d+:/.test(line)) continue;
    let mm = V4_RE.exec(line);
    if (mm) {
      const prefix = ipv4MaskToPrefix(mm[4]!);
      if (prefix === undefined) bad(file, `non-contiguous netmask in "${line}"`);
      out.v4.push({
        index: Number(mm[1]),
        address: mm[2]!,
        ...(mm[3] === '0.0.0.0' ? {} : { rangeEnd: mm[3]! }),
        mask: mm[4]!,
        prefix,
        type: mm[5]!.toLowerCase(),
      });
      continue;
    }
    mm = V4_G2_RE.exec(line);
    if (mm) {
      const prefix = ipv4MaskToPrefix(mm[3]!);
      if (prefix === undefined) bad(file, `non-contiguous netmask in "${line}"`);
      out.v4.push({ index: Number(mm[1]), address: mm[2]!, mask: mm[3]!, prefix, type: '0010' });
      continue;
    }
    mm = V6_RE.exec(line);
    if (mm) {
      const addr = canonicalIPv6(mm[2]!);
      if (addr === undefined) bad(file, `bad IPv6 address in "${line}"`);
      out.v6.push({ index: Number(mm[1]), address: addr, prefix: Number(mm[4]), type: mm[5]!.toLowerCase() });
      continue;
    }
    bad(file, `unexpected address line "${line}"`);
  }
  return out;
}

export interface NetStatus {
  useCnt: number;
  tasks: number;
  flags: bigint;
  ncaps: bigint;
}

export function parseNetStatus(text: string, file = 'status'): NetStatus {
  const m = keyValues(text);
  return {
    useCnt: int(need(m, 'UseCnt', file), file, 'UseCnt'),
    tasks: int(need(m, 'Tasks', file), file, 'Tasks'),
    flags: hex(need(m, 'Flags', file), file, 'Flags'),
    ncaps: hex(need(m, 'NCaps', file), file, 'NCaps'),
  };
}

// ---------------------------------------------------------------- addresses

/** 255.255.255.0 → 24; undefined for non-contiguous or malformed masks. */
export function ipv4MaskToPrefix(mask: string): number | undefined {
  const parts = mask.split('.');
  if (parts.length !== 4) return undefined;
  let bits = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    bits = bits * 256 + Number(p);
  }
  let prefix = 0;
  while (prefix < 32 && bits & (2 ** (31 - prefix))) prefix++;
  const rebuilt = prefix === 0 ? 0 : (2 ** 32 - 2 ** (32 - prefix));
  return rebuilt === bits ? prefix : undefined;
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

/** RFC 5952 text form of an IPv6 address (lowercase, no leading zeros, longest zero run as ::). */
export function canonicalIPv6(s: string): string | undefined {
  const text = s.trim().toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(text) || text.split('::').length > 2) return undefined;
  let groups: number[] = [];
  const parseSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const out: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        if (!isIPv4(p)) return undefined;
        const o = p.split('.').map(Number);
        out.push(o[0]! * 256 + o[1]!, o[2]! * 256 + o[3]!);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  if (text.includes('::')) {
    const [l, r] = text.split('::') as [string, string];
    const lg = parseSide(l);
    const rg = parseSide(r);
    if (!lg || !rg || lg.length + rg.length > 7) return undefined;
    groups = [...lg, ...new Array(8 - lg.length - rg.length).fill(0), ...rg];
  } else {
    const g = parseSide(text);
    if (!g || g.length !== 8) return undefined;
    groups = g;
  }
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 §5), as manifests are normalized (desired/address.ts)
  if (groups.slice(0, 5).every((x) => x === 0) && groups[5] === 0xffff) {
    return `::ffff:${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexs = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hexs.join(':');
  return hexs.slice(0, bestStart).join(':') + '::' + hexs.slice(bestStart + bestLen).join(':');
}
