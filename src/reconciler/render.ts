import { randomBytes } from 'node:crypto';
/**
 * Plans and change sets for people (text, like `terraform plan`) and for
 * programs (versioned JSON). Pure.
 */
import { stringifyExact } from '../text/json.js';
import type { ActionKind, ChangeSet, FieldChange, Outcome, Plan, PlannedAction } from './types.js';
import { escapeControl } from '../text/escape.js';

export const SYMBOLS: Record<ActionKind, string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  start: '>',
  stop: '.',
};

export const LEGEND =
  'Symbols: + create, ~ update in place, -/+ replace (destroy and re-create), - delete, > start, . stop; (restart) = the running guest is restarted';

const CAUSE_LABEL: Record<FieldChange['cause'], string> = {
  pending: '',
  'config-drift': ', config drift',
  'runtime-drift': ', runtime drift',
};

const EFFECT_LABEL: Record<FieldChange['effect'], string> = {
  live: 'live',
  restart: 'restart',
  config: 'config only',
  none: 'no effect',
};

/** The model's field names as the manifest spells them (docs/manifest.md). */
const MANIFEST_FIELD: Record<string, string> = {
  'cgroup.memoryLimit': 'memory.limit',
  'cgroup.cpuShares': 'cpu.shares',
  'cgroup.cpuQuotaUs': 'cpu.quotaUs',
  'cgroup.cpuPeriodUs': 'cpu.periodUs',
  'cgroup.cpusetCpus': 'cpu.cpus',
  'cgroup.cpusetMems': 'cpu.mems',
  bcaps: 'capabilities.system',
  ccaps: 'capabilities.context',
  nodename: 'uts.nodename',
  domainname: 'uts.domainname',
  runState: 'state',
  initStyle: 'init.style',
  'disk.spaceKiB': 'disk.space',
  'disk.reservedPercent': 'disk.reserved',
  // issue 10 (adopt)
  ncaps: 'ncapabilities',
  'utsExtra.sysname': 'uts.sysname',
  'utsExtra.release': 'uts.release',
  'utsExtra.version': 'uts.version',
  'utsExtra.machine': 'uts.machine',
  // ---- issue 10 (initx) ----
  'initExtra.runlevel': 'init.runlevel',
  'initExtra.runlevelStart': 'init.runlevelStart',
  'initExtra.runlevelStop': 'init.runlevelStop',
  'initExtra.cmdStart': 'init.cmd.start',
  'initExtra.cmdStop': 'init.cmd.stop',
  'initExtra.cmdPrepare': 'init.cmd.prepare',
  'initExtra.cmdStartSync': 'init.cmd.startSync',
  'initExtra.cmdStopSync': 'init.cmd.stopSync',
  'initExtra.killSequence': 'init.killSequence',
  'initExtra.environment': 'init.environment',
  // ---- end issue 10 (initx) ----
};

/** A field path of the plan (the model's) as the manifest names it, e.g. cgroup.memoryLimit -> memory.limit. */
export function manifestField(path: string): string {
  // runtime.X: the running guest's X (the cause label says "runtime drift")
  if (path.startsWith('runtime.')) return manifestField(path.slice('runtime.'.length));
  return MANIFEST_FIELD[path] ?? path;
}

