import type { Problem } from '../errors.js';
import {
  LIMIT_NAMES,
  type BuildSpec,
  type CgroupSpec,
  type DesiredGuest,
  type FstabEntry,
  type InterfaceSpec,
  type Limit,
  type LimitName,
  type LimitValue,
  UTS_EXTRA_KEYS,
  type UtsExtra,
  type NetworkSpec, // issue 10 (iface)
} from '../model/guest.js';
import { filesContentProblem, FILES_MAX_TOTAL_BYTES, ownerOf } from '../model/owned-paths.js';
import { UNKNOWN_MESSAGE, normalizeList, parseList, type ListKind } from '../model/names.js';
import { canonicalPeer } from '../model/ip.js'; // issue 10 (iface)
import { parseAddressWithPrefix } from './address.js';
import { DEFAULT_DISK_RESERVED_PERCENT, DEFAULT_FSTAB, DEFAULT_VDIR_BASE, MIN_MEMORY_LIMIT } from './defaults.js';
import type { RawLimit, RawLimitScalar, RawManifest } from './manifest-types.js';
import { parseQuantity } from './quantity.js';
import { problemAt, type ManifestDocument } from './yaml-documents.js';
import { normalizeSafety } from './safety.js';
import type { SafetySpec } from '../model/guest.js';
// ---- issue 10 (initx) ----
import { INIT_VALUE_KEYS, type GuestSpec, type HookScript, type InitExtra, type InitListKey, type SysctlEntry } from '../model/guest.js';
import { CGROUP_CONTROL_NAMES, HOOK_SKIPPED, initxPaths, RUNLEVEL_VALUE, SYSCTL_VALUE } from '../model/initx-rules.js';
// ---- end issue 10 (initx) ----

type Path = (string | number)[];

function limitLess(a: LimitValue, b: LimitValue): boolean {
  if (a === 'inf') return false;
  return b === 'inf' || a < b;
}

function normalizeLimit(raw: RawLimit): { limit: Limit } | { error: string; field?: string } {
  if (typeof raw !== 'object') return { limit: { soft: raw, hard: raw } };
  // hard alone: the kernel clamps soft to hard; soft alone: hard stays unlimited
  const hard: RawLimitScalar = raw.hard ?? 'inf';
  const soft: RawLimitScalar = raw.soft ?? hard;
  if (limitLess(hard, soft)) return { error: `soft limit ${soft} is greater than hard limit ${hard}`, field: 'soft' };
  const limit: Limit = { soft, hard };
  if (raw.min !== undefined) {
    if (limitLess(soft, raw.min)) return { error: `min ${raw.min} is greater than soft limit ${soft}`, field: 'min' };
    limit.min = raw.min;
  }
  return { limit };
}

function cpuListProblem(list: string): string | undefined {
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (b !== undefined && b < a!) return `range '${part}' runs backwards`;
  }
  return undefined;
}

/** A list's entries checked one by one and normalized as a whole. */
interface CheckedList {
  /** index and bad token of each entry that does not parse */
  bad: [number, string][];
  /** the canonical tokens when every entry parsed */
  tokens?: readonly string[];
}

// Pure and repeated across a fleet (most manifests share their flags and
// capabilities): kept by kind and entries, a bounded number of them (issue 12).
const checkedLists = new Map<string, CheckedList>();
const MAX_CHECKED_LISTS = 1024;

function checkedList(kind: ListKind, entries: readonly string[]): CheckedList {
  const key = `${kind}\n${entries.join('\n')}`;
  // an entry holding a newline could make two lists one key: those are not kept
  const keep = !entries.some((e) => typeof e !== 'string' || e.includes('\n'));
  const hit = keep ? checkedLists.get(key) : undefined;
  if (hit) return hit;
  const bad: [number, string][] = [];
  entries.forEach((entry, i) => {
    const r = parseList(kind, entry);
    if (!r.ok) bad.push([i, r.bad]);
  });
  let out: CheckedList = { bad };
  if (bad.length === 0) {
    const n = normalizeList(kind, [...entries]);
    if (n.ok) out = { bad, tokens: n.tokens };
  }
  if (keep) {
    if (checkedLists.size >= MAX_CHECKED_LISTS) checkedLists.clear();
    checkedLists.set(key, out);
  }
  return out;
}

