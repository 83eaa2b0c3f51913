/**
 * Renders a `GuestSpec` into util-vserver's configuration files (reference §6)
 * and writes them atomically into a config dir.
 *
 * `renderConfigFiles` is pure: relative path → content, a symlink, or null
 * ("vsgitops manages this file and it must not exist"). `writeConfigFiles`
 * applies such a map: temp file + rename per file, removals of unwanted
 * managed files, never touching the guest root, run file or cache links.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { VsError } from '../../errors.js';
import { LIMIT_NAMES, NETWORK_FILES, UTS_EXTRA_KEYS, type GuestSpec, type InterfaceSpec, type LimitValue } from '../../model/guest.js';
import { mkdirMode } from '../../fs/mkdir-mode.js';
import { renderInitx, type ModeFile } from './initx-config.js'; // issue 10 (initx)

/**
 * Content, a symlink, null ("must not exist"), or `{ marks }`: an edit of the
 * boot mark lines (MarkEdit) that keeps the marks vsgitops does not manage.
 */
export type RenderedFile = string | { symlink: string } | { marks: MarkEdit } | ModeFile | { keep: true } | null;

/**
 * apps/init/mark as lines (issue 10): `default` present or not, and the other
 * marks — exactly these when `others` is given, else the ones the file has.
 * Each line is one mark (`grep -qx "$mark"`, UV scripts/functions:600-602).
 */
export interface MarkEdit {
  boot: boolean;
  others?: string[];
}
export type RenderedFiles = Map<string, RenderedFile>;

// ---- issue 10 (iface): per-interface files of the InterfaceSpec extras (UV scripts/vserver.functions:581-694) ----
export const IFACE_EXTRA_FILES = ['bcast', 'scope', 'peer', 'mac', 'tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev'] as const;
/** Files directly in interfaces/ that spec.network renders (NETWORK_FILES); `dev`/`prefix`/`mask` there are read-only fallbacks. */
export const NETWORK_DIR_FILES = Object.values(NETWORK_FILES).map((f) => `interfaces/${f}`);
// ---- end issue 10 (iface) ----
/** Files vsgitops writes inside each interfaces/<n>/ directory. */
export const INTERFACE_FILES = [
  'ip', 'prefix', 'mask', 'dev', 'nodev', 'name', 'disabled',
  // ---- issue 10 (iface) ----
  ...IFACE_EXTRA_FILES,
] as const;
/** The dlimits entry vsgitops creates when the guest has none (DEFAULT_DLIMIT_NAME). */
export const DEFAULT_DLIMIT_NAME = 'vsgitops';

/**
 * Which dlimits/<name> entry is the guest's modelled disk limit: `vsgitops`
 * when present, else the first enabled one in byte order. util-vserver applies
 * every enabled entry (UV scripts/vserver.functions:1330-1340 setDiskLimits:
 * `for i in "$1"/dlimits/*`), so apply must update the entry that is there
 * (`dlimits/0` on OpenVCP hosts) rather than add a second one. `names` are the
 * enabled entries (directories without a `disabled` file, dot names skipped).
 */
export function chooseDlimitName(names: readonly string[]): string | undefined {
  if (names.includes(DEFAULT_DLIMIT_NAME)) return DEFAULT_DLIMIT_NAME;
  return [...names].sort()[0];
}

/** Options of renderConfigFiles: facts about the existing config dir the rendering must follow. */
export interface RenderOptions {
  /** the existing enabled dlimits entry to update (see chooseDlimitName); default `vsgitops` */
  dlimitName?: string;
  /**
   * The guest as observed: an issue 10 field (uts extras, nice, ionice, personality) whose value
   * equals the observed one is not rendered, so its file keeps its bytes (comments, spacing)
   * when apply changes something else.
   */
  before?: GuestSpec;
}
/** The cgroup control file behind each CgroupSpec field (util-vserver copies cgroup/<file> at start). */
export const CGROUP_FILES = {
  memoryLimit: 'memory.limit_in_bytes',
  cpuShares: 'cpu.shares',
  cpuQuotaUs: 'cpu.cfs_quota_us',
  cpuPeriodUs: 'cpu.cfs_period_us',
  cpusetCpus: 'cpuset.cpus',
  cpusetMems: 'cpuset.mems',
} as const;