const IEC: Array<[string, number]> = [
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** Bytes in the manifest's notation: 1073741824 -> 1Gi (the largest unit that divides exactly). */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of IEC) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

function formatLimit(o: Record<string, unknown>): string {
  const base = o.soft === o.hard ? String(o.soft) : `soft ${String(o.soft)}, hard ${String(o.hard)}`;
  return o.min !== undefined ? `${base}, min ${String(o.min)}` : base;
}

function formatDisk(o: Record<string, unknown>): string {
  const dir = o.directory !== undefined ? `, directory ${String(o.directory)}` : '';
  return `space ${formatBytes(Number(o.spaceKiB) * 1024)}, inodes ${String(o.inodes)}, reserved ${String(o.reservedPercent)}%${dir}`;
}

/** One value as text: strings quoted, lists in brackets, interfaces / fstab entries / limits in their own notation. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (typeof x === 'string' ? x : formatValue(x))).join(', ') + ']';
  const o = v as Record<string, unknown>;
  if (typeof o.address === 'string' && typeof o.prefix === 'number') {
    const label = o.label !== undefined ? ` label ${String(o.label)}` : '';
    // ---- issue 10 (iface): extras in the manifest's words ----
    let extra = '';
    for (const k of ['broadcast', 'peer', 'scope', 'mac']) if (o[k] !== undefined) extra += ` ${k} ${String(o[k])}`;
    for (const k of ['tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled']) if (o[k] === true) extra += ` ${k}`;
    // ---- end issue 10 (iface) ----
    return `${o.device === null ? 'nodev' : String(o.device)} ${o.address}/${o.prefix}${label}${extra}`;
  }
  if (typeof o.mountpoint === 'string') return `${o.device} ${o.mountpoint} ${o.type} ${o.options} ${o.dump} ${o.pass}`;
  if ('soft' in o && 'hard' in o) return formatLimit(o);
  if (typeof o.spaceKiB === 'number') return formatDisk(o);
  return Object.entries(o)
    .map(([k, x]) => `${k} ${formatValue(x)}`)
    .join(', ');
}

/** A value of a plan field in the manifest's units (memory.limit and disk.space in Ki/Mi/Gi). */
export function formatFieldValue(path: string, v: unknown): string {
  if (path.startsWith('runtime.')) return formatFieldValue(path.slice('runtime.'.length), v);
  if (typeof v === 'number' && path === 'cgroup.memoryLimit') return formatBytes(v);
  if (typeof v === 'number' && path === 'disk.spaceKiB') return formatBytes(v * 1024);
  if (path.startsWith('files[')) return formatFileContent(v);
  // issue 10 (initx): a hook by its content and mode, a sysctl entry as setting = value
  if (path.startsWith('scripts[') && v && typeof v === 'object') {
    const h = v as { content: string; executable: boolean };
    return `${formatFileContent(h.content)}${h.executable ? '' : ', sourced (mode 0644)'}`;
  }
  if (path.startsWith('sysctl[') && v && typeof v === 'object') {
    const e = v as { setting: string; value: string };
    return `${e.setting} = ${formatValue(e.value)}`;
  }
  if (path === 'personality' && v && typeof v === 'object') {
    const p = v as { type: string; flags: string[] };
    return p.flags.length > 0 ? `type ${p.type}, flags [${p.flags.join(', ')}]` : `type ${p.type}`;
  }
  return formatValue(v);
}

/** spec.files content on one plan line: its size and first line (the whole text is in the manifest). */
export function formatFileContent(v: unknown): string {
  if (typeof v !== 'string') return formatValue(v);
  const lines = v.split('\n');
  const n = lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
  const first = lines[0]!.length > 40 ? lines[0]!.slice(0, 40) + '…' : lines[0]!;
  return `${Buffer.byteLength(v)} bytes, ${n} line${n === 1 ? '' : 's'}${v === '' ? '' : `, ${JSON.stringify(first)}${n > 1 ? ' …' : ''}`}`;
}

export interface TextOptions {
  /** ANSI colour for the action symbols (callers decide: a TTY, no NO_COLOR, no --no-color) */
  color?: boolean;
}

const COLOR: Record<ActionKind, string> = { create: '32', update: '33', replace: '31', delete: '31', start: '36', stop: '35' };

/**
 * Colour goes in after escaping (escapeControl shows every ESC as `\x1b`): the
 * symbol carries a marker with a per-process nonce that no manifest value can
 * contain, replaced by the real ANSI codes at the very end.
 */
const COLOR_MARK = `\uE000${randomBytes(6).toString('hex')}`;
const COLOR_MARKED = new RegExp(`${COLOR_MARK}(\\d+);([^\\uE000]*)${COLOR_MARK}`, 'g');

function symbol(kind: ActionKind, color: boolean | undefined): string {
  const sym = SYMBOLS[kind].padEnd(3);
  return color ? `${COLOR_MARK}${COLOR[kind]};${sym}${COLOR_MARK}` : sym;
}

function applyColor(text: string): string {
  return text.replace(COLOR_MARKED, (_m, code: string, sym: string) => `\u001b[${code}m${sym}\u001b[0m`);
}

function changeLine(c: FieldChange): string {
  const line = `      ${manifestField(c.path)}: ${formatFieldValue(c.path, c.before)} -> ${formatFieldValue(c.path, c.after)} (${EFFECT_LABEL[c.effect]}${CAUSE_LABEL[c.cause]})`;
  return c.note ? `${line}\n        note: ${c.note}` : line;
}

function where(a: PlannedAction): string {
  return a.manifest ? ` at ${a.manifest.file}:${a.manifest.line}` : '';
}

function headerDetail(a: PlannedAction): string {
  if (a.kind === 'create' && a.after) {
    const b = a.build;
    return ` (context ${a.after.context}${b ? `, build ${b.method}${b.distribution ? ' ' + b.distribution : ''}` : ''}${a.after.runState === 'running' ? ', then start' : ''})`;
  }
  if (a.kind === 'delete') return a.deletion === 'delete' ? ' (delete: remove the guest and its files)' : ' (retain: stop, move the configuration aside, keep the files)';
  if (a.kind === 'replace' && a.before && a.after) return ` (context ${a.before.context} -> ${a.after.context})`;
  return '';
}

function header(a: PlannedAction, opts: TextOptions): string {
  return `  ${symbol(a.kind, opts.color)} ${a.kind} ${a.guest}${where(a)}${headerDetail(a)}${a.restart ? ' (restart)' : ''}`;
}

/**
 * The reason line, without what the field lines below already say: an update's reason is its
 * field list (omitted), a replace's reason ends with it (cut).
 */
function reasonText(a: PlannedAction): string | undefined {
  if (a.kind === 'update' && a.changes.length > 0) return undefined;
  if (a.kind === 'replace') return a.reason.split('; ')[0];
  return a.reason;
}

const CGROUP_ORDER = ['memoryLimit', 'cpuShares', 'cpuQuotaUs', 'cpuPeriodUs', 'cpusetCpus', 'cpusetMems'] as const;

/** A created guest's settings, one per line in the manifest's terms (no JSON). */
export function createFields(a: PlannedAction): Array<[string, string]> {
  if (!a.after) return [];
  const s = a.after;
  const out: Array<[string, string]> = [['uts.nodename', formatValue(s.nodename)]];
  if (s.domainname !== undefined) out.push(['uts.domainname', formatValue(s.domainname)]);
  for (const i of s.interfaces) out.push([`interfaces[${i.name}]`, formatValue(i)]);
  for (const n of Object.keys(s.limits).sort()) out.push([`limits.${n}`, formatValue(s.limits[n as keyof typeof s.limits])]);
  if (s.initStyle !== 'sysv') out.push(['init.style', formatValue(s.initStyle)]);
  if (s.flags.length > 0) out.push(['flags', formatValue(s.flags)]);
  if (s.bcaps.length > 0) out.push(['capabilities.system', formatValue(s.bcaps)]);
  if (s.ccaps.length > 0) out.push(['capabilities.context', formatValue(s.ccaps)]);
  for (const k of CGROUP_ORDER) {
    const v = s.cgroup[k];
    if (v !== undefined) out.push([manifestField(`cgroup.${k}`), formatFieldValue(`cgroup.${k}`, v)]);
  }
  if (s.disk) out.push(['disk', formatDisk(s.disk as unknown as Record<string, unknown>)]);
  for (const f of s.fstab) out.push([`fstab[${f.mountpoint}]`, formatValue(f)]);
  if (s.startOnBoot) out.push(['startOnBoot', 'true']);
  // ---- issue 10 (adopt) ----
  if (s.bootMarks !== undefined) out.push(['bootMarks', formatValue(s.bootMarks)]);
  if (s.nflags !== undefined) out.push(['nflags', formatValue(s.nflags)]);
  if (s.ncaps !== undefined) out.push(['ncapabilities', formatValue(s.ncaps)]);
  for (const [k, v] of Object.entries(s.utsExtra ?? {})) out.push([`uts.${k}`, formatValue(v)]);
  if (s.nice !== undefined) out.push(['nice', String(s.nice)]);
  for (const [k, v] of Object.entries(s.ionice ?? {})) out.push([`ionice.${k}`, formatValue(v)]);
  if (s.personality !== undefined) out.push(['personality', formatFieldValue('personality', s.personality)]);
  // issue 10 (iface)
  for (const [k, v] of Object.entries(s.network ?? {})) out.push([`network.${k}`, formatValue(v)]);
  for (const k of Object.keys(s.files ?? {}).sort()) out.push([`files[${k}]`, formatFileContent(s.files![k])]);
  // ---- end issue 10 (adopt) ----
  // ---- issue 10 (initx) ----
  for (const [k, v] of Object.entries(s.initExtra ?? {})) out.push([manifestField(`initExtra.${k}`), formatValue(v)]);
  if (s.depends !== undefined) out.push(['depends', formatValue(s.depends)]);
  for (const e of s.sysctl ?? []) out.push([`sysctl[${e.name}]`, formatFieldValue(`sysctl[${e.name}]`, e)]);
  for (const k of Object.keys(s.cgroupFiles ?? {}).sort()) out.push([`cgroupFiles[${k}]`, formatValue(s.cgroupFiles![k])]);
  for (const f of s.fstabRemote ?? []) out.push([`fstabRemote[${f.mountpoint}]`, formatValue(f)]);
  for (const k of Object.keys(s.scripts ?? {}).sort()) out.push([`scripts[${k}]`, `${formatFieldValue(`scripts[${k}]`, s.scripts![k])} (host-root script: runs as root on the host)`]);
  // ---- end issue 10 (initx) ----
  out.push(['state', formatValue(s.runState)]);
  return out;
}

function createLines(a: PlannedAction): string[] {
  return createFields(a).map(([k, v]) => `      ${k}: ${v}`);
}

function restartText(n: number): string {
  return n > 0 ? ` (${n} restart)` : '';
}

/** The summary line, e.g. `Plan: 1 to create, 2 to update (1 restart), 0 to replace, 0 to delete.` */
export function renderPlanSummary(plan: Plan): string {
  if (plan.errored) return 'No plan: the desired state failed to load or validate. Nothing will change.';
  const s = plan.summary;
  if (plan.actions.length === 0) {
    const where = plan.revision ? `revision ${plan.revision}` : 'the desired state';
    return plan.blocked.length > 0
      ? `No changes planned; ${plan.blocked.length} blocked (see above).`
      : `No changes. The host matches ${where}.`;
  }
  let line = `Plan: ${s.create} to create, ${s.update} to update${restartText(s.restart)}, ${s.replace} to replace, ${s.delete} to delete`;
  if (s.start > 0) line += `, ${s.start} to start`;
  if (s.stop > 0) line += `, ${s.stop} to stop`;
  return line + '.';
}

export function renderPlanText(plan: Plan, opts: TextOptions = {}): string {
  const out: string[] = [];
  out.push(`vsgitops plan for host ${plan.hostName}${plan.revision ? ` at revision ${plan.revision}` : ''}`);
  if (plan.actions.length > 0) {
    out.push(LEGEND, '');
    for (const a of plan.actions) {
      out.push(header(a, opts));
      const reason = reasonText(a);
      if (reason !== undefined) out.push(`      reason: ${reason}`);
      if (a.kind === 'create') out.push(...createLines(a));
      for (const c of a.changes) out.push(changeLine(c));
    }
  }
  if (plan.blocked.length > 0) {
    out.push('', 'Blocked (not changed):');
    for (const b of plan.blocked) out.push(`  ! ${b.guest}: ${b.reason}`);
  }
  if (plan.unmanaged.length > 0) {
    out.push('', 'Unmanaged (never touched):');
    for (const u of plan.unmanaged) out.push(`  ? ${u.guest ?? `context ${u.xid}`}: ${u.reason}`);
  }
  if (plan.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of plan.warnings) out.push(`  * ${w}`);
  }
  out.push('', renderPlanSummary(plan));
  return applyColor(escapeControl(out.join('\n') + '\n'));
}

