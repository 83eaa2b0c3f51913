/**
 * `vsgitops import`: one manifest per observed guest, written so that the
 * manifest, once committed, plans no change for that guest (issue 10 item 1).
 *
 * Pure: an observed guest in, YAML text out. Fields at their manifest default
 * are left out; comments say where a value came from when it is not obvious.
 * The text is checked by reading it back through the same validation and
 * normalization `plan` uses and comparing the result with the observed
 * configuration: whatever differs is listed as "not exact", with the reason.
 */
import type { Problem } from '../errors.js';
import type { FstabEntry, GuestSpec, Limit, LimitValue, ObservedGuest } from '../model/guest.js';
import { DEFAULT_DISK_RESERVED_PERCENT, DEFAULT_FSTAB, DEFAULT_VDIR_BASE } from '../desired/defaults.js';
import { validateManifestFiles } from '../desired/validate.js';
import { diffSpec } from '../reconciler/diff.js';
import { initxPaths } from '../model/initx-rules.js'; // issue 10 (initx)

export interface ImportedGuest {
  name: string;
  /** file name under --out */
  file: string;
  yaml: string;
  /** empty when the manifest reproduces the configuration exactly */
  inexact: string[];
  /** configuration entries vsgitops does not model: kept as is by apply, not managed */
  unmodelled: string[];
  /** of those, the files carried verbatim in spec.files (issue 10) */
  carried: string[];
  /** what observe reported for the guest (e.g. util-vserver would fail its start) */
  notes: string[];
}

/** YAML scalar: plain when it cannot be read as anything but this string, else a JSON (double-quoted) string. */
export function yamlString(s: string): string {
  const plain = /^[A-Za-z_/][A-Za-z0-9_./@+=-]*$/.test(s) && !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}

function yamlList(items: string[]): string {
  return `[${items.map(yamlString).join(', ')}]`;
}

function limitValue(v: LimitValue): string {
  return v === 'inf' ? 'inf' : String(v);
}

function limitYaml(l: Limit): string {
  if (l.min === undefined && l.soft === l.hard) return limitValue(l.soft);
  const parts = [`soft: ${limitValue(l.soft)}`, `hard: ${limitValue(l.hard)}`];
  if (l.min !== undefined) parts.push(`min: ${limitValue(l.min)}`);
  return `{${parts.join(', ')}}`;
}

function fstabEqual(a: readonly FstabEntry[], b: readonly FstabEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => JSON.stringify(e) === JSON.stringify(b[i]));
}

/**
 * spec.files content as YAML: a literal block (`|`) when that gives back
 * exactly the same text (one final newline, no CR, no leading blank on the
 * first line, no blank-only last line), else a double-quoted JSON string.
 * The read-back check below proves either way.
 */
export function fileContentYaml(content: string, indent: string): string {
  const block = content.endsWith('\n') && !content.endsWith('\n\n') && !content.includes('\r') && !/^[ \t]/.test(content) && content.length > 1;
  if (!block) return JSON.stringify(content);
  return '|\n' + content.slice(0, -1).split('\n').map((l) => (l === '' ? '' : indent + l)).join('\n');
}

/** Problems of one file (relative to the config dir) as comment text. */
function notesFor(problems: Problem[], dir: string, rel: string): string[] {
  return problems.filter((p) => p.file === `${dir}/${rel}`).map((p) => p.message);
}

function comment(lines: string[], indent: string): string {
  return lines.map((l) => `${indent}# ${l.replace(/[\r\n]+/g, ' ')}\n`).join('');
}

/**
 * Renders one guest. `dir` is its config dir (for matching problems to
 * files); `hostName` goes to spec.hosts.names; `unmodelled` are the config
 * entries the model does not carry.
 */