/** Entries util-vserver owns; a rendered map naming them is a bug. */
const PROTECTED = new Set(['vdir', 'run', 'cache']);

const line = (v: string | number) => `${v}\n`;
const limitText = (v: LimitValue) => line(v === 'inf' ? 'inf' : v);

/** fstab columns of util-vserver's packaged default (distrib/misc/fstab): fields start at 0, 8, 24, 32, 56. */
const FSTAB_COLUMNS = [8, 24, 32, 56];

export function renderFstab(entries: GuestSpec['fstab']): string {
  return entries
    .map((e) => {
      let out = '';
      let col = 0;
      [e.device, e.mountpoint, e.type, e.options].forEach((field, i) => {
        out += field;
        col += field.length;
        // at least one TAB, then TABs (8-column stops) until the next field's column
        do {
          out += '\t';
          col = (Math.floor(col / 8) + 1) * 8;
        } while (col < FSTAB_COLUMNS[i]!);
      });
      return `${out}${e.dump} ${e.pass}\n`;
    })
    .join('');
}

/** Every file util-vserver uses for a GuestSpec field, in its own syntax. */
export function renderConfigFiles(spec: GuestSpec, opts: RenderOptions = {}): RenderedFiles {
  const f: RenderedFiles = new Map();
  const DLIMIT_DIR = `dlimits/${opts.dlimitName ?? DEFAULT_DLIMIT_NAME}`;
  f.set('context', line(spec.context));
  f.set('uts/nodename', line(spec.nodename));
  f.set('uts/domainname', spec.domainname !== undefined ? line(spec.domainname) : null);
  f.set('apps/init/style', line(spec.initStyle));
  f.set('apps/init/mark', { marks: spec.bootMarks !== undefined ? { boot: spec.startOnBoot, others: spec.bootMarks } : { boot: spec.startOnBoot } });

  const list = (items: string[]) => (items.length > 0 ? items.map(line).join('') : null);
  f.set('cflags', list(spec.flags));
  f.set('flags', null); // legacy name; `cflags` wins, so a leftover would only confuse
  f.set('bcapabilities', list(spec.bcaps));
  f.set('ccapabilities', list(spec.ccaps));

  for (const name of LIMIT_NAMES) {
    const l = spec.limits[name];
    f.set(`rlimits/${name}`, null);
    f.set(`rlimits/${name}.soft`, l ? limitText(l.soft) : null);
    f.set(`rlimits/${name}.hard`, l ? limitText(l.hard) : null);
    f.set(`rlimits/${name}.min`, l?.min !== undefined ? limitText(l.min) : null);
  }

  renderInterfaces(f, spec, opts.before); // issue 10 (iface)

  for (const [key, file] of Object.entries(CGROUP_FILES) as [keyof typeof CGROUP_FILES, string][]) {
    const v = spec.cgroup[key];
    f.set(`cgroup/${file}`, v !== undefined ? line(v) : null);
  }

  const d = spec.disk;
  f.set(`${DLIMIT_DIR}/directory`, d ? line(d.directory) : null);
  f.set(`${DLIMIT_DIR}/space_total`, d ? line(d.spaceKiB) : null);
  f.set(`${DLIMIT_DIR}/inodes_total`, d ? line(d.inodes) : null);
  f.set(`${DLIMIT_DIR}/reserved`, d ? line(d.reservedPercent) : null);

  f.set('fstab', spec.fstab.length > 0 ? renderFstab(spec.fstab) : null);

  // ---- issue 10 (adopt): fields left unset are not in the map: the host's files stay as they are;
  // a value equal to the observed one is left out too (its file keeps its exact bytes) ----
  const b = opts.before;
  const eq = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const k of UTS_EXTRA_KEYS) {
    const v = spec.utsExtra?.[k];
    if (v !== undefined && !(b && b.utsExtra?.[k] === v)) f.set(`uts/${k}`, line(v));
  }
  if (spec.nflags !== undefined && !(b && eq(b.nflags, spec.nflags))) f.set('nflags', list(spec.nflags));
  if (spec.ncaps !== undefined && !(b && eq(b.ncaps, spec.ncaps))) f.set('ncapabilities', list(spec.ncaps));
  if (spec.nice !== undefined && !(b && b.nice === spec.nice)) f.set('nice', line(spec.nice));
  if (spec.ionice?.class !== undefined && !(b && b.ionice?.class === spec.ionice.class)) f.set('ionice/class', line(spec.ionice.class));
  if (spec.ionice?.priority !== undefined && !(b && b.ionice?.priority === spec.ionice.priority)) f.set('ionice/priority', line(spec.ionice.priority));
  if (spec.personality !== undefined && !(b && eq(b.personality, spec.personality))) {
    f.set('personality', [spec.personality.type, ...spec.personality.flags].map(line).join(''));
  }
  // ---- issue 10 (initx): init extras, depends, sysctl, cgroup files, fstab.remote, hooks (initx-config.ts) ----
  for (const [rel, v] of renderInitx(spec, b, renderFstab)) f.set(rel, v);
  // ---- end issue 10 (initx) ----
  // spec.files: exact bytes; validation keeps them off paths a modelled field renders (owned-paths.ts)
  for (const [rel, content] of Object.entries(spec.files ?? {})) if (!f.has(rel)) f.set(rel, content);
  // ---- end issue 10 (adopt) ----
  return f;
}

