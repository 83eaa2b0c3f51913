/**
 * Issue 10 (initx): the files util-vserver reads that vsgitops models since
 * issue 10 item 4 — apps/init/{runlevel,runlevel.start,runlevel.stop,cmd.*,
 * killseq,environment,depends}, sysctl/<n>/{setting,value}, cgroup files
 * beyond the six CgroupSpec ones, fstab.remote and scripts/* hooks — read
 * exactly as util-vserver reads them, and rendered back.
 *
 * A file is modelled only when util-vserver's reading and the model agree
 * (a "clean" file). Anything else is reported with what util-vserver will do,
 * and stays unmodelled: carried verbatim in spec.files when it can be, kept
 * as is otherwise. Fields are all-or-nothing where setting them manages a
 * whole set (sysctl: one unclean entry leaves sysctl/ unmodelled), so apply
 * never removes what the model does not carry. Pure: over the ConfigTree
 * snapshot config-read.ts made.
 *
 * util-vserver references (linux-vserver/util-vserver @ c0e96369, "UV"):
 * - getFileValue / getFileArray: UV scripts/functions:742-764
 * - _generateInitOptions: UV scripts/vserver.functions:288-408
 * - start-vservers (depends): UV scripts/start-vservers:164-193
 * - vsysctl: UV src/vsysctl.c:89-128 (handle_setting), 157-170 (readdir, dot names skipped)
 * - _handleCgroup: UV scripts/vserver.functions:1547-1627 (`cat "$i" >` every file but the control names)
 * - mountVserver / _mountVserverInternal / _umountVserverInternal: UV scripts/vserver.functions:995-1071
 * - execScriptlets: UV scripts/vserver.functions:1195-1217; isRegularFile: UV scripts/functions:69-79
 */
import path from 'node:path';
import type { Problem } from '../../errors.js';
import {
  INIT_FILES,
  INIT_LIST_KEYS,
  INIT_VALUE_KEYS,
  type FstabEntry,
  type GuestSpec,
  type HookScript,
  type InitExtra,
  type SysctlEntry,
} from '../../model/guest.js';
import type { ConfigTree } from './config-read.js';
import { filesContentProblem } from '../../model/owned-paths.js';

import {
  CGROUP_CONTROL_NAMES,
  CGROUP_SIX,
  CGROUP_FILE_NAME,
  CGROUP_VALUE,
  RUNLEVEL_VALUE,
  INIT_ITEM,
  KILLSEQ_ITEM,
  ENV_ITEM,
  DEPENDS_ITEM,
  SYSCTL_SETTING,
  SYSCTL_VALUE,
  SYSCTL_NAME,
  HOOK_PATH,
  HOOK_SKIPPED,
} from '../../model/initx-rules.js';

type Report = (rel: string, message: string, field: string, line?: number) => void;

function fileContent(tree: ConfigTree, rel: string): string | undefined {
  const e = tree.get(rel);
  return e?.kind === 'file' ? e.content : undefined;
}

/** Children names of `rel` in the snapshot, sorted. */
function children(tree: ConfigTree, rel: string): string[] {
  const out: string[] = [];
  for (const k of tree.keys()) if (k.startsWith(rel + '/') && !k.slice(rel.length + 1).includes('/')) out.push(k.slice(rel.length + 1));
  return out.sort();
}

/**
 * getFileArray (UV scripts/functions:755-764): `IFS=$'\n'; arr=( $(< file) )`.
 * The command substitution drops trailing newlines, IFS splits at newlines
 * only (blank lines vanish, spaces stay inside an item, a CR stays, a last line
 * without a newline counts) and there is no comment syntax: `# x` is an item.
 */
export function fileArray(content: string): string[] {
  return content.replace(/\n+$/, '').split('\n').filter((l) => l !== '');
}

/**
 * bash `read` (getFileValue, UV scripts/functions:743-753) over the first
 * line: blanks stripped; complete=false when the file has no newline (read
 * returns 1, getFileValue fails and vserver.start, under `set -e`, stops).
 * Backslash escapes are rare in these files and not modelled: a value with a
 * backslash is reported unfit by the callers' patterns.
 */
function firstLine(content: string): { value: string; complete: boolean } {
  const i = content.indexOf('\n');
  const raw = i < 0 ? content : content.slice(0, i);
  return { value: raw.replace(/^[ \t]+|[ \t]+$/g, ''), complete: i >= 0 };
}