/**
 * Turns one schema-valid manifest into a fully defaulted `DesiredGuest`, with
 * the checks the schema cannot express (list names, soft ≤ hard, addresses,
 * build arguments per method, ...). Returns no guest when any check fails.
 */
export function normalizeManifest(d: ManifestDocument, opts: { lenient?: boolean } = {}): { guest?: DesiredGuest; problems: Problem[] } {
  const m = d.value as RawManifest;
  const s = (m?.spec ?? {}) as RawManifest['spec'];
  const problems: Problem[] = [];
  const fail = (path: Path, message: string, onKey = false) => problems.push(problemAt(d, path, message, onKey));
  // Lenient mode runs on manifests that failed the schema, so that every
  // problem is reported at once; a section that meets a wrong shape is skipped.
  const section = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!opts.lenient) throw err;
    }
  };

  // filled in by the sections below
  const hosts: DesiredGuest['hosts'] = { names: [], matchLabels: {} };
  const build: BuildSpec = { method: 'skeleton' };
  const interfaces: InterfaceSpec[] = [];
  const normalizedLists: Record<ListKind, string[]> = { flag: [], bcap: [], ccap: [], nflag: [], ncap: [] };
  const limits: Partial<Record<LimitName, Limit>> = {};
  const cgroup: CgroupSpec = {};
  let disk: DesiredGuest['spec']['disk'];
  let fstab: FstabEntry[] = [];

  // hosts
  section(() => {
    hosts.names = [...(s.hosts.names ?? [])].sort();
    hosts.matchLabels = { ...(s.hosts.matchLabels ?? {}) };
    if (hosts.names.length === 0 && Object.keys(hosts.matchLabels).length === 0) {
      fail(['spec', 'hosts'], 'must name at least one host (names) or label (matchLabels)');
    }
  });

  // build arguments per method (reference §7.2)
  section(() => {
    const b = s.build;
    const allowed: Record<BuildSpec['method'], (keyof typeof b)[]> = {
      skeleton: ['distribution', 'extraArgs'],
      debootstrap: ['distribution', 'mirror', 'extraArgs'],
      template: ['templates', 'distribution'],
      clone: ['source', 'distribution'],
      rsync: ['source', 'distribution', 'extraArgs'],
    };
    const needed: Partial<Record<BuildSpec['method'], keyof typeof b>> = { debootstrap: 'distribution', template: 'templates', clone: 'source', rsync: 'source' };
    for (const k of ['distribution', 'mirror', 'templates', 'source', 'extraArgs'] as const) {
      if (b[k] !== undefined && !allowed[b.method].includes(k)) fail(['spec', 'build', k], `'${k}' is not used by build method '${b.method}'`, true);
    }
    const need = needed[b.method];
    if (need && b[need] === undefined) fail(['spec', 'build', need], `build method '${b.method}' needs '${need}'`);
    if (b.method === 'clone' && b.source !== undefined && !b.source.startsWith('/')) {
      fail(['spec', 'build', 'source'], `clone needs an absolute path to an existing guest root (got '${b.source}')`);
    }
    build.method = b.method;
    if (b.distribution !== undefined) build.distribution = b.distribution;
    if (b.mirror !== undefined) build.mirror = b.mirror;
    if (b.templates !== undefined) build.templates = [...b.templates];
    if (b.source !== undefined) build.source = b.source;
    if (b.extraArgs !== undefined && b.extraArgs.length > 0) build.extraArgs = [...b.extraArgs];
  });

  // interfaces
  section(() => {
    const ifNames = new Map<string, number>();
    const addresses = new Map<string, number>();
    (s.interfaces ?? []).forEach((raw, i) => {
      const at: Path = ['spec', 'interfaces', i];
      const name = raw.name ?? String(i);
      if (ifNames.has(name)) {
        fail(raw.name !== undefined ? [...at, 'name'] : at, `interface name '${name}' is used twice (also interfaces[${ifNames.get(name)}])`);
      } else ifNames.set(name, i);
      if (raw.device !== undefined && raw.nodev === true) fail([...at, 'nodev'], "give either 'device' or 'nodev: true', not both", true);
      if (raw.device === undefined && raw.nodev !== true) fail(at, "needs 'device' (host network device) or 'nodev: true'");
      const addr = parseAddressWithPrefix(raw.address);
      if ('error' in addr) {
        fail([...at, 'address'], addr.error);
        return;
      }
      if (addresses.has(addr.address)) fail([...at, 'address'], `address ${addr.address} is used twice (also interfaces[${addresses.get(addr.address)}])`);
      else addresses.set(addr.address, i);
      const spec: InterfaceSpec = { name, device: raw.nodev === true ? null : (raw.device ?? null), address: addr.address, family: addr.family, prefix: addr.prefix };
      if (raw.label !== undefined) spec.label = raw.label;
      // ---- issue 10 (iface): `+` is what util-vserver uses without a bcast file (`${bcast:-+}`): one value ----
      if (raw.broadcast !== undefined && raw.broadcast !== '+') {
        if (addr.family === 6) fail([...at, 'broadcast'], 'util-vserver passes no broadcast for an IPv6 address (scripts/vserver.functions:672): leave it out');
        else spec.broadcast = raw.broadcast;
      }
      if (raw.scope !== undefined) spec.scope = raw.scope;
      if (raw.peer !== undefined) {
        const peer = canonicalPeer(raw.peer);
        if (peer === undefined) fail([...at, 'peer'], `'${raw.peer}' is not an IPv4 or IPv6 address (optionally with /prefix)`);
        else spec.peer = peer;
      }
      if (raw.mac !== undefined) spec.mac = raw.mac; // as written (the schema checks its form): the host's spelling is the value
      for (const k of ['tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled'] as const) if (raw[k] === true) spec[k] = true;
      // ---- end issue 10 (iface) ----
      interfaces.push(spec);
    });
    interfaces.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  });

  // flags and capabilities, util-vserver list syntax
  section(() => {
    const lists: [ListKind, Path, string[] | undefined][] = [
      ['flag', ['spec', 'flags'], s.flags],
      ['bcap', ['spec', 'capabilities', 'system'], s.capabilities?.system],
      ['ccap', ['spec', 'capabilities', 'context'], s.capabilities?.context],
      ['nflag', ['spec', 'nflags'], s.nflags], // issue 10 (adopt)
      ['ncap', ['spec', 'ncapabilities'], s.ncapabilities],
    ];
    for (const [kind, path, entries] of lists) {
      if (!entries) continue;
      const r = checkedList(kind, entries);
      for (const [i, bad] of r.bad) fail([...path, i], `${UNKNOWN_MESSAGE[kind]} '${bad}'`);
      if (r.tokens) normalizedLists[kind] = [...r.tokens];
    }
  });

  // limits
  section(() => {
    for (const name of LIMIT_NAMES) {
      const raw = s.limits?.[name];
      if (raw === undefined) continue;
      const r = normalizeLimit(raw);
      if ('error' in r) fail(r.field ? ['spec', 'limits', name, r.field] : ['spec', 'limits', name], r.error);
      else limits[name] = r.limit;
    }
  });

  // cgroup
  section(() => {
    if (s.memory?.limit !== undefined) {
      const q = parseQuantity(s.memory.limit);
      if (typeof q !== 'number') fail(['spec', 'memory', 'limit'], q.error);
      else if (q < MIN_MEMORY_LIMIT) fail(['spec', 'memory', 'limit'], `must be at least 4Ki (one page), got ${q} bytes`);
      else cgroup.memoryLimit = q;
    }
    if (s.cpu) {
      if (s.cpu.shares !== undefined) cgroup.cpuShares = s.cpu.shares;
      if (s.cpu.quotaUs !== undefined) cgroup.cpuQuotaUs = s.cpu.quotaUs;
      if (s.cpu.periodUs !== undefined) cgroup.cpuPeriodUs = s.cpu.periodUs;
      for (const k of ['cpus', 'mems'] as const) {
        const v = s.cpu[k];
        if (v === undefined) continue;
        const bad = cpuListProblem(v);
        if (bad) fail(['spec', 'cpu', k], bad);
        else if (k === 'cpus') cgroup.cpusetCpus = v;
        else cgroup.cpusetMems = v;
      }
    }
  });

  // disk limits (dlimits: space in 1 KiB blocks)
  section(() => {
    if (s.disk) {
      const q = parseQuantity(s.disk.space);
      if (typeof q !== 'number') fail(['spec', 'disk', 'space'], q.error);
      else if (q % 1024 !== 0) fail(['spec', 'disk', 'space'], `must be a whole number of KiB (util-vserver counts 1 KiB blocks), got ${q} bytes`);
      else {
        const dir = s.disk.directory === undefined ? undefined : cleanAbsolutePath(s.disk.directory);
        if (dir !== undefined && typeof dir !== 'string') fail(['spec', 'disk', 'directory'], dir.error);
        disk = {
          directory: typeof dir === 'string' ? dir : `${DEFAULT_VDIR_BASE}/${m.metadata.name}`,
          spaceKiB: q / 1024,
          inodes: s.disk.inodes,
          reservedPercent: s.disk.reserved ?? DEFAULT_DISK_RESERVED_PERCENT,
        };
      }
    }
  });

  // fstab
  section(() => {
    (s.fstab ?? []).forEach((e, i) => {
      const clean = cleanAbsolutePath(e.mountpoint);
      if (typeof clean !== 'string') fail(['spec', 'fstab', i, 'mountpoint'], clean.error);
    });
    fstab = (s.fstab ?? DEFAULT_FSTAB).map((e) => ({
      device: e.device,
      mountpoint: ((m) => (typeof m === 'string' ? m : e.mountpoint))(cleanAbsolutePath(e.mountpoint)),
      type: e.type,
      options: e.options ?? 'defaults',
      dump: e.dump ?? 0,
      pass: e.pass ?? 0,
    }));
    const mounts = new Map<string, number>();
    fstab.forEach((e, i) => {
      if (mounts.has(e.mountpoint)) fail(['spec', 'fstab', i, 'mountpoint'], `mount point ${e.mountpoint} is listed twice (also fstab[${mounts.get(e.mountpoint)}])`);
      else mounts.set(e.mountpoint, i);
    });
  });

  // safety (issue 14): spec.healthCheck, spec.snapshot
  let safety: SafetySpec | undefined;
  section(() => {
    safety = normalizeSafety(s, fail);
  });

  // ---- issue 10 (adopt): spec.files — verbatim config files ----
  let files: Record<string, string> | undefined;
  section(() => {
    if (s.files === undefined) return;
    files = {};
    let total = 0;
    for (const rel of Object.keys(s.files).sort()) {
      const content = s.files[rel]!;
      const at: Path = ['spec', 'files', rel];
      const parts = rel.split('/');
      if (parts.some((x) => x === '' || x === '.' || x === '..')) {
        fail(at, `'${rel}' is not a plain relative path ('..', '.' and empty components are not allowed)`, true);
        continue;
      }
      const owner = ownerOf(rel);
      if (owner !== undefined) {
        fail(at, `'${rel}' is written by ${owner}${owner.startsWith('spec.') ? ': set that field instead of carrying the file' : ''}`, true);
        continue;
      }
      const bad = filesContentProblem(content);
      if (bad !== undefined) {
        fail(at, `content ${bad}`);
        continue;
      }
      total += Buffer.byteLength(content);
      files[rel] = content;
    }
    if (total > FILES_MAX_TOTAL_BYTES) fail(['spec', 'files'], `holds ${total} bytes; spec.files holds at most ${FILES_MAX_TOTAL_BYTES} bytes in all`);
  });
  // ---- end issue 10 (adopt) ----

  // ---- issue 10 (initx): apps/init extras, depends, sysctl, cgroup files, fstab.remote, hooks ----
  let initx: ReturnType<typeof normalizeInitx> = {};
  section(() => {
    initx = normalizeInitx(s, files, fail);
  });
  // ---- end issue 10 (initx) ----

  if (problems.length > 0 || opts.lenient) return { problems };
  const guest: DesiredGuest = {
    spec: {
      name: m.metadata.name,
      context: s.context,
      nodename: s.uts?.nodename ?? m.metadata.name,
      runState: s.state ?? 'running',
      startOnBoot: s.startOnBoot ?? false,
      initStyle: s.init?.style ?? 'sysv',
      interfaces,
      flags: normalizedLists.flag,
      bcaps: normalizedLists.bcap,
      ccaps: normalizedLists.ccap,
      limits,
      cgroup,
      fstab,
    },
    build,
    policy: { deletion: s.policy?.deletion ?? 'retain', drift: s.policy?.drift ?? 'enforce' },
    labels: { ...(m.metadata.labels ?? {}) },
    hosts,
    origin: { file: d.file, line: d.line, document: d.index },
  };
  if (s.uts?.domainname !== undefined) guest.spec.domainname = s.uts.domainname;
  if (disk) guest.spec.disk = disk;
  if (safety) guest.safety = safety;
  // ---- issue 10 (adopt): unset = not managed ----
  if (s.bootMarks !== undefined) guest.spec.bootMarks = [...s.bootMarks];
  const utsExtra: UtsExtra = {};
  for (const k of UTS_EXTRA_KEYS) if (s.uts?.[k] !== undefined) utsExtra[k] = s.uts[k];
  if (Object.keys(utsExtra).length > 0) guest.spec.utsExtra = utsExtra;
  if (s.nflags !== undefined) guest.spec.nflags = normalizedLists.nflag;
  if (s.ncapabilities !== undefined) guest.spec.ncaps = normalizedLists.ncap;
  if (s.nice !== undefined) guest.spec.nice = s.nice;
  if (s.ionice !== undefined && (s.ionice.class !== undefined || s.ionice.priority !== undefined)) {
    guest.spec.ionice = { ...(s.ionice.class !== undefined ? { class: s.ionice.class } : {}), ...(s.ionice.priority !== undefined ? { priority: s.ionice.priority } : {}) };
  }
  if (s.personality !== undefined) guest.spec.personality = { type: s.personality.type, flags: [...(s.personality.flags ?? [])] };
  if (files !== undefined) guest.spec.files = files;
  // ---- end issue 10 (adopt) ----
  Object.assign(guest.spec, initx); // issue 10 (initx)
  // ---- issue 10 (iface): spec.network, a key left out is not managed ----
  if (s.network !== undefined) {
    const net: NetworkSpec = {};
    for (const k of ['broadcast', 'loopback', 'scope', 'vlandev', 'novlandev'] as const) if (s.network[k] !== undefined) (net as Record<string, unknown>)[k] = s.network[k];
    if (Object.keys(net).length > 0) guest.spec.network = net;
  }
  // ---- end issue 10 (iface) ----
  return { guest, problems };
}