// ---- issue 10 (iface) ----
/** The files behind one InterfaceSpec key (a key's files are written together). */
function interfaceKeyFiles(iface: InterfaceSpec, key: string, bcastFallback: string | undefined): [string, RenderedFile][] {
  const flag = (on: true | undefined): RenderedFile => (on ? '' : null);
  switch (key) {
    case 'address':
    case 'family':
      return [['ip', line(iface.address)]];
    case 'prefix':
      return [['prefix', line(iface.prefix)], ['mask', null]];
    case 'device':
      return [['dev', iface.device !== null ? line(iface.device) : null], ['nodev', iface.device === null ? '' : null]];
    case 'label':
      return [['name', iface.label !== undefined ? line(iface.label) : null]];
    case 'broadcast':
      if (iface.family === 6) return []; // util-vserver passes no broadcast for IPv6 (:672): its bcast is left as it is
      // unset means `+` (`broadcast ${bcast:-+}`, UV scripts/vserver.functions:671); with an interfaces/bcast
      // fallback (:630) only an explicit `+` keeps it
      return [['bcast', iface.broadcast !== undefined ? line(iface.broadcast) : bcastFallback !== undefined ? line('+') : null]];
    case 'scope':
    case 'peer':
    case 'mac':
      return [[key, iface[key] !== undefined ? line(iface[key]!) : null]];
    case 'disabled':
    case 'tun':
    case 'tap':
    case 'nocsum':
    case 'shared':
    case 'vlandev':
    case 'novlandev':
      return [[key, flag(iface[key])]];
    default:
      return [];
  }
}
const IFACE_KEYS = ['address', 'prefix', 'device', 'label', 'broadcast', 'scope', 'peer', 'mac', 'tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled'] as const;

/**
 * interfaces/: every file of a new interface; for one the host has (`before`), only the files of keys
 * whose value changes — the others keep their bytes and their directory-level fallbacks
 * (interfaces/dev, prefix, mask, bcast) — and `ip` is marked kept so the writer knows the interface
 * is wanted. Interfaces `before` has and `spec` drops lose their files, a disabled one too.
 * spec.network renders interfaces/{bcast,lback,vlandev,novlandev,scope} for the keys it sets.
 */