export function renderGuestManifest(g: ObservedGuest, opts: { dir: string; hostName: string; unmodelled?: string[] }): ImportedGuest {
  const s: GuestSpec = g.spec;
  const problems = g.problems ?? [];
  const inexact: string[] = [];
  const out: string[] = [];
  const p = (line: string) => out.push(line + '\n');
  const c = (lines: string[], indent = '') => {
    if (lines.length > 0) out.push(comment(lines, indent));
  };

  c([`Imported by \`vsgitops import\` from /etc/vservers/${s.name} on host ${opts.hostName}.`, 'Fields at their default are left out (docs/manifest.md lists every default).']);
  p('apiVersion: vsgitops.io/v1');
  p('kind: VServer');
  p('metadata:');
  p(`  name: ${yamlString(s.name)}`);
  p('spec:');
  c(notesFor(problems, opts.dir, 'context'), '  ');
  p(`  context: ${s.context}`);
  p('  hosts:');
  p(`    names: [${yamlString(opts.hostName)}]`);
  let nodename = s.nodename;
  if (nodename.includes('\r')) {
    inexact.push('uts/nodename contains a carriage return (CRLF file): the manifest has the name without it, so the plan rewrites the file');
    nodename = nodename.replace(/\r/g, '');
  }
  let domainname = s.domainname;
  if (domainname?.includes('\r')) {
    inexact.push('uts/domainname contains a carriage return (CRLF file): the manifest has the name without it, so the plan rewrites the file');
    domainname = domainname.replace(/\r/g, '');
  }
  const utsExtra = Object.entries(s.utsExtra ?? {});
  if (nodename !== s.name || domainname !== undefined || utsExtra.length > 0) {
    const uts: string[] = [];
    if (nodename !== s.name) uts.push(`nodename: ${yamlString(nodename)}`);
    if (domainname !== undefined) uts.push(`domainname: ${yamlString(domainname)}`);
    for (const [k, v] of utsExtra) uts.push(`${k}: ${yamlString(v)}`); // issue 10: uts/{sysname,release,version,machine}
    p(`  uts: {${uts.join(', ')}}`);
  }
  if (!g.running) {
    c(['stopped when imported; `running` (the default) would start it'], '  ');
    p('  state: stopped');
  }
  c(notesFor(problems, opts.dir, 'apps/init/mark').concat(notesFor(problems, opts.dir, 'disabled')), '  ');
  if (s.startOnBoot) p('  startOnBoot: true                # apps/init/mark has the line "default"');
  if (s.bootMarks !== undefined) p(`  bootMarks: ${yamlList(s.bootMarks)}       # the other lines of apps/init/mark`);
  c(['used only if the guest is ever built again: it existed before vsgitops'], '  ');
  p('  build: {method: skeleton}');
  // issue 10 (initx): apps/init/{runlevel*,cmd.*,killseq,environment} go into spec.init beside the style
  c(['runlevel', 'runlevel.start', 'runlevel.stop', 'cmd.start', 'cmd.stop', 'cmd.prepare', 'cmd.start-sync', 'cmd.stop-sync', 'killseq', 'environment'].flatMap((f) => notesFor(problems, opts.dir, `apps/init/${f}`)), '  ');
  const initParts = [...(s.initStyle !== 'sysv' ? [`style: ${s.initStyle}`] : []), ...initxInitParts(s)];
  if (initParts.length > 0) p(`  init: {${initParts.join(', ')}}`);
  if (s.interfaces.length > 0) {
    p('  interfaces:');
    s.interfaces.forEach((i, idx) => {
      const ipNotes = notesFor(problems, opts.dir, `interfaces/${i.name}/ip`);
      c(ipNotes, '    ');
      const parts: string[] = [];
      if (i.name !== String(idx)) parts.push(`name: ${yamlString(i.name)}`);
      parts.push(i.device === null ? 'nodev: true' : `device: ${yamlString(i.device)}`);
      parts.push(`address: ${yamlString(`${i.address}/${i.prefix}`)}`);
      if (i.label !== undefined) parts.push(`label: ${yamlString(i.label)}`);
      // ---- issue 10 (iface): the extras util-vserver reads, in InterfaceSpec order; defaults omitted ----
      for (const k of ['broadcast', 'scope', 'peer', 'mac'] as const) if (i[k] !== undefined) parts.push(`${k}: ${yamlString(i[k]!)}`);
      for (const k of ['tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled'] as const) if (i[k]) parts.push(`${k}: true`);
      const extraNotes = ['bcast', 'scope', 'peer', 'mac', 'disabled'].flatMap((f) => notesFor(problems, opts.dir, `interfaces/${i.name}/${f}`));
      c(extraNotes, '    ');
      // ---- end issue 10 (iface) ----
      p(`    - {${parts.join(', ')}}`);
    });
  }
  // ---- issue 10 (iface): files directly in interfaces/ ----
  c(['bcast', 'lback', 'scope'].flatMap((f) => notesFor(problems, opts.dir, `interfaces/${f}`)), '  ');
  if (s.network !== undefined) {
    const parts: string[] = [];
    for (const k of ['broadcast', 'loopback', 'scope'] as const) if (s.network[k] !== undefined) parts.push(`${k}: ${yamlString(s.network[k]!)}`);
    for (const k of ['vlandev', 'novlandev'] as const) if (s.network[k] !== undefined) parts.push(`${k}: ${s.network[k]}`);
    c(['interfaces/{bcast,lback,scope,vlandev,novlandev}: chbind --bcast/--lback at start, and defaults of the interfaces'], '  ');
    p(`  network: {${parts.join(', ')}}`);
  }
  // ---- end issue 10 (iface) ----
  const listNotes = (rel: string) => notesFor(problems, opts.dir, rel);
  if (s.flags.length > 0 || listNotes('cflags').length > 0 || listNotes('flags').length > 0) {
    c([...listNotes('cflags'), ...listNotes('flags')], '  ');
    if (s.flags.length > 0) p(`  flags: ${yamlList(s.flags)}`);
  }
  const capNotes = [...listNotes('bcapabilities'), ...listNotes('ccapabilities')];
  c(capNotes, '  ');
  if (s.bcaps.length > 0 || s.ccaps.length > 0) {
    p('  capabilities:');
    if (s.bcaps.length > 0) p(`    system: ${yamlList(s.bcaps)}`);
    if (s.ccaps.length > 0) p(`    context: ${yamlList(s.ccaps)}`);
  }
  const limitNames = Object.keys(s.limits).sort() as (keyof GuestSpec['limits'])[];
  if (limitNames.length > 0) {
    p('  limits:');
    for (const n of limitNames) p(`    ${n}: ${limitYaml(s.limits[n]!)}`);
  }
  const cg = s.cgroup;
  if (cg.memoryLimit !== undefined) p(`  memory: {limit: ${cg.memoryLimit}}               # cgroup/memory.limit_in_bytes, bytes`);
  const cpu: string[] = [];
  if (cg.cpuShares !== undefined) cpu.push(`shares: ${cg.cpuShares}`);
  if (cg.cpuQuotaUs !== undefined) cpu.push(`quotaUs: ${cg.cpuQuotaUs}`);
  if (cg.cpuPeriodUs !== undefined) cpu.push(`periodUs: ${cg.cpuPeriodUs}`);
  if (cg.cpusetCpus !== undefined) cpu.push(`cpus: ${JSON.stringify(cg.cpusetCpus)}`);
  if (cg.cpusetMems !== undefined) cpu.push(`mems: ${JSON.stringify(cg.cpusetMems)}`);
  if (cpu.length > 0) p(`  cpu: {${cpu.join(', ')}}`);
  if (s.disk) {
    const d = s.disk;
    const parts: string[] = [];
    if (d.directory !== `${DEFAULT_VDIR_BASE}/${s.name}`) parts.push(`directory: ${yamlString(d.directory)}`);
    parts.push(`space: ${d.spaceKiB}Ki`, `inodes: ${d.inodes}`);
    if (d.reservedPercent !== DEFAULT_DISK_RESERVED_PERCENT) parts.push(`reserved: ${d.reservedPercent}`);
    const unlimited = [d.spaceKiB, d.inodes].some((x) => x === 4294967295) ? ['4294967295 = unlimited (VC_CDLIM_INFINITY; the file may say -1)'] : [];
    c(unlimited, '  ');
    p(`  disk: {${parts.join(', ')}}`);
  }
  c(notesFor(problems, opts.dir, 'dlimits'), '  ');
  if (!fstabEqual(s.fstab, DEFAULT_FSTAB)) {
    if (s.fstab.length === 0) {
      c(['no fstab file (or no entries): nothing is mounted inside the guest'], '  ');
      p('  fstab: []');
    } else {
      c(['differs from util-vserver\'s default fstab (leaving fstab out means that default)'], '  ');
      p('  fstab:');
      for (const e of s.fstab) {
        const parts = [`device: ${yamlString(e.device)}`, `mountpoint: ${yamlString(e.mountpoint)}`, `type: ${yamlString(e.type)}`];
        if (e.options !== 'defaults') parts.push(`options: ${yamlString(e.options)}`);
        if (e.dump !== 0) parts.push(`dump: ${e.dump}`);
        if (e.pass !== 0) parts.push(`pass: ${e.pass}`);
        p(`    - {${parts.join(', ')}}`);
      }
    }
  }
  // ---- issue 10 (adopt) ----
  for (const rel of ['nice', 'ionice/class', 'ionice/priority', 'personality']) c(notesFor(problems, opts.dir, rel), '  ');
  c([...notesFor(problems, opts.dir, 'nflags'), ...notesFor(problems, opts.dir, 'ncapabilities')], '  ');
  if (s.nflags !== undefined) p(`  nflags: ${yamlList(s.nflags)}`);
  if (s.ncaps !== undefined) p(`  ncapabilities: ${yamlList(s.ncaps)}`);
  if (s.nice !== undefined) p(`  nice: ${s.nice}`);
  if (s.ionice !== undefined) {
    const parts: string[] = [];
    if (s.ionice.class !== undefined) parts.push(`class: ${JSON.stringify(s.ionice.class)}`);
    if (s.ionice.priority !== undefined) parts.push(`priority: ${s.ionice.priority}`);
    p(`  ionice: {${parts.join(', ')}}`);
  }
  if (s.personality !== undefined) {
    const parts = [`type: ${yamlString(s.personality.type)}`];
    if (s.personality.flags.length > 0) parts.push(`flags: ${yamlList(s.personality.flags)}`);
    p(`  personality: {${parts.join(', ')}}`);
  }
  // ---- issue 10 (initx) ----
  renderInitxYaml(s, problems, opts.dir, p, c);
  // a file an initx field models is not carried too (it would be written twice)
  const covered = initxPaths(s);
  const files = Object.fromEntries(Object.entries(s.files ?? {}).filter(([rel]) => !covered.has(rel)));
  // ---- end issue 10 (initx) ----
  const carried = Object.keys(files).sort();
  if (carried.length > 0) {
    c(['Files vsgitops does not model, carried verbatim: apply writes exactly this content.', 'Leaving a path out does not delete the file (kept as is, not managed). scripts/* hooks run as root on the host.'], '  ');
    p('  files:');
    for (const rel of carried) p(`    ${yamlString(rel)}: ${fileContentYaml(files[rel]!, '      ')}`);
  }
  // ---- end issue 10 (adopt) ----
  const unmodelled = opts.unmodelled ?? [];
  const kept = unmodelled.filter((u) => files[u] === undefined);
  if (kept.length > 0) {
    c(['Not modelled by vsgitops and not carried in spec.files (a link, below a link, not text, or owned by a field): kept as is by apply (never changed or removed), not managed:', ...kept.map((u) => `  ${u}`)], '');
  }
  const yaml = out.join('');

  // Read it back exactly as `plan` will, and compare with the configuration.
  const file = `${s.name}.yaml`;
  const v = validateManifestFiles([{ path: file, size: yaml.length, bytes: new TextEncoder().encode(yaml) }]);
  if (v.problems.length > 0) {
    inexact.push(...v.problems.map((x) => `the manifest is not valid: ${x.path}: ${x.message}`));
  } else {
    const desired = v.guests[0]!.spec;
    const observed: GuestSpec = { ...s, runState: desired.runState };
    for (const d of diffSpec(observed, desired)) {
      if (d.path === 'nodename' || d.path === 'domainname') continue; // reported above
      inexact.push(`${d.path}: the configuration has ${JSON.stringify(d.before)}, the manifest gives ${JSON.stringify(d.after)}`);
    }
    // issue 10 fields are "not managed" when the manifest leaves them out, so diffSpec does not see a missing one
    observed.files = Object.keys(files).length > 0 ? files : undefined; // issue 10 (initx): without the modelled ones
    if (observed.files === undefined) delete observed.files;
    for (const k of ['bootMarks', 'nflags', 'ncaps', 'utsExtra', 'nice', 'ionice', 'personality', 'files', 'initExtra', 'depends', 'sysctl', 'cgroupFiles', 'fstabRemote', 'scripts'] as const) {
      if (JSON.stringify(observed[k]) !== JSON.stringify(desired[k])) inexact.push(`${k}: the configuration has ${JSON.stringify(observed[k])}, the manifest gives ${JSON.stringify(desired[k])}`);
    }
    // issue 10 (iface): spec.network is "not managed" when left out, like the fields above
    if (JSON.stringify(observed.network) !== JSON.stringify(desired.network)) inexact.push(`network: the configuration has ${JSON.stringify(observed.network)}, the manifest gives ${JSON.stringify(desired.network)}`);
  }
  // Comments do not change what the text means: the check above holds for the final text.
  const header = inexact.length > 0 ? comment(['NOT EXACT: this manifest does not reproduce the configuration exactly:', ...inexact.map((x) => `  ${x}`)], '') : '';
  const notes = problems.map((x) => `${x.file.startsWith(opts.dir + '/') ? x.file.slice(opts.dir.length + 1) : x.file}${x.line > 0 ? `:${x.line}` : ''}: ${x.message}`);
  return { name: s.name, file, yaml: header + yaml, inexact, unmodelled, carried, notes };
}