/** The fields this module models, read from one guest's snapshot. */
export function readInitx(tree: ConfigTree, report: Report): Partial<GuestSpec> {
  const out: Partial<GuestSpec> = {};

  // apps/init value and list files (_generateInitOptions, UV scripts/vserver.functions:307-315, 389-395)
  const init: InitExtra = {};
  for (const k of INIT_VALUE_KEYS) {
    const rel = `apps/init/${INIT_FILES[k]}`;
    const c = fileContent(tree, rel);
    if (c === undefined) continue;
    const r = firstLine(c);
    if (!r.complete && r.value !== '') {
      report(rel, `no final newline: getFileValue's \`read\` fails and \`vserver NAME start\` stops (set -e); not modelled: the file stays as it is`, `spec.init.${k}`);
      continue;
    }
    if (r.value === '') continue; // an empty value is no value (`test -n "$RUNLEVEL_START"`): the style's default applies
    if (!RUNLEVEL_VALUE.test(r.value)) {
      report(rel, `runlevel ${JSON.stringify(r.value)} is not modelled (letters, digits and ._+- only${r.value.includes('\r') ? '; a CR of a CRLF file stays in the value' : ''}): the file stays as it is`, `spec.init.${k}`);
      continue;
    }
    init[k] = r.value;
  }
  for (const k of INIT_LIST_KEYS) {
    const rel = `apps/init/${INIT_FILES[k]}`;
    const c = fileContent(tree, rel);
    if (c === undefined) continue;
    const items = fileArray(c);
    const pattern = k === 'killSequence' ? KILLSEQ_ITEM : k === 'environment' ? ENV_ITEM : INIT_ITEM;
    const bad = items.find((x) => !pattern.test(x));
    if (items.length === 0) {
      // cmd.*: an empty array replaces the style's command (the start has nothing to run); killseq: no signals
      report(rel, `no items: util-vserver uses an empty ${INIT_FILES[k]} instead of the init style's default; not modelled: the file stays as it is`, `spec.init.${k}`);
      continue;
    }
    if (bad !== undefined) {
      const why = bad.includes('\r')
        ? 'a CR of a CRLF file stays in the item'
        : /[*?[]/.test(bad)
          ? 'bash expands the glob characters in it (getFileArray does not quote)'
          : k === 'killSequence' && /\s/.test(bad)
            ? 'getFileArray splits at newlines only, so the whole line is one item: `vkill -s` refuses it (ignored, UV scripts/functions:840-846) and the sequence ends without a signal'
            : bad.startsWith('#')
              ? 'getFileArray has no comments: the line is an item'
              : 'not a value the model holds';
      report(rel, `item ${JSON.stringify(bad)}: ${why}; not modelled: the file stays as it is`, `spec.init.${k}`);
      continue;
    }
    init[k] = items;
  }
  if (Object.keys(init).length > 0) out.initExtra = init;

  // apps/init/depends: `cat depends | while read dep; verifyVserver "$dep"` (UV scripts/start-vservers:174-187)
  const dep = fileContent(tree, 'apps/init/depends');
  if (dep !== undefined) {
    const names: string[] = [];
    let ok = true;
    let rest = dep;
    while (rest.length > 0 && ok) {
      const r = firstLine(rest);
      if (!r.complete) {
        if (r.value !== '') {
          report('apps/init/depends', `last line ${JSON.stringify(r.value)} has no final newline: \`while read dep\` never passes it on; not modelled: the file stays as it is`, 'spec.depends');
          ok = false;
        }
        break;
      }
      if (r.value !== '' && !DEPENDS_ITEM.test(r.value)) {
        report('apps/init/depends', `line ${JSON.stringify(r.value)} is not a guest name (no comments here: verifyVserver rejects it); not modelled: the file stays as it is`, 'spec.depends');
        ok = false;
      } else if (r.value !== '') names.push(r.value);
      rest = rest.slice(rest.indexOf('\n') + 1);
    }
    if (ok) out.depends = names;
  }

  // sysctl/<n>/{setting,value}: vsysctl at start (UV src/vsysctl.c:89-128, 157-170)
  if (tree.get('sysctl')?.kind === 'dir') {
    const entries: SysctlEntry[] = [];
    let ok = true;
    for (const n of children(tree, 'sysctl')) {
      if (n.startsWith('.')) continue; // readdir loop skips dot names
      const rel = `sysctl/${n}`;
      if (tree.get(rel)?.kind !== 'dir') {
        report(rel, 'not a directory: vsysctl cannot open its setting and `vserver NAME start` fails; sysctl/ not modelled: its files stay as they are', 'spec.sysctl');
        ok = false;
        continue;
      }
      const setting = fileContent(tree, `${rel}/setting`);
      const value = fileContent(tree, `${rel}/value`);
      if (setting === undefined || value === undefined) {
        report(rel, `no ${setting === undefined ? 'setting' : 'value'} file (or not a plain file): vsysctl fails and \`vserver NAME start\` fails; sysctl/ not modelled: its files stay as they are`, 'spec.sysctl');
        ok = false;
        continue;
      }
      // setting: the first line (cut at the first newline); value: written as it is, newline included
      const s = setting.split('\n')[0]!;
      const v = value.endsWith('\n') ? value.slice(0, -1) : value;
      if (Buffer.byteLength(setting) >= 128 || Buffer.byteLength(value) >= 128) {
        report(rel, 'setting or value of 128 bytes or more: vsysctl fails (EOVERFLOW) and `vserver NAME start` fails; sysctl/ not modelled: its files stay as they are', 'spec.sysctl');
        ok = false;
      } else if (!SYSCTL_NAME.test(n) || !SYSCTL_SETTING.test(s) || !SYSCTL_VALUE.test(v)) {
        report(rel, `setting ${JSON.stringify(s)} / value ${JSON.stringify(v)} is not modelled (${s.includes('\r') ? 'a CR stays in the path vsysctl opens, so the start fails' : 'one line of plain text each'}); sysctl/ not modelled: its files stay as they are`, 'spec.sysctl');
        ok = false;
      } else entries.push({ name: n, setting: s, value: v });
    }
    if (ok) out.sysctl = entries;
  }

  // cgroup/<file> beyond the six: `cat "$i" > <cgroup>/<file>` (UV scripts/vserver.functions:1603-1617)
  const cg: Record<string, string> = {};
  for (const f of children(tree, 'cgroup')) {
    if (f.startsWith('.') || CGROUP_CONTROL_NAMES.has(f) || CGROUP_SIX.has(f)) continue;
    const rel = `cgroup/${f}`;
    const c = fileContent(tree, rel);
    if (c === undefined) continue; // a directory or a link: kept as is
    const v = c.endsWith('\n') ? c.slice(0, -1) : c;
    if (!CGROUP_FILE_NAME.test(f) || !CGROUP_VALUE.test(v)) {
      report(rel, `cgroup file ${f} with ${JSON.stringify(v)} is not modelled (a <subsystem>.<name> file with one line of text): the file stays as it is`, `spec.cgroupFiles.${f}`);
      continue;
    }
    cg[f] = v;
  }
  if (Object.keys(cg).length > 0) out.cgroupFiles = cg;

  // fstab.remote: secure-mount through chbind (UV scripts/vserver.functions:1013); same format as fstab
  const fr = fileContent(tree, 'fstab.remote');
  if (fr !== undefined) {
    const entries = parseFstabText(fr, (line, msg) => report('fstab.remote', msg, 'spec.fstabRemote', line));
    if (entries !== undefined) out.fstabRemote = entries;
  }

  // scripts/<flavor>, scripts/<flavor>.d/*: execScriptlets (UV scripts/vserver.functions:1195-1217)
  const scripts: Record<string, HookScript> = {};
  for (const [rel, e] of tree) {
    if (!rel.startsWith('scripts/')) continue;
    const sub = rel.slice('scripts/'.length);
    if (!HOOK_PATH.test(sub) || HOOK_SKIPPED.test(sub)) continue;
    if (e.kind !== 'file') continue; // a link: kept as is (apply never writes through one)
    const bad = filesContentProblem(e.content);
    if (bad !== undefined) {
      report(rel, `hook ${bad}: not modelled: the file stays as it is`, `spec.scripts.${sub}`);
      continue;
    }
    scripts[sub] = { content: e.content, executable: e.exec === true };
  }
  if (Object.keys(scripts).length > 0) out.scripts = scripts;
  return out;
}

/**
 * fstab text as util-vserver's tools take it: blank and `#` lines skipped,
 * fields split at blanks, 4 to 6 fields. undefined (and a report) when a line
 * is malformed: the file is then not modelled.
 */
export function parseFstabText(text: string, report: (line: number, message: string) => void): FstabEntry[] | undefined {
  const out: FstabEntry[] = [];
  let ok = true;
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    const dump = f[4] === undefined ? 0 : Number(f[4]);
    const pass = f[5] === undefined ? 0 : Number(f[5]);
    if (f.length < 4 || f.length > 6 || !/^\d$/.test(f[4] ?? '0') || !/^\d$/.test(f[5] ?? '0') || !f[1]!.startsWith('/')) {
      report(i + 1, `malformed fstab line ${JSON.stringify(t)}: not modelled: the file stays as it is`);
      ok = false;
      return;
    }
    out.push({ device: f[0]!, mountpoint: f[1]!, type: f[2]!, options: f[3]!, dump, pass });
  });
  return ok ? out : undefined;
}