function renderInterfaces(f: RenderedFiles, spec: GuestSpec, before: GuestSpec | undefined): void {
  const net = spec.network ?? {};
  for (const [key, file] of Object.entries(NETWORK_FILES) as [keyof typeof NETWORK_FILES, string][]) {
    const v = net[key];
    if (v === undefined || (before && before.network?.[key] === v) || (v === false && before && before.network?.[key] === undefined)) continue;
    f.set(`interfaces/${file}`, typeof v === 'boolean' ? (v ? '' : null) : line(v));
  }
  const oldFallback = before?.network?.broadcast;
  const newFallback = net.broadcast ?? oldFallback;
  for (const iface of spec.interfaces) {
    const d = `interfaces/${iface.name}`;
    const old = before?.interfaces.find((i) => i.name === iface.name);
    for (const key of IFACE_KEYS) {
      const changed = !old || JSON.stringify(old[key]) !== JSON.stringify(iface[key]) || (key === 'broadcast' && oldFallback !== newFallback) || (key === 'address' && old.family !== iface.family);
      if (!changed) continue;
      for (const [file, content] of interfaceKeyFiles(iface, key, newFallback)) f.set(`${d}/${file}`, content);
    }
    if (!f.has(`${d}/ip`)) f.set(`${d}/ip`, { keep: true });
  }
  // a modelled disabled interface git drops: its `disabled` goes, then the writer's clean-up of unwanted
  // interface directories removes the rest (it keeps disabled ones, which the model may not carry)
  for (const old of before?.interfaces ?? []) {
    if (old.disabled && !spec.interfaces.some((i) => i.name === old.name)) f.set(`interfaces/${old.name}/disabled`, null);
  }
}
// ---- end issue 10 (iface) ----

export type WriteFs = Pick<typeof fsp, 'readFile' | 'readdir' | 'lstat' | 'readlink' | 'writeFile' | 'rename' | 'unlink' | 'mkdir' | 'rmdir' | 'symlink' | 'chmod'>;

export interface WriteResult {
  written: string[];
  removed: string[];
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

function checkRel(rel: string): void {
  const parts = rel.split('/');
  if (path.isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..') || PROTECTED.has(parts[0]!)) {
    throw new VsError('INTERNAL', `refusing to manage "${rel}" in a config dir`, { path: rel });
  }
}

/**
 * The mark file after `edit`. Unchanged (byte for byte) when it already has
 * `default` as wanted and the other marks as wanted (`others` given) — the
 * file's own other marks are always kept when `others` is not given.
 * Otherwise one mark per line: `default` first when it was first or is new,
 * else after the others. '' means the file goes (no mark left).
 */
export function editMarks(current: string, edit: MarkEdit): string {
  const lines = current.split('\n').filter((l) => l !== '');
  const hasDefault = lines.includes('default');
  const others = lines.filter((l) => l !== 'default');
  const wantOthers = edit.others ?? others;
  if (hasDefault === edit.boot && wantOthers.length === others.length && wantOthers.every((m, i) => m === others[i])) return current;
  // `default` keeps its place at the top when it was there; an added one goes first (the usual single-mark file)
  const defaultFirst = !hasDefault || lines[0] === 'default';
  const out = edit.boot ? (defaultFirst ? ['default', ...wantOthers] : [...wantOthers, 'default']) : wantOthers;
  return out.map((l) => l + '\n').join('');
}

/**
 * The enabled dlimits entries of a config dir (directories without a
 * `disabled` file; dot names skipped like the shell glob does).
 */
export async function enabledDlimitNames(dir: string, fs: Pick<WriteFs, 'readdir' | 'lstat'> = fsp): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(path.join(dir, 'dlimits'), { withFileTypes: true });
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || !e.isDirectory()) continue;
    try {
      await fs.lstat(path.join(dir, 'dlimits', e.name, 'disabled'));
      continue;
    } catch {
      out.push(e.name);
    }
  }
  return out.sort();
}