// ---- issue 10 (initx) ----
function fstabYaml(e: FstabEntry): string {
  const parts = [`device: ${yamlString(e.device)}`, `mountpoint: ${yamlString(e.mountpoint)}`, `type: ${yamlString(e.type)}`];
  if (e.options !== 'defaults') parts.push(`options: ${yamlString(e.options)}`);
  if (e.dump !== 0) parts.push(`dump: ${e.dump}`);
  if (e.pass !== 0) parts.push(`pass: ${e.pass}`);
  return `{${parts.join(', ')}}`;
}

/** A list of arbitrary strings as a YAML flow sequence of JSON strings (argv items may hold blanks, quotes, `#`). */
function jsonList(items: string[]): string {
  return `[${items.map((x) => JSON.stringify(x)).join(', ')}]`;
}

/** spec.init's apps/init keys (issue 10 initx) as flow-mapping items. */
function initxInitParts(s: GuestSpec): string[] {
  const ie = s.initExtra;
  if (ie === undefined) return [];
  const lines: string[] = [];
  for (const k of ['runlevel', 'runlevelStart', 'runlevelStop'] as const) if (ie[k] !== undefined) lines.push(`${k}: ${JSON.stringify(ie[k])}`);
  const cmd: string[] = [];
  for (const [k, key] of [['start', 'cmdStart'], ['stop', 'cmdStop'], ['prepare', 'cmdPrepare'], ['startSync', 'cmdStartSync'], ['stopSync', 'cmdStopSync']] as const) {
    if (ie[key] !== undefined) cmd.push(`${k}: ${jsonList(ie[key]!)}`);
  }
  if (cmd.length > 0) lines.push(`cmd: {${cmd.join(', ')}}`);
  if (ie.killSequence !== undefined) lines.push(`killSequence: ${jsonList(ie.killSequence)}`);
  if (ie.environment !== undefined) lines.push(`environment: ${jsonList(ie.environment)}`);
  return lines;
}