/** A rendered file with its mode (hooks: 0755 runs it, 0644 sources it). */
export interface ModeFile {
  content: string;
  mode: number;
}

/** Same fstab columns config-write.ts uses (passed in to keep one renderer). */
export type FstabRenderer = (entries: FstabEntry[]) => string;

/**
 * The files the initx fields of `spec` render: relative path -> content, a
 * ModeFile, or null (must not exist). Fields left unset are not in the map
 * (the host's files stay as they are); a value equal to `before`'s is left out
 * too, so its file keeps its exact bytes when something else changes.
 */
export function renderInitx(spec: GuestSpec, before: GuestSpec | undefined, renderFstab: FstabRenderer): Map<string, string | ModeFile | null> {
  const f = new Map<string, string | ModeFile | null>();
  const eq = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const lines = (items: string[]) => (items.length > 0 ? items.map((x) => x + '\n').join('') : null);
  for (const k of INIT_VALUE_KEYS) {
    const v = spec.initExtra?.[k];
    if (v !== undefined && !(before && before.initExtra?.[k] === v)) f.set(`apps/init/${INIT_FILES[k]}`, v + '\n');
  }
  for (const k of INIT_LIST_KEYS) {
    const v = spec.initExtra?.[k];
    if (v !== undefined && !(before && eq(before.initExtra?.[k] ?? [], v))) f.set(`apps/init/${INIT_FILES[k]}`, lines(v));
  }
  if (spec.depends !== undefined && !(before && eq(before.depends ?? [], spec.depends))) f.set('apps/init/depends', lines(spec.depends));
  if (spec.sysctl !== undefined) {
    const old = new Map((before?.sysctl ?? []).map((e) => [e.name, e]));
    for (const e of spec.sysctl) {
      const o = old.get(e.name);
      if (o?.setting !== e.setting) f.set(`sysctl/${e.name}/setting`, e.setting + '\n');
      if (o?.value !== e.value) f.set(`sysctl/${e.name}/value`, e.value + '\n');
    }
    const keep = new Set(spec.sysctl.map((e) => e.name));
    for (const name of old.keys()) {
      if (keep.has(name)) continue;
      f.set(`sysctl/${name}/setting`, null);
      f.set(`sysctl/${name}/value`, null);
    }
  }
  for (const [file, v] of Object.entries(spec.cgroupFiles ?? {})) if (before?.cgroupFiles?.[file] !== v) f.set(`cgroup/${file}`, v + '\n');
  if (spec.fstabRemote !== undefined && !(before && eq(before.fstabRemote ?? [], spec.fstabRemote))) {
    f.set('fstab.remote', spec.fstabRemote.length > 0 ? renderFstab(spec.fstabRemote) : null);
  }
  for (const [sub, h] of Object.entries(spec.scripts ?? {})) {
    if (before && eq(before.scripts?.[sub], h)) continue;
    f.set(`scripts/${sub}`, { content: h.content, mode: h.executable ? 0o755 : 0o644 });
  }
  return f;
}

/** Problems of the reader, against real file paths (config-read.ts's problem shape). */
export function initxReport(dir: string, problems: Problem[]): Report {
  return (rel, message, field, line = 0) => problems.push({ file: path.join(dir, rel), line, column: line > 0 ? 1 : 0, path: field, message });
}