/**
 * Refuses a path whose directories inside the config dir include a symbolic
 * link: writing or deleting through `web1/uts -> /elsewhere` would change
 * files outside the guest's configuration. (The last component may be a link:
 * rename and unlink replace or remove the link itself, never its target.)
 */
async function checkNoLinkedDirs(fs: WriteFs, dir: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = dir;
  for (const p of parts) {
    cur = path.join(cur, p);
    let st;
    try {
      st = await fs.lstat(cur);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return; // created below as a real directory
      throw err;
    }
    if (st.isSymbolicLink()) {
      throw new VsError('UNSAFE_PATH', `refusing to write through the symbolic link ${cur}: it may lead out of the guest's configuration directory ${dir}; replace it by a directory`, { file: cur });
    }
  }
}

async function currentOf(fs: WriteFs, abs: string): Promise<RenderedFile | undefined> {
  try {
    const st = await fs.lstat(abs);
    if (st.isSymbolicLink()) return { symlink: await fs.readlink(abs) };
    if (st.isFile()) return await fs.readFile(abs, 'utf8');
    return undefined;
  } catch (err) {
    if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return null;
    throw err;
  }
}

const same = (a: RenderedFile | undefined, b: RenderedFile) =>
  a !== undefined &&
  (typeof a === 'string' || a === null ? a === b : b !== null && typeof b === 'object' && 'symlink' in a && 'symlink' in b && a.symlink === b.symlink);

/**
 * Writes `files` into `dir`: each wanted file atomically (temp + rename, skipped
 * when already identical), each null entry removed, and interfaces/<n>/
 * directories that the map no longer names emptied of vsgitops' files.
 * Empty directories left behind are removed (never `dir` itself).
 */
