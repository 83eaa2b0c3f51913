/**
 * Reads a util-vserver guest configuration directory (/etc/vservers/<name>,
 * reference §6) into the normalized `GuestSpec`.
 *
 * Two steps: `readConfigTree` walks the directory once (files with their
 * content, symlinks by target) — the same snapshot feeds the config digest —
 * and `parseGuestConfig` interprets that snapshot without any I/O.
 * File conventions (§6.0): scalar files count by their first line (trimmed),
 * list files skip blank and `#` lines and allow comma items, booleans count
 * by existence.
 */
import { createHash } from 'node:crypto';
import nodeFs from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../errors.js';
import {
  INIT_STYLES,
  LIMIT_NAMES,
  type CgroupSpec,
  type DiskLimitSpec,
  type FstabEntry,
  type GuestSpec,
  type InitStyle,
  type InterfaceSpec,
  type Limit,
  type LimitName,
  type LimitValue,
  UTS_EXTRA_KEYS,
  type IoniceSpec,
  type UtsExtra,
  NETWORK_FILES, // issue 10 (iface)
  type NetworkSpec,
} from '../../model/guest.js';
import { cStrtoll, normalizeItems, parseListStrict, UNKNOWN_MESSAGE, type ListItem, type ListKind } from '../../model/names.js';
import { canonicalIPv6, ipv4MaskToPrefix, isIPv4 } from './proc-parse.js';
import { chooseDlimitName } from './config-write.js';
import { canonicalPeer } from '../../model/ip.js'; // issue 10 (iface)
import { carriableFiles, unmodelledEntries } from './unmodelled.js';
import { initxReport, readInitx } from './initx-config.js'; // issue 10 (initx)

/**
 * The subset of node:fs the reader needs (injectable). Synchronous on purpose
 * (issue 12): config files are tiny, and one promise per file cost far more
 * than the read itself; the observer yields to the event loop between guests.
 */
export type ReadFs = Pick<typeof nodeFs, 'readFileSync' | 'readdirSync' | 'lstatSync' | 'statSync' | 'readlinkSync'>;

export type ConfigEntry =
  /** exec: set for files under scripts/ (issue 10 initx): the owner-executable bit execScriptlets tests */
  | { kind: 'file'; content: string; exec?: boolean }
  | { kind: 'dir' }
  /** content is set when the link points at a readable file; dir when it points at a directory (walked) */
  | { kind: 'symlink'; target: string; content?: string; dir?: boolean };

/** Relative POSIX path → entry, for every entry below a config dir. */
export type ConfigTree = Map<string, ConfigEntry>;

/** Top-level links util-vserver owns; never followed (guest root, run file, cache). */
const NOT_FOLLOWED = new Set(['vdir', 'run', 'cache']);
const MAX_FILE_BYTES = 1 << 20;
const MAX_DEPTH = 6;

/**
 * Walks `dir` once. Symlinks are recorded by target; below the top level a
 * link to a directory is walked (shared `interfaces/<n>` dirs are common) and a
 * link to a file is read. Problems (unreadable entries, huge files) are
 * collected instead of thrown.
 */
export function readConfigTreeSync(dir: string, fs: ReadFs = nodeFs, problems: Problem[] = []): ConfigTree {
  const tree: ConfigTree = new Map();
  const walk = (abs: string, rel: string, depth: number): void => {
    let entries;
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      problems.push(problem(path.join(dir, rel), `cannot read directory: ${(err as Error).message}`));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Reserve map slots in name order first (the order the tree has always had: a level, then its subdirectories).
    for (const e of entries) tree.set(rel ? `${rel}/${e.name}` : e.name, { kind: 'dir' });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const a = path.join(abs, e.name);
      try {
        if (e.isSymbolicLink()) {
          const target = fs.readlinkSync(a, 'utf8');
          const entry: ConfigEntry = { kind: 'symlink', target };
          tree.set(r, entry);
          if (depth === 0 && NOT_FOLLOWED.has(e.name)) continue;
          let st;
          try {
            st = fs.statSync(a);
          } catch {
            continue; // dangling
          }
          if (st.isDirectory()) {
            entry.dir = true;
            if (depth < MAX_DEPTH) walk(a, r, depth + 1);
          } else if (st.isFile()) {
            if (st.size > MAX_FILE_BYTES) problems.push(problem(a, `file larger than ${MAX_FILE_BYTES} bytes; not read`));
            else entry.content = fs.readFileSync(a, 'utf8');
          }
        } else if (e.isDirectory()) {
          if (depth < MAX_DEPTH) walk(a, r, depth + 1);
        } else if (e.isFile()) {
          // Config files are tiny; read first, and refuse to keep anything absurdly large.
          const content = fs.readFileSync(a, 'utf8');
          if (content.length > MAX_FILE_BYTES) {
            problems.push(problem(a, `file larger than ${MAX_FILE_BYTES} bytes; not read`));
            tree.set(r, { kind: 'file', content: '' });
          } else {
            // ---- issue 10 (initx): a hook runs as a program when `test -x`, else it is sourced (UV scripts/vserver.functions:1196-1217) ----
            if (r.startsWith('scripts/')) tree.set(r, { kind: 'file', content, exec: (fs.lstatSync(a).mode & 0o100) !== 0 });
            else tree.set(r, { kind: 'file', content });
          }
        } else {
          tree.delete(r); // sockets, fifos, devices: not configuration
        }
      } catch (err) {
        tree.delete(r);
        problems.push(problem(a, `cannot read: ${(err as Error).message}`));
      }
    }
  };
  walk(dir, '', 0);
  return tree;
}

/** A change this close (ms) to a read's start may share its timestamp tick: 2 s covers 1 s and 2 s granularities. */
export const RACY_MS = 2000;

/**
 * Directory listings kept between stamps (the agent's cache): a directory
 * whose inode, mtime and ctime are those it had when it was listed, listed
 * more than RACY_MS after its last change, still has the same entries (an
 * entry added, removed or renamed sets the directory's mtime).
 */