// ---- issue 10 (initx) ----
/**
 * spec.init.{runlevel*,cmd,killSequence,environment}, spec.depends, spec.sysctl,
 * spec.cgroupFiles, spec.fstabRemote, spec.scripts: unset = not managed. The
 * patterns are the reader's (model/initx-rules.ts, used by providers/vserver/initx-config.ts), so what a
 * manifest may hold is exactly what apply writes and observe reads back.
 */
function normalizeInitx(s: RawManifest['spec'], files: Record<string, string> | undefined, fail: (path: Path, message: string, onKey?: boolean) => void): Partial<GuestSpec> {
  const out: Partial<GuestSpec> = {};
  const init: InitExtra = {};
  const i = s.init ?? {};
  for (const k of INIT_VALUE_KEYS) {
    const v = i[k];
    if (v === undefined) continue;
    const t = String(v);
    if (!RUNLEVEL_VALUE.test(t)) fail(['spec', 'init', k], `runlevel ${JSON.stringify(t)}: letters, digits and ._+- only`);
    else init[k] = t;
  }
  const cmd: Record<string, InitListKey> = { start: 'cmdStart', stop: 'cmdStop', prepare: 'cmdPrepare', startSync: 'cmdStartSync', stopSync: 'cmdStopSync' };
  for (const [raw, key] of Object.entries(cmd)) {
    const v = i.cmd?.[raw as keyof NonNullable<typeof i.cmd>];
    if (v !== undefined) init[key] = [...v];
  }
  if (i.killSequence !== undefined) init.killSequence = i.killSequence.map(String);
  if (i.environment !== undefined) init.environment = [...i.environment];
  if (Object.keys(init).length > 0) out.initExtra = init;
  if (s.depends !== undefined) out.depends = [...s.depends];
  if (s.sysctl !== undefined) {
    const seen = new Map<string, number>();
    const list: SysctlEntry[] = [];
    s.sysctl.forEach((e, n) => {
      const name = e.name ?? String(n);
      if (seen.has(name)) fail(['spec', 'sysctl', n], `sysctl entry name '${name}' is used twice (also sysctl[${seen.get(name)}])`);
      seen.set(name, n);
      const value = String(e.value);
      if (!SYSCTL_VALUE.test(value)) fail(['spec', 'sysctl', n, 'value'], 'one line of text, under 127 bytes');
      list.push({ name, setting: e.setting, value });
    });
    out.sysctl = list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  if (s.cgroupFiles !== undefined) {
    const cg: Record<string, string> = {};
    for (const f of Object.keys(s.cgroupFiles).sort()) {
      const owner = ownerOf(`cgroup/${f}`);
      if (owner !== undefined) fail(['spec', 'cgroupFiles', f], `'${f}' is ${owner}: set that field instead`, true);
      else if (CGROUP_CONTROL_NAMES.has(f)) fail(['spec', 'cgroupFiles', f], `'${f}' is not a cgroup control file (util-vserver does not copy it)`, true);
      else cg[f] = String(s.cgroupFiles[f]);
    }
    out.cgroupFiles = cg;
  }
  if (s.fstabRemote !== undefined) {
    const seen = new Map<string, number>();
    out.fstabRemote = s.fstabRemote.map((e, n) => {
      const clean = cleanAbsolutePath(e.mountpoint);
      if (typeof clean !== 'string') fail(['spec', 'fstabRemote', n, 'mountpoint'], clean.error);
      const mp = typeof clean === 'string' ? clean : e.mountpoint;
      if (seen.has(mp)) fail(['spec', 'fstabRemote', n, 'mountpoint'], `mount point ${mp} is listed twice (also fstabRemote[${seen.get(mp)}])`);
      seen.set(mp, n);
      return { device: e.device, mountpoint: mp, type: e.type, options: e.options ?? 'defaults', dump: e.dump ?? 0, pass: e.pass ?? 0 };
    });
  }
  if (s.scripts !== undefined) {
    const scripts: Record<string, HookScript> = {};
    let total = 0;
    for (const k of Object.keys(s.scripts).sort()) {
      const raw = s.scripts[k]!;
      const h: HookScript = typeof raw === 'string' ? { content: raw, executable: true } : { content: raw.content, executable: raw.executable ?? true };
      if (HOOK_SKIPPED.test(k)) {
        fail(['spec', 'scripts', k], `'${k}' is a name util-vserver skips (isRegularFile: backup names): the hook would never run`, true);
        continue;
      }
      const bad = filesContentProblem(h.content);
      if (bad !== undefined) {
        fail(['spec', 'scripts', k], `content ${bad}`);
        continue;
      }
      total += Buffer.byteLength(h.content);
      scripts[k] = h;
    }
    if (total > FILES_MAX_TOTAL_BYTES) fail(['spec', 'scripts'], `holds ${total} bytes; spec.scripts holds at most ${FILES_MAX_TOTAL_BYTES} bytes in all`);
    out.scripts = scripts;
  }
  // a path both a field and spec.files would write: the field wins on apply, so the manifest is ambiguous
  const covered = initxPaths(out);
  for (const rel of Object.keys(files ?? {})) {
    if (covered.has(rel) || (out.sysctl !== undefined && rel.startsWith('sysctl/'))) {
      fail(['spec', 'files', rel], `'${rel}' is written by ${initxOwner(rel)}: set that field instead of carrying the file`, true);
    }
  }
  return out;
}

function initxOwner(rel: string): string {
  if (rel.startsWith('sysctl/')) return 'spec.sysctl';
  if (rel.startsWith('cgroup/')) return 'spec.cgroupFiles';
  if (rel.startsWith('scripts/')) return 'spec.scripts';
  if (rel === 'fstab.remote') return 'spec.fstabRemote';
  if (rel === 'apps/init/depends') return 'spec.depends';
  return 'spec.init';
}
// ---- end issue 10 (initx) ----

/**
 * An absolute path in its plain form (`//srv/./data/` -> `/srv/data`), or an
 * error when it has a `..` component: a mount point or disk-limit directory
 * must not climb out of where it seems to point.
 */
export function cleanAbsolutePath(p: string): string | { error: string } {
  const parts = p.split('/');
  if (parts.includes('..')) return { error: `'..' is not allowed in ${JSON.stringify(p)}: give the path without it` };
  const kept = parts.filter((x) => x !== '' && x !== '.');
  return '/' + kept.join('/');
}