export async function writeConfigFiles(dir: string, files: RenderedFiles, opts: { fs?: WriteFs } = {}): Promise<WriteResult> {
  const fs = opts.fs ?? fsp;
  const result: WriteResult = { written: [], removed: [] };
  const touchedDirs = new Set<string>();
  const wantedIfaces = new Set<string>();
  const isKeep = (want: RenderedFile | undefined) => typeof want === 'object' && want !== null && 'keep' in want;
  for (const [rel, want] of files) {
    checkRel(rel);
    // a modelled interface always has its ip rendered; spec.files entries below interfaces/<n>/ (mac, peer…)
    // do not keep an interface the spec dropped
    const m = /^interfaces\/([^/]+)\/ip$/.exec(rel);
    if (m) wantedIfaces.add(m[1]!);
    // issue 10 (iface): an unchanged interface is not written, so a symlinked (shared) interface dir is fine
    if (isKeep(want)) continue;
    await checkNoLinkedDirs(fs, dir, rel); // all paths before the first write: refused means untouched
  }

  const remove = async (rel: string): Promise<void> => {
    await checkNoLinkedDirs(fs, dir, rel);
    try {
      await fs.unlink(path.join(dir, rel));
      result.removed.push(rel);
      touchedDirs.add(path.posix.dirname(rel));
    } catch (err) {
      if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err;
    }
  };

  for (const [rel, want] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const abs = path.join(dir, rel);
    if (isKeep(want)) continue; // issue 10 (iface): managed, unchanged
    await checkNoLinkedDirs(fs, dir, rel);
    if (want === null) {
      await remove(rel);
      continue;
    }

    if (typeof want === 'object' && 'marks' in want) {
      const cur = await currentOf(fs, abs);
      if (cur !== null && typeof cur !== 'string') continue; // a link or a directory: kept as is, never replaced
      const text = cur ?? '';
      const next = editMarks(text, want.marks);
      if (next === text) continue;
      if (next === '') {
        await remove(rel);
        continue;
      }
      await mkdirMode(path.dirname(abs), 0o755, fs);
      const tmp = abs + `.vsgitops-${process.pid}`;
      await fs.writeFile(tmp, next, { mode: 0o644 });
      await fs.rename(tmp, abs);
      result.written.push(rel);
      continue;
    }
    // ---- issue 10 (initx): a file with its mode (hooks: 0755 runs, 0644 is sourced) ----
    if (typeof want === 'object' && 'mode' in want) {
      const st = await fs.lstat(abs).catch(() => undefined);
      const cur = await currentOf(fs, abs);
      if (cur === want.content && st?.isFile() && (st.mode & 0o777) === want.mode) continue;
      if (cur === want.content && st?.isFile()) {
        await fs.chmod(abs, want.mode);
        result.written.push(rel);
        continue;
      }
      await mkdirMode(path.dirname(abs), 0o755, fs);
      const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.vsgitops-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        await fs.writeFile(tmp, want.content, { mode: want.mode });
        await fs.chmod(tmp, want.mode); // not narrowed by the umask
        await fs.rename(tmp, abs);
      } catch (err) {
        await fs.unlink(tmp).catch(() => undefined);
        throw new VsError('HOST', `cannot write ${abs}: ${(err as Error).message}`, { file: abs }, { cause: err });
      }
      result.written.push(rel);
      continue;
    }
    // ---- end issue 10 (initx) ----
    if (same(await currentOf(fs, abs), want)) continue;
    await mkdirMode(path.dirname(abs), 0o755, fs);
    const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.vsgitops-${process.pid}-${randomBytes(4).toString('hex')}`);
    // a rewritten file keeps its mode (an executable scripts/ hook stays executable: UV execScriptlets runs
    // it when `test -x`, else sources it); a new file is 0644
    const oldMode = await fs.lstat(abs).then((st) => (st.isFile() ? st.mode & 0o7777 : undefined), () => undefined);
    try {
      if (typeof want === 'string') {
        await fs.writeFile(tmp, want, { mode: 0o644 });
        if (oldMode !== undefined && oldMode !== 0o644) await fs.chmod(tmp, oldMode);
      }
      else await fs.symlink((want as { symlink: string }).symlink, tmp);
      await fs.rename(tmp, abs);
    } catch (err) {
      await fs.unlink(tmp).catch(() => undefined);
      throw new VsError('HOST', `cannot write ${abs}: ${(err as Error).message}`, { file: abs }, { cause: err });
    }
    result.written.push(rel);
  }

  // interfaces no longer wanted: remove our files; a symlinked (shared) iface dir is unlinked, never emptied.
  let ifaceDirs: string[] = [];
  try {
    ifaceDirs = (await fs.readdir(path.join(dir, 'interfaces'), { withFileTypes: true }))
      // dot-dirs (.svn) are not interfaces to util-vserver's glob; a disabled interface is kept as is, not managed
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !wantedIfaces.has(e.name) && !e.name.startsWith('.'))
      .map((e) => (e.isSymbolicLink() ? `link:${e.name}` : e.name));
  } catch (err) {
    if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') throw err;
  }
  for (const entry of ifaceDirs.sort()) {
    const name = entry.startsWith('link:') ? entry.slice(5) : entry;
    if (typeof (await currentOf(fs, path.join(dir, 'interfaces', name, 'disabled'))) === 'string') continue;
    if (entry.startsWith('link:')) {
      await remove(`interfaces/${entry.slice(5)}`);
      continue;
    }
    for (const f of INTERFACE_FILES) await remove(`interfaces/${entry}/${f}`);
  }

  // prune directories vsgitops created and emptied; other dirs may carry meaning by existence
  // (an empty cgroup/ still switches util-vserver's cgroup handling on)
  // issue 10 (initx): an emptied sysctl/<n> goes too (vsysctl fails the start on a dir without setting/value)
  const prunable = [...touchedDirs].filter((d) => /^interfaces\/[^/]+$/.test(d) || /^dlimits\/[^/]+$/.test(d) || /^sysctl\/[^/]+$/.test(d)).sort();
  for (const d of prunable) {
    try {
      await fs.rmdir(path.join(dir, d));
    } catch {
      // not empty (files vsgitops does not manage) or already gone: keep it
    }
  }
  result.written.sort();
  result.removed.sort();
  return result;
}