export interface ListingMemo {
  now(): number;
  get(dir: string): { key: string; names: string[]; listedAt: number } | undefined;
  set(dir: string, listing: { key: string; names: string[]; listedAt: number }): void;
}

/**
 * A cheap fingerprint of everything `readConfigTreeSync` would read from `dir`
 * (issue 12, the agent's incremental observe): the same walk (same links
 * followed, same depth), but one lstat per entry instead of a read. Each entry
 * contributes its path, kind, inode, size, mode, mtime and ctime; a followed
 * link also its target's. A file edited in place (no directory mtime changes)
 * changes its own ctime, an added/removed/renamed entry the listing.
 * `newest` is the latest mtime/ctime seen (ms), for the caller's "changed
 * within the same timestamp tick as the read" rule. Throws what lstat/readdir
 * throw: the caller then re-reads. With `memo`, an unchanged directory is not
 * listed again.
 */
export function stampConfigTreeSync(dir: string, fs: ReadFs = nodeFs, memo?: ListingMemo): { stamp: string; newest: number } {
  const parts: string[] = [];
  let newest = 0;
  const stat = (st: nodeFs.Stats): string => {
    if (st.mtimeMs > newest) newest = st.mtimeMs;
    if (st.ctimeMs > newest) newest = st.ctimeMs;
    return `${st.ino}:${st.size}:${st.mode}:${st.mtimeMs}:${st.ctimeMs}`;
  };
  const list = (abs: string, st: nodeFs.Stats): string[] => {
    const key = `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
    const known = memo?.get(abs);
    if (known && known.key === key && st.mtimeMs < known.listedAt - RACY_MS && st.ctimeMs < known.listedAt - RACY_MS) return known.names;
    const listedAt = memo?.now() ?? 0;
    const names = (fs.readdirSync(abs) as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    memo?.set(abs, { key, names, listedAt });
    return names;
  };
  /** `st`: the directory itself (a followed link's target) */
  const walk = (abs: string, rel: string, depth: number, st: nodeFs.Stats): void => {
    parts.push(`${rel}/=${stat(st)}`);
    for (const name of list(abs, st)) {
      const r = rel ? `${rel}/${name}` : name;
      const a = abs + path.sep + name;
      const e = fs.lstatSync(a);
      parts.push(`${r}=${stat(e)}`);
      if (e.isSymbolicLink()) {
        if (depth === 0 && NOT_FOLLOWED.has(name)) continue;
        let t: nodeFs.Stats;
        try {
          t = fs.statSync(a);
        } catch {
          parts.push(`${r}->dangling`);
          continue;
        }
        parts.push(`${r}->${stat(t)}`);
        if (t.isDirectory() && depth < MAX_DEPTH) walk(a, r, depth + 1, t);
      } else if (e.isDirectory() && depth < MAX_DEPTH) walk(a, r, depth + 1, e);
    }
  };
  walk(dir, '', 0, fs.statSync(dir));
  return { stamp: createHash('sha256').update(parts.join('\n')).digest('base64'), newest };
}

/** `readConfigTreeSync` behind the promise-returning signature callers already use. */
export async function readConfigTree(dir: string, fs: ReadFs = nodeFs, problems: Problem[] = []): Promise<ConfigTree> {
  return readConfigTreeSync(dir, fs, problems);
}

export function problem(file: string, message: string, fieldPath = ''): Problem {
  return { file, line: 0, column: 0, path: fieldPath, message };
}

/** Read helpers over a tree, reporting problems against real file paths. */
class TreeView {
  private readonly childIndex = new Map<string, string[]>();
  constructor(
    readonly dir: string,
    readonly tree: ConfigTree,
    readonly problems: Problem[],
  ) {
    for (const key of tree.keys()) {
      const i = key.lastIndexOf('/');
      const parent = i < 0 ? '' : key.slice(0, i);
      const list = this.childIndex.get(parent) ?? [];
      list.push(key.slice(i + 1));
      this.childIndex.set(parent, list);
    }
  }

  abs(rel: string): string {
    return path.join(this.dir, rel);
  }

  content(rel: string): string | undefined {
    const e = this.tree.get(rel);
    if (!e) return undefined;
    if (e.kind === 'file') return e.content;
    if (e.kind === 'symlink') return e.content;
    return undefined;
  }

  /** `test -e`: files, dirs and links that resolve. */
  exists(rel: string): boolean {
    const e = this.tree.get(rel);
    if (!e) return false;
    return e.kind !== 'symlink' || e.content !== undefined || e.dir === true;
  }

  isDir(rel: string): boolean {
    const e = this.tree.get(rel);
    return !!e && (e.kind === 'dir' || (e.kind === 'symlink' && e.dir === true));
  }

  children(rel: string): string[] {
    return [...(this.childIndex.get(rel) ?? [])].sort();
  }

  /** Scalar file as `read VAR <file` sets it (UV scripts/functions:742-753 getFileValue): see shellRead. */
  scalar(rel: string): string | undefined {
    const c = this.content(rel);
    if (c === undefined) return undefined;
    return shellRead(c).value;
  }

  /** shellRead over a file, undefined when the file is absent. */
  read(rel: string): ShellRead | undefined {
    const c = this.content(rel);
    return c === undefined ? undefined : shellRead(c);
  }

  /** First of several scalar files that exists (util-vserver's getFileValue fallbacks). */
  scalarOf(...rels: string[]): { value: string; rel: string } | undefined {
    for (const r of rels) {
      const v = this.scalar(r);
      if (v !== undefined) return { value: v, rel: r };
    }
    return undefined;
  }

  /** Whole content minus trailing newlines (vuname --dir, name). */
  whole(rel: string): string | undefined {
    const c = this.content(rel);
    return c === undefined ? undefined : c.replace(/\n+$/, '');
  }

  /**
   * List file as `_readFileToArray` reads it (UV scripts/vserver.functions:93-107):
   * `while read v` — each line through shellRead, empty and `#` lines skipped,
   * and a last line without a final newline is never seen (read fails at EOF
   * and the loop ends). `dropped` holds that line when it has content.
   */
  lines(rel: string): { lines: { text: string; line: number }[]; dropped?: string } | undefined {
    const c = this.content(rel);
    if (c === undefined) return undefined;
    return readLoop(c);
  }

  report(rel: string, message: string, fieldPath = ''): void {
    this.problems.push(problem(this.abs(rel), message, fieldPath));
  }
}

export interface ParsedGuestConfig {
  spec: GuestSpec;
  /** value of the `context` file, if any */
  contextFile?: number;
  problems: Problem[];
}

/** Reserved for parse switches; none yet. */
export type ParseOptions = Record<string, never>;

/**
 * Interprets one guest's config snapshot. Never throws for bad content: each
 * unreadable value becomes a problem naming the file, and the field keeps its
 * default, so one bad file does not hide the rest of the guest.
 */
export function parseGuestConfig(dir: string, tree: ConfigTree, _opts: ParseOptions = {}): ParsedGuestConfig {
  const problems: Problem[] = [];
  const v = new TreeView(dir, tree, problems);
  const name = path.basename(dir);

  let contextFile: number | undefined;
  const ctx = v.scalar('context');
  if (ctx === undefined) {
    v.report('context', 'no context file (dynamic context ids do not exist on vs2.3.9 kernels)', 'spec.context');
  } else {
    const n = parseXid(ctx);
    if (n === undefined || n < 2 || n > 65535) v.report('context', `invalid context id ${JSON.stringify(ctx)}: vcontext --xid does not take it, so \`vserver ${name} start\` fails`, 'spec.context');
    else contextFile = n;
  }

  const marks = readBootMarks(v);
  const spec: GuestSpec = {
    name,
    context: contextFile ?? 0,
    nodename: v.whole('uts/nodename') ?? v.scalar('hostname') ?? '',
    runState: 'stopped',
    startOnBoot: marks.startOnBoot,
    initStyle: readInitStyle(v),
    interfaces: readInterfaces(v),
    flags: readList(v, 'flag', v.exists('cflags') ? 'cflags' : 'flags', 'spec.flags'),
    bcaps: readList(v, 'bcap', 'bcapabilities', 'spec.bcaps'),
    ccaps: readList(v, 'ccap', 'ccapabilities', 'spec.ccaps'),
    limits: readLimits(v),
    cgroup: readCgroup(v),
    fstab: readFstab(v),
  };
  const dom = v.whole('uts/domainname') ?? v.scalar('domainname');
  if (dom !== undefined && dom !== '') spec.domainname = dom;
  const disk = readDisk(v);
  if (disk) spec.disk = disk;
  // ---- issue 10 (adopt): set only when the host has the files, so other guests' observed specs stay as they were ----
  if (marks.others.length > 0) spec.bootMarks = marks.others;
  readAdoptedSettings(v, spec);
  readInitxSettings(v, spec); // issue 10 (initx)
  // ---- issue 10 (iface) ----
  const network = readNetwork(v);
  if (network) spec.network = network;
  // ---- end issue 10 (iface) ----
  const files = carriableFiles(tree, unmodelledEntries(tree));
  if (Object.keys(files).length > 0) spec.files = files;
  // ---- end issue 10 (adopt) ----
  if (v.exists('hostname') && !v.exists('uts/nodename')) v.report('hostname', 'legacy hostname file; util-vserver expects uts/nodename');
  for (const rel of ['uts/nodename', 'uts/domainname']) {
    const c = v.content(rel);
    // vuname --dir keeps everything but trailing newlines (UV src/vuname.c:158-164): a CR stays in the name.
    if (c !== undefined && /\r/.test(c.replace(/\n+$/, ''))) v.report(rel, `contains a carriage return (CRLF file): util-vserver sets the name with the CR in it`, rel === 'uts/nodename' ? 'spec.uts.nodename' : 'spec.uts.domainname');
  }
  return { spec, ...(contextFile !== undefined ? { contextFile } : {}), problems };
}

/** Walk + parse in one call. */
export async function readGuestConfig(dir: string, opts: ParseOptions & { fs?: ReadFs } = {}): Promise<ParsedGuestConfig & { tree: ConfigTree }> {
  const walkProblems: Problem[] = [];
  const tree = readConfigTreeSync(dir, opts.fs ?? nodeFs, walkProblems);
  const parsed = parseGuestConfig(dir, tree, opts);
  return { ...parsed, problems: [...walkProblems, ...parsed.problems], tree };
}

function readInitStyle(v: TreeView): InitStyle {
  const s = v.scalar('apps/init/style');
  if (s === undefined || s === '') return 'sysv';
  if ((INIT_STYLES as readonly string[]).includes(s)) return s as InitStyle;
  v.report('apps/init/style', `Unknown init-style '${s}'`, 'spec.initStyle');
  return 'sysv';
}

function readList(v: TreeView, kind: ListKind, rel: string, fieldPath: string): string[] {
  const read = v.lines(rel);
  if (!read) return [];
  if (read.dropped !== undefined) {
    v.report(rel, `last line ${JSON.stringify(read.dropped)} has no final newline: util-vserver's read loop never passes it on (it is not applied)`, fieldPath);
  }
  const items: ListItem[] = [];
  const tool = kind === 'flag' || kind === 'nflag' ? '--flag' : kind === 'bcap' ? '--bcap' : kind === 'ncap' ? '--ncap' : '--ccap';
  for (const { text, line } of read.lines) {
    // cflags: `namespace` is skipped by _generateFlagOptions (UV scripts/vserver.functions:419-420): not a context flag.
    if (kind === 'flag' && text === 'namespace') {
      v.problems.push({ file: v.abs(rel), line, column: 1, path: fieldPath, message: `"namespace" is not a context flag: util-vserver skips this line (it selects the mount namespace; see the nonamespace file)` });
      continue;
    }
    const r = parseListStrict(kind, text);
    if (!r.ok) {
      const cr = text.includes('\r') ? ' (CRLF line ending)' : '';
      v.problems.push({ file: v.abs(rel), line, column: 1, path: fieldPath, message: `vattribute ${tool} rejects ${JSON.stringify(text)} at ${JSON.stringify(r.bad)}${cr} (${UNKNOWN_MESSAGE[kind]}): \`vserver NAME start\` fails` });
      continue;
    }
    items.push(...r.items);
  }
  return normalizeItems(kind, items);
}

/** What bash `read VAR` (no -r, default IFS) leaves in VAR, and whether it succeeded. */
export interface ShellRead {
  value: string;
  /** false when EOF came before a newline: `read` returns 1 (the value is still set) */
  complete: boolean;
  /** characters consumed, newline included */
  consumed: number;
}

/**
 * bash `read VAR` over the start of `text`: reads to the first unescaped
 * newline (backslash-newline continues the line, `\x` is `x`), strips leading
 * and trailing blanks (IFS white space: space, tab), keeps everything else —
 * a CR of a CRLF file stays in the value.
 */
export function shellRead(text: string): ShellRead {
  let out = '';
  let i = 0;
  let lastEscaped = -1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) { i++; break; }
      if (text[i + 1] === '\n') { i += 2; continue; }
      out += text[i + 1];
      lastEscaped = out.length;
      i += 2;
      continue;
    }
    if (ch === '\n') return { value: trimBlanks(out, lastEscaped), complete: true, consumed: i + 1 };
    out += ch;
    i++;
  }
  return { value: trimBlanks(out, lastEscaped), complete: false, consumed: i };
}