/** spec depends, sysctl, cgroupFiles, fstabRemote, scripts (unset fields are left out: not managed). */
function renderInitxYaml(s: GuestSpec, problems: Problem[], dir: string, p: (line: string) => void, c: (lines: string[], indent?: string) => void): void {
  const notes = (prefix: string) => problems.filter((x) => x.file === `${dir}/${prefix}` || x.file.startsWith(`${dir}/${prefix}/`)).map((x) => x.message);
  c(notes('apps/init/depends'), '  ');
  if (s.depends !== undefined) p(`  depends: ${jsonList(s.depends)}          # apps/init/depends: started before this guest at boot`);
  c(notes('sysctl'), '  ');
  if (s.sysctl !== undefined) {
    if (s.sysctl.length === 0) p('  sysctl: []');
    else {
      p('  sysctl:                         # sysctl/<name>/{setting,value}: vsysctl at start');
      s.sysctl.forEach((e, n) => p(`    - {${e.name !== String(n) ? `name: ${JSON.stringify(e.name)}, ` : ''}setting: ${JSON.stringify(e.setting)}, value: ${JSON.stringify(e.value)}}`));
    }
  }
  c(problems.filter((x) => x.path.startsWith('spec.cgroupFiles')).map((x) => x.message), '  ');
  if (s.cgroupFiles !== undefined) {
    p('  cgroupFiles:                    # cgroup/<file>: copied into the guest\'s cgroup at start');
    for (const [f, v] of Object.entries(s.cgroupFiles).sort(([a], [b]) => (a < b ? -1 : 1))) p(`    ${f}: ${JSON.stringify(v)}`);
  }
  c(notes('fstab.remote'), '  ');
  if (s.fstabRemote !== undefined) {
    if (s.fstabRemote.length === 0) p('  fstabRemote: []');
    else {
      p('  fstabRemote:                    # fstab.remote: mounted at start through chbind (the guest\'s network context)');
      for (const e of s.fstabRemote) p(`    - ${fstabYaml(e)}`);
    }
  }
  c(notes('scripts'), '  ');
  if (s.scripts !== undefined) {
    c(['Hooks: util-vserver runs these AS ROOT ON THE HOST at start and stop. A string is an executable hook (mode 0755);', '{content, executable: false} is mode 0644 and sourced into vserver\'s shell. A hook left out is not managed.'], '  ');
    p('  scripts:');
    for (const k of Object.keys(s.scripts).sort()) {
      const h = s.scripts[k]!;
      if (h.executable) p(`    ${yamlString(k)}: ${fileContentYaml(h.content, '      ')}`);
      else p(`    ${yamlString(k)}:\n      executable: false\n      content: ${fileContentYaml(h.content, '        ')}`);
    }
  }
}
// ---- end issue 10 (initx) ----