/** The plan as JSON (the plan already carries `formatVersion`). */
export function renderPlanJson(plan: Plan): string {
  return stringifyExact(plan) + '\n';
}

/** CI exit code: 0 no changes, 2 changes, 3 changes that include destruction, 1 errored plan. */
export function planExitCode(plan: Plan): 0 | 1 | 2 | 3 {
  if (plan.errored) return 1;
  if (plan.actions.length === 0) return 0;
  return plan.destructive ? 3 : 2;
}

const OUTCOME_ORDER: Outcome[] = ['created', 'updated', 'restarted', 'started', 'stopped', 'replaced', 'deleted', 'retained', 'unchanged', 'skipped', 'failed'];

/** Counts per outcome (what `ChangeSet.summary` holds). */
export function summarizeChangeSet(entries: ChangeSet['entries']): Partial<Record<Outcome, number>> {
  const out: Partial<Record<Outcome, number>> = {};
  for (const k of OUTCOME_ORDER) {
    const n = entries.filter((e) => e.outcome === k).length;
    if (n > 0) out[k] = n;
  }
  return out;
}

/** `Apply complete: 1 created, 2 updated, 1 failed.` */
export function renderChangeSetSummary(cs: ChangeSet): string {
  const counts = summarizeChangeSet(cs.entries);
  const parts = OUTCOME_ORDER.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`);
  const head = cs.ok ? 'Apply complete' : 'Apply finished with failures';
  return `${head}: ${parts.length > 0 ? parts.join(', ') : 'nothing to do'}.`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function renderChangeSetText(cs: ChangeSet): string {
  const out: string[] = [`vsgitops apply on host ${cs.hostName}${cs.revision ? ` at revision ${cs.revision}` : ''}`];
  for (const e of cs.entries) {
    const what = e.action === 'noop' ? '' : ` (${e.action})`;
    out.push(`  ${e.outcome} ${e.guest}${what}: ${e.commands.length} command${e.commands.length === 1 ? '' : 's'}, ${seconds(e.durationMs)}`);
    if (e.error) {
      out.push(`      error: ${e.error.code}: ${e.error.message}`);
      if (e.error.command) out.push(`      command: ${e.error.command.join(' ')}${e.error.exitCode !== undefined ? ` (exit ${e.error.exitCode})` : ''}`);
      if (e.error.stderrTail) for (const l of e.error.stderrTail.trimEnd().split('\n')) out.push(`      | ${l}`);
    }
  }
  out.push('', renderChangeSetSummary(cs));
  return escapeControl(out.join('\n') + '\n');
}

export function renderChangeSetJson(cs: ChangeSet): string {
  return stringifyExact(cs) + '\n';
}

export type RenderFormat = 'text' | 'json';

/** `renderPlanText` or `renderPlanJson` by name (for `--output`). */
export function renderPlan(plan: Plan, format: RenderFormat): string {
  return format === 'json' ? renderPlanJson(plan) : renderPlanText(plan);
}

export function renderChangeSet(cs: ChangeSet, format: RenderFormat): string {
  return format === 'json' ? renderChangeSetJson(cs) : renderChangeSetText(cs);
}

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\r?\n/g, ' ');
}

function mdCode(text: string): string {
  return '`' + mdCell(text) + '`';
}

/** The plan as Markdown, for a pull request or merge request comment. */
export function renderPlanMarkdown(plan: Plan): string {
  const out: string[] = [];
  out.push(`### vsgitops plan for host ${mdCode(plan.hostName)}${plan.revision ? ` at revision ${mdCode(plan.revision)}` : ''}`, '');
  out.push(`**${renderPlanSummary(plan)}**`, '');
  if (plan.actions.length > 0) {
    out.push('| | action | guest | manifest |', '|---|---|---|---|');
    for (const a of plan.actions) {
      out.push(`| ${mdCode(SYMBOLS[a.kind])} | ${a.kind}${a.restart ? ' (restart)' : ''}${a.destructive ? ' ⚠' : ''} | ${mdCode(a.guest)} | ${a.manifest ? mdCode(`${a.manifest.file}:${a.manifest.line}`) : '–'} |`);
    }
    for (const a of plan.actions) {
      out.push('', `#### ${mdCode(SYMBOLS[a.kind])} ${a.kind} ${mdCode(a.guest)}${mdCell(headerDetail(a))}${a.restart ? ' (restart)' : ''}`, '');
      const reason = reasonText(a);
      if (reason !== undefined) out.push(mdCell(reason), '');
      if (a.kind === 'create') {
        out.push('| field | value |', '|---|---|');
        for (const [k, v] of createFields(a)) out.push(`| ${mdCode(k)} | ${mdCode(v)} |`);
      }
      if (a.changes.length > 0) {
        out.push('| field | before | after | effect |', '|---|---|---|---|');
        for (const c of a.changes) {
          const effect = `${EFFECT_LABEL[c.effect]}${CAUSE_LABEL[c.cause]}${c.note ? `; ${c.note}` : ''}`;
          out.push(`| ${mdCode(manifestField(c.path))} | ${mdCode(formatFieldValue(c.path, c.before))} | ${mdCode(formatFieldValue(c.path, c.after))} | ${mdCell(effect)} |`);
        }
      }
    }
  }
  const list = (title: string, items: string[]) => {
    if (items.length > 0) out.push('', `**${title}**`, '', ...items.map((i) => `- ${mdCell(i)}`));
  };
  list('Blocked (not changed)', plan.blocked.map((b) => `${b.guest}: ${b.reason}`));
  list('Unmanaged (never touched)', plan.unmanaged.map((u) => `${u.guest ?? `context ${u.xid}`}: ${u.reason}`));
  list('Warnings', plan.warnings);
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/** Whether to colour text output: a terminal, NO_COLOR unset (https://no-color.org), no --no-color. */
export function useColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return flag !== false && stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}