function trimBlanks(s: string, protectedEnd: number): string {
  let a = 0;
  while (a < s.length && (s[a] === ' ' || s[a] === '\t')) a++;
  let b = s.length;
  while (b > a && b > protectedEnd && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--;
  return s.slice(a, b);
}

/** `while read v; do case x"$v" in (x|x\#*) ;; … esac; done <file` (UV scripts/vserver.functions:93-107). */
export function readLoop(text: string): { lines: { text: string; line: number }[]; dropped?: string } {
  const lines: { text: string; line: number }[] = [];
  let rest = text;
  let line = 1;
  while (rest.length > 0) {
    const r = shellRead(rest);
    if (!r.complete) {
      return r.value !== '' ? { lines, dropped: r.value } : { lines };
    }
    if (r.value !== '' && !r.value.startsWith('#')) lines.push({ text: r.value, line });
    line += (rest.slice(0, r.consumed).match(/\n/g) ?? []).length;
    rest = rest.slice(r.consumed);
  }
  return { lines };
}

/**
 * A context id as `vcontext --xid` takes it (UV lib/xidopt2xid.c:43-49):
 * strtol base 10 — `01516` is 1516, `0x5ed` and `1516\r` are not numbers
 * (they are looked up as guest names and fail).
 */
export function parseXid(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * apps/init/mark: the boot service starts a guest when a line of its mark file
 * equals the mark exactly (`grep -qx "$mark"`, UV scripts/functions:600-602),
 * so `default ` (trailing blank) or `default\r` is another mark; only guests
 * that pass isRegularFile (not named `*~`, `*.rpmnew`, …), have no `disabled`
 * file and have a vdir are considered (UV scripts/functions:70-78, 581-583).
 */
function readBootMarks(v: TreeView): { startOnBoot: boolean; others: string[] } {
  const c = v.content('apps/init/mark');
  if (c === undefined) return { startOnBoot: false, others: [] };
  const marks = splitMarkLines(c);
  const isDefault = marks.includes('default');
  if (!isDefault) {
    const near = marks.find((m) => m.trim() === 'default');
    if (near !== undefined) v.report('apps/init/mark', `mark ${JSON.stringify(near)} is not "default" (marks match whole lines exactly): the boot service does not start this guest`, 'spec.startOnBoot');
  }
  if (isDefault && v.exists('disabled')) v.report('disabled', 'a disabled file: the boot service skips this guest although its mark is "default"', 'spec.startOnBoot');
  // every other line is a mark of its own (`start-vservers -m MARK` starts the guest): spec.bootMarks
  return { startOnBoot: isDefault, others: marks.filter((m) => m !== 'default') };
}

/**
 * The lines of a mark file as `grep -qx` sees them (UV scripts/functions:600-602):
 * split at LF, a last line without a final newline still counts; empty lines
 * match no mark (getAllVserversByArg splits marks at `,`, never giving one
 * that is empty) and are left out.
 */
export function splitMarkLines(content: string): string[] {
  return content.split('\n').filter((l) => l !== '');
}

/**
 * nice, ionice/{class,priority}, personality and uts/{sysname,release,version,machine}
 * as util-vserver reads them (issue 10 item 4):
 * - `nice`: `read nice <nice; let nice=$nice-$current_nice` (UV scripts/vserver.functions:145-154):
 *   the first line, blanks stripped, as a decimal integer; anything else (bash `let` would
 *   read `010` as octal, `0x` as hex, words as variables) is reported and left out.
 * - `ionice/class`, `ionice/priority`: `read` each (vserver.functions:156-175), passed as
 *   `ionice -c<class> -n<priority>`; a priority alone means class 2.
 * - `personality`: `test -s`, then the first line (`read type`) is the type and every further
 *   non-empty, non-`#` line a flag, joined with `,` (vserver.functions:177-201).
 * - `uts/<key>`: `vuname --dir` keeps the whole content but trailing newlines (UV src/vuname.c:158-164).
 */
function readAdoptedSettings(v: TreeView, spec: GuestSpec): void {
  // nflags / ncapabilities: `_readFileToArray … CHBIND_CMD --flag/--ncap` (UV scripts/vserver.functions:138-139),
  // the same read loop and list parser as cflags
  if (v.exists('nflags')) spec.nflags = readList(v, 'nflag', 'nflags', 'spec.nflags');
  if (v.exists('ncapabilities')) spec.ncaps = readList(v, 'ncap', 'ncapabilities', 'spec.ncapabilities');
  const uts: UtsExtra = {};
  // values a manifest cannot hold (empty, over 64 characters, control characters) are reported and
  // left unset: not managed, so the file stays as it is
  const unfit = (rel: string, val: string, field: string): boolean => {
    if (val !== '' && val.length <= 64 && !/[\u0000-\u001f\u007f-\u009f]/.test(val)) return false;
    v.report(rel, `value ${JSON.stringify(val)} is not modelled (empty, over 64 characters or a control character): kept as is, not managed`, field);
    return true;
  };
  for (const k of UTS_EXTRA_KEYS) {
    const val = v.whole(`uts/${k}`);
    if (val !== undefined && !unfit(`uts/${k}`, val, `spec.uts.${k}`)) uts[k] = val;
  }
  if (Object.keys(uts).length > 0) spec.utsExtra = uts;

  const nice = v.scalar('nice');
  if (nice !== undefined) {
    if (/^[+-]?(0|[1-9][0-9]*)$/.test(nice) && Math.abs(Number(nice)) <= 40) spec.nice = Number(nice);
    else v.report('nice', `nice value ${JSON.stringify(nice)} is not a decimal integer from -40 to 40: not modelled (bash \`let\` reads it in its own way)`, 'spec.nice');
  }

  const ionice: IoniceSpec = {};
  const cls = v.scalar('ionice/class');
  if (cls !== undefined && cls !== '') {
    if (/^([0-3]|none|realtime|best-effort|idle)$/.test(cls)) ionice.class = cls;
    else v.report('ionice/class', `ionice class ${JSON.stringify(cls)} is not one of 0-3, none, realtime, best-effort, idle: not modelled, kept as is`, 'spec.ionice.class');
  }
  const prio = v.scalar('ionice/priority');
  if (prio !== undefined && prio !== '') {
    if (/^[0-7]$/.test(prio)) ionice.priority = Number(prio);
    else v.report('ionice/priority', `ionice priority ${JSON.stringify(prio)} is not 0-7: ionice refuses it and the start fails`, 'spec.ionice.priority');
  }
  if (Object.keys(ionice).length > 0) spec.ionice = ionice;

  const pers = v.content('personality');
  if (pers !== undefined && pers !== '') {
    const first = shellRead(pers);
    const rest = first.complete ? readLoop(pers.slice(first.consumed)) : { lines: [] };
    const p = { type: first.value, flags: rest.lines.map((l) => l.text) };
    if ([p.type, ...p.flags].every((x) => /^[A-Za-z0-9_]{1,32}$/.test(x)) && p.flags.length <= 32) spec.personality = p;
    else v.report('personality', `personality ${JSON.stringify([p.type, ...p.flags].join(','))} is not modelled (names of letters, digits and _ only): kept as is, not managed`, 'spec.personality');
  }
}

/** C strtol(base 0) over a whole token (0x hex, leading-0 octal, decimal, optional sign). */
export function parseCInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s.trim());
  if (!m) return undefined;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body.slice(1), 8) : Number(body);
  return m[1] === '-' ? -n : n;
}

/**
 * An rlimits file value exactly as vlimit reads it (UV lib/parselimit.c:27-50,
 * src/vlimit.c:254-271: the first 127 bytes): `inf` at the very start =
 * unlimited, else strtoll base 0 (leading white space and a sign allowed), one
 * optional K/M (binary) or k/m (decimal) suffix, then end of file or a
 * newline. `-1` is VC_LIM_INFINITY (~0ULL), i.e. unlimited; a CR (CRLF file)
 * or a trailing blank makes the value invalid and vlimit fails the start.
 */
export function parseLimitValue(content: string): LimitValue | undefined {
  const buf = content.slice(0, 127);
  if (buf.startsWith('inf')) return 'inf';
  const n = cStrtoll(buf);
  if (n.end === 0) return undefined;
  let rest = buf.slice(n.end);
  let value = n.value;
  const mult = { K: 1024n, M: 1024n * 1024n, k: 1000n, m: 1000n * 1000n }[rest[0] ?? ''];
  if (mult !== undefined) {
    value = BigInt.asUintN(64, value * mult);
    rest = rest.slice(1);
  }
  if (rest !== '' && rest[0] !== '\n') return undefined;
  if (value === (1n << 64n) - 1n) return 'inf';
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

function readLimits(v: TreeView): Partial<Record<LimitName, Limit>> {
  const out: Partial<Record<LimitName, Limit>> = {};
  const val = (rel: string): LimitValue | undefined => {
    const c = v.content(rel);
    if (c === undefined) return undefined;
    const r = parseLimitValue(c);
    if (r === undefined) v.report(rel, `Invalid limit in '${v.abs(rel)}'${c.includes('\r') ? ' (CRLF line ending)' : ''}: vlimit exits and \`vserver NAME start\` fails`, 'spec.limits');
    return r;
  };
  for (const name of LIMIT_NAMES) {
    const base = val(`rlimits/${name}`);
    const soft = val(`rlimits/${name}.soft`);
    const hard = val(`rlimits/${name}.hard`);
    const min = val(`rlimits/${name}.min`);
    if (base === undefined && soft === undefined && hard === undefined && min === undefined) continue;
    // `r` sets soft and hard (and min, which G4 kernels ignore: only an explicit r.min is kept).
    const limit: Limit = { soft: soft ?? base ?? 'inf', hard: hard ?? base ?? 'inf' };
    if (min !== undefined) limit.min = min;
    out[name] = limit;
  }
  for (const f of v.children('rlimits')) {
    const res = f.replace(/\.(soft|hard|min)$/, '');
    if (!(LIMIT_NAMES as readonly string[]).includes(res) && KERNEL_UNSETTABLE.has(res)) {
      v.report(`rlimits/${f}`, `limit '${res}' cannot be set on vs2.3.9 kernels (vlimit prints EINVAL); ignored`, 'spec.limits');
    }
  }
  return out;
}

/** util-vserver rlimits names the model does not carry (G4 kernels reject or do not enforce them). */
const KERNEL_UNSETTABLE = new Set(['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'memlock', 'as', 'anon', 'semary', 'nsems']);

// ---- issue 10 (iface): interfaces/ exactly as util-vserver reads it ----
/**
 * `_getInterfaceValue KEY '' "$iface" ["$iface/.."]` (UV scripts/vserver.functions:511-527):
 * `for i; do read tmp <"$i/KEY" && break || :; done; : ${tmp:=''}`. A file that
 * is absent (or a directory) leaves `tmp` as it was; a read that hits EOF before
 * a newline (no final newline, empty file) sets `tmp` but does not `break`, so
 * the fallback, when it exists, overrides it. Only the keys of :626-632 fall
 * back to the directory level (extip, dev, prefix, mask, bcast, scope), never
 * ip, name, mac or peer. For a symlinked interface directory `$iface/..` is the
 * link target's parent (outside the config dir, e.g. Puppet's local-interfaces/),
 * which vsgitops does not read: no fallback is taken there.
 */
export function interfaceValue(content: (rel: string) => string | undefined, rel: string, key: string, fallback: string | undefined): { value: string; rel: string; overridden?: string } | undefined {
  let tmp: string | undefined;
  let from: string | undefined;
  let overridden: string | undefined;
  for (const r of fallback !== undefined ? [`${rel}/${key}`, `${fallback}/${key}`] : [`${rel}/${key}`]) {
    const c = content(r);
    if (c === undefined) continue;
    const x = shellRead(c);
    if (tmp !== undefined && tmp !== '') overridden = tmp;
    tmp = x.value;
    from = r;
    if (x.complete) break;
  }
  return tmp === undefined || tmp === '' || from === undefined ? undefined : { value: tmp, rel: from, ...(overridden !== undefined ? { overridden } : {}) };
}

/** Reports a value of the interface's own file that util-vserver does not use (no final newline, a fallback exists). */
function reportOverridden(v: TreeView, rel: string, key: string, r: { value: string; rel: string; overridden?: string } | undefined): void {
  if (r?.overridden === undefined) return;
  v.report(`${rel}/${key}`, `${JSON.stringify(r.overridden)} has no final newline: \`read\` fails and util-vserver uses ${r.rel} (${JSON.stringify(r.value)}) instead (scripts/vserver.functions:522)`, 'spec.interfaces');
}

/** Names directly in interfaces/ that are files util-vserver reads there, not interfaces (reference §6.3). */
const DIR_LEVEL = new Set(['bcast', 'lback', 'dev', 'prefix', 'mask', 'scope', 'vlandev', 'novlandev', 'extip']);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * interfaces/{bcast,lback} (`getFileValue`, UV scripts/vserver.functions:125-131 → `chbind --bcast/--lback`,
 * an IPv4 address or naddress fails the start), interfaces/{vlandev,novlandev} (existence, :653-657),
 * interfaces/scope (fallback of the unused per-interface scope, :632).
 */
function readNetwork(v: TreeView): NetworkSpec | undefined {
  const net: NetworkSpec = {};
  for (const key of ['broadcast', 'loopback'] as const) {
    const rel = `interfaces/${NETWORK_FILES[key]}`;
    const val = v.scalar(rel);
    if (val === undefined || val === '') continue;
    if (IPV4.test(val)) net[key] = val;
    else v.report(rel, `${JSON.stringify(val)} is not an IPv4 address: chbind --${NETWORK_FILES[key]} (naddress) refuses it and the start fails; not modelled, kept as is`, `spec.network.${key}`);
  }
  const scope = v.scalar('interfaces/scope');
  if (scope !== undefined && scope !== '') {
    if (/^[A-Za-z0-9_-]{1,32}$/.test(scope)) net.scope = scope;
    else v.report('interfaces/scope', `scope ${JSON.stringify(scope)} is not modelled: kept as is`, 'spec.network.scope');
  }
  if (v.exists('interfaces/vlandev')) net.vlandev = true;
  if (v.exists('interfaces/novlandev')) net.novlandev = true;
  return Object.keys(net).length > 0 ? net : undefined;
}

/** A MAC address as `ip link … address` takes it: six hex pairs separated by `:`. */
const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

/** The extras of one interface (issue 10 item 4), set only when the files say so. */
function readInterfaceExtras(v: TreeView, rel: string, fallback: string | undefined, iface: InterfaceSpec): void {
  const content = (r: string) => v.content(r);
  const b = interfaceValue(content, rel, 'bcast', fallback);
  reportOverridden(v, rel, 'bcast', b);
  // `broadcast ${bcast:-+}` (:671): unset and `+` are one value; an IPv6 address gets none at all
  // (`echo "$ip" | grep -q : && use_bcast=`, :672), so its bcast is not modelled
  if (b !== undefined && b.value !== '+' && iface.family === 4) {
    if (IPV4.test(b.value) || b.value === '-') iface.broadcast = b.value;
    else v.report(b.rel, `broadcast ${JSON.stringify(b.value)} is not an IPv4 address, '+' or '-': ip addr add refuses it; not modelled, kept as is`, 'spec.interfaces');
  }
  const sc = v.scalar(`${rel}/scope`);
  if (sc !== undefined && sc !== '') {
    if (/^[A-Za-z0-9_-]{1,32}$/.test(sc)) iface.scope = sc;
    else v.report(`${rel}/scope`, `scope ${JSON.stringify(sc)} is not modelled: kept as is`, 'spec.interfaces');
  }
  const p = interfaceValue(content, rel, 'peer', undefined);
  if (p !== undefined) {
    const pv = canonicalPeer(p.value);
    if (pv !== undefined) iface.peer = pv;
    else v.report(p.rel, `peer ${JSON.stringify(p.value)} is not an address: ip addr add refuses it; not modelled, kept as is`, 'spec.interfaces');
  }
  // `_getInterfaceValue mac '' "$iface"` (:633): no fallback; kept exactly as written
  const mc = interfaceValue(content, rel, 'mac', undefined);
  if (mc !== undefined && mc.value !== '') {
    if (MAC.test(mc.value)) iface.mac = mc.value;
    else v.report(mc.rel, `mac ${JSON.stringify(mc.value)} is not a MAC address (six hex pairs with ':'); not modelled, kept as is`, 'spec.interfaces');
  }
  // existence flags (`test -e`), UV scripts/vserver.functions:581-590 (_getTunInfo), :653-657 (VLAN rule)
  if (v.exists(`${rel}/tun`)) iface.tun = true;
  if (v.exists(`${rel}/tap`)) iface.tap = true;
  if (v.exists(`${rel}/nocsum`)) iface.nocsum = true;
  if (v.exists(`${rel}/shared`)) iface.shared = true;
  if (v.exists(`${rel}/vlandev`)) iface.vlandev = true;
  if (v.exists(`${rel}/novlandev`)) iface.novlandev = true;
}

function readInterfaces(v: TreeView): InterfaceSpec[] {
  const out: InterfaceSpec[] = [];
  for (const n of v.children('interfaces')) {
    const rel = `interfaces/${n}`;
    // `for iface in "$1/interfaces/"*; do test -d "$iface" || continue` (UV scripts/vserver.functions:706-708):
    // the glob skips dot names (.svn, .git), files are skipped
    if (n.startsWith('.') || DIR_LEVEL.has(n) || !v.isDir(rel)) continue;
    const disabled = v.exists(`${rel}/disabled`);
    // a disabled interface is skipped before anything is read (:708); vsgitops still models it when it can
    const fallback = v.tree.get(rel)?.kind === 'symlink' ? undefined : 'interfaces';
    const mark = v.problems.length;
    const iface = readOneInterface(v, n, rel, fallback);
    const own = v.problems.splice(mark);
    if (disabled) {
      if (iface === undefined) {
        v.report(`${rel}/disabled`, `interface ${n} is disabled (util-vserver skips it) and cannot be modelled (${own.map((x) => x.message).join('; ')}): kept as is, not managed`, 'spec.interfaces');
        continue;
      }
      iface.disabled = true;
    } else v.problems.push(...own);
    if (iface !== undefined) out.push(iface);
  }
  return out;
}
// ---- end issue 10 (iface) ----

/**
 * One interfaces/<n>/ as _processSingleInterface reads it (UV scripts/vserver.functions:609-645), with
 * _getInterfaceValue's fallbacks (issue 10, iface: exact `read && break` semantics) and the extras.
 */
function readOneInterface(v: TreeView, n: string, rel: string, fallback: string | undefined): InterfaceSpec | undefined {
  const content = (r: string) => v.content(r);
  const ipv = interfaceValue(content, rel, 'ip', undefined);
  const ip = ipv?.value;
  if (ip === undefined || ip === '') {
    v.report(`${rel}/ip`, `Can not read ip for '${n}'`, 'spec.interfaces');
    return undefined;
  }
  let family: 4 | 6;
  let address: string;
  if (isIPv4(ip)) {
    family = 4;
    address = ip;
  } else {
    const c = ip.includes(':') ? canonicalIPv6(ip) : undefined;
    if (c === undefined) {
      v.report(`${rel}/ip`, `invalid IP address "${ip}"`, 'spec.interfaces');
      return undefined;
    }
    family = 6;
    address = c;
  }
  const nodev = v.exists(`${rel}/nodev`) || v.exists(`${rel}/only_ip`);
  const dev = interfaceValue(content, rel, 'dev', fallback);
  reportOverridden(v, rel, 'dev', dev);
  if (!nodev && dev === undefined) {
    v.report(rel, `No device specified for '${n}'`, 'spec.interfaces');
    return undefined;
  }
  let prefix: number | undefined;
  const p = interfaceValue(content, rel, 'prefix', fallback);
  reportOverridden(v, rel, 'prefix', p);
  if (p !== undefined) {
    const num = /^\d+$/.test(p.value) ? Number(p.value) : NaN;
    if (!(num >= 0 && num <= (family === 4 ? 32 : 128))) {
      v.report(p.rel, `invalid prefix "${p.value}"`, 'spec.interfaces');
      return undefined;
    }
    prefix = num;
  } else {
    const m = interfaceValue(content, rel, 'mask', fallback);
    reportOverridden(v, rel, 'mask', m);
    if (m !== undefined) {
      const conv = family === 4 ? ipv4MaskToPrefix(m.value) : undefined;
      if (conv === undefined) {
        v.report(m.rel, `invalid netmask "${m.value}"`, 'spec.interfaces');
        return undefined;
      }
      prefix = conv;
    }
  }
  if (prefix === undefined) {
    // "$ip${prefix:+/$prefix}" (UV scripts/vserver.functions:645): passed without a prefix.
    v.report(`${rel}/ip`, `no prefix or mask: util-vserver passes ${address} without one, and the kernel (chbind, ip addr add) uses /${family === 4 ? 32 : 128}`, 'spec.interfaces');
  }
  const iface: InterfaceSpec = { name: n, device: nodev ? null : dev!.value, address, family, prefix: prefix ?? (family === 4 ? 32 : 128) };
  const label = interfaceValue(content, rel, 'name', undefined);
  if (label !== undefined) iface.label = label.value;
  readInterfaceExtras(v, rel, fallback, iface);
  return iface;
}

function parseMem(s: string): number | undefined {
  const m = /^(\d+)([kKmMgG])?$/.exec(s);
  if (!m) return undefined;
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

/**
 * The guest's own cgroup/ values. util-vserver copies .defaults/cgroup/* and
 * then these into the new cgroup, but a host default is not the guest's
 * configuration: a manifest that leaves a value unset means "the host's
 * default", so reading the default in as the guest's value would plan its
 * removal on every pass (and never converge). With `nocgroup` the files are
 * still read (reading them as unset would plan writing them on every pass),
 * and reported: util-vserver creates no cgroup, so they take no effect.
 */
function readCgroup(v: TreeView): CgroupSpec {
  const out = readCgroupFiles(v);
  if (v.exists('nocgroup') && Object.keys(out).length > 0) {
    v.report('nocgroup', 'util-vserver creates no cgroup for this guest (nocgroup): its cgroup/ values are not applied', 'spec.cgroup');
  }
  return out;
}

function readCgroupFiles(v: TreeView): CgroupSpec {
  const out: CgroupSpec = {};
  const get = (file: string): { value: string; view: TreeView; rel: string } | undefined => {
    const rel = `cgroup/${file}`;
    const own = v.scalar(rel);
    return own !== undefined ? { value: own, view: v, rel } : undefined;
  };
  const num = (file: string, key: 'cpuShares' | 'cpuQuotaUs' | 'cpuPeriodUs', allowNegative = false): void => {
    const g = get(file);
    if (!g) return;
    const n = parseCInt(g.value);
    if (n === undefined || (n < 0 && !allowNegative)) g.view.report(g.rel, `not an integer: "${g.value}"`, `spec.cgroup.${key}`);
    else if (n >= 0) out[key] = n;
  };
  const mem = get('memory.limit_in_bytes');
  if (mem) {
    const n = parseMem(mem.value);
    if (n === undefined && mem.value !== '-1') mem.view.report(mem.rel, `invalid memory limit "${mem.value}"`, 'spec.cgroup.memoryLimit');
    else if (n !== undefined) out.memoryLimit = n;
  }
  num('cpu.shares', 'cpuShares');
  num('cpu.cfs_quota_us', 'cpuQuotaUs', true); // -1 = no quota
  num('cpu.cfs_period_us', 'cpuPeriodUs');
  for (const [file, key] of [['cpuset.cpus', 'cpusetCpus'], ['cpuset.mems', 'cpusetMems']] as const) {
    const g = get(file);
    if (!g || g.value === '') continue;
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(g.value)) g.view.report(g.rel, `invalid cpu list "${g.value}"`, `spec.cgroup.${key}`);
    else out[key] = g.value;
  }
  return out;
}

/**
 * Prefer dlimits/vsgitops (the one vsgitops writes), else the first enabled
 * entry. Each file is read like _setSingleDiskLimit does (UV
 * scripts/vserver.functions:1288-1328): `getFileValue … || return 0`, so a file
 * without a final newline makes util-vserver skip the whole disk limit; the
 * numbers go to `vdlimit --set k=v`, which takes strtol base 0 over the whole
 * value into a uint32 (UV src/vdlimit.c:186-198): `-1` is 4294967295
 * (VC_CDLIM_INFINITY, unlimited), a CR fails the start.
 */
function readDisk(v: TreeView): DiskLimitSpec | undefined {
  const names = v.children('dlimits').filter((n) => !n.startsWith('.') && v.isDir(`dlimits/${n}`) && !v.exists(`dlimits/${n}/disabled`));
  if (names.length === 0) return undefined;
  const chosen = chooseDlimitName(names)!;
  if (names.length > 1) v.report('dlimits', `several disk limits; only dlimits/${chosen} is modelled, the others are kept as is, not managed`, 'spec.disk');
  if (!v.exists('context')) v.report('dlimits', 'no context file: util-vserver ignores disk limits (setDiskLimits)', 'spec.disk');
  const rel = `dlimits/${chosen}`;
  const nums: number[] = [];
  let directory = '';
  for (const f of ['directory', 'space_total', 'inodes_total', 'reserved']) {
    const r = v.read(`${rel}/${f}`);
    if (r === undefined) {
      v.report(`${rel}/${f}`, 'missing (all four dlimits files are required): vdlimit gets an empty value and `vserver NAME start` fails', 'spec.disk');
      return undefined;
    }
    if (!r.complete) {
      v.report(`${rel}/${f}`, `no final newline: util-vserver's getFileValue fails and the disk limit is skipped (not applied)`, 'spec.disk');
      return undefined;
    }
    if (f === 'directory') {
      directory = r.value;
      if (directory === '') {
        v.report(`${rel}/${f}`, 'empty', 'spec.disk');
        return undefined;
      }
      continue;
    }
    const n = r.value === '' ? { value: 0n, end: 0 } : cStrtoll(r.value);
    if (n.end === 0 || n.end !== r.value.length) {
      v.report(`${rel}/${f}`, `vdlimit cannot parse ${JSON.stringify(r.value)}${r.value.includes('\r') ? ' (CRLF line ending)' : ''}: \`vserver NAME start\` fails`, 'spec.disk');
      return undefined;
    }
    nums.push(Number(BigInt.asUintN(32, n.value)));
  }
  return { directory, spaceKiB: nums[0]!, inodes: nums[1]!, reservedPercent: nums[2]! };
}

function readFstab(v: TreeView): FstabEntry[] {
  const c = v.content('fstab');
  if (c === undefined) return [];
  const out: FstabEntry[] = [];
  c.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    const dump = f[4] === undefined ? 0 : Number(f[4]);
    const pass = f[5] === undefined ? 0 : Number(f[5]);
    if (f.length < 4 || f.length > 6 || !Number.isInteger(dump) || !Number.isInteger(pass)) {
      v.problems.push({ file: v.abs('fstab'), line: i + 1, column: 1, path: 'spec.fstab', message: `malformed fstab line "${t}"` });
      return;
    }
    out.push({ device: f[0]!, mountpoint: f[1]!, type: f[2]!, options: f[3]!, dump, pass });
  });
  return out;
}

// ---- issue 10 (initx) ----
/** apps/init extras, depends, sysctl, cgroup files, fstab.remote, hooks: set only when the host has clean files (initx-config.ts). */
function readInitxSettings(v: TreeView, spec: GuestSpec): void {
  Object.assign(spec, readInitx(v.tree, initxReport(v.dir, v.problems)));
}
// ---- end issue 10 (initx) ----
