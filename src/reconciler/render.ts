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

/** One value as text: strings quoted, lists in brackets, interfaces / fstab entries / limits in their own notation. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (typeof x === 'string' ? x : formatValue(x))).join(', ') + ']';
  const o = v as Record<string, unknown>;
  if (typeof o.address === 'string' && typeof o.prefix === 'number') {
    const label = o.label !== undefined ? ` label ${String(o.label)}` : '';
    return `${o.device === null ? 'nodev' : String(o.device)} ${o.address}/${o.prefix}${label}`;
  }
  if (typeof o.mountpoint === 'string') return `${o.device} ${o.mountpoint} ${o.type} ${o.options} ${o.dump} ${o.pass}`;
  if ('soft' in o && 'hard' in o) return `soft=${o.soft} hard=${o.hard}${o.min !== undefined ? ` min=${o.min}` : ''}`;
  if (typeof o.spaceKiB === 'number') return `${o.directory} ${o.spaceKiB} KiB, ${o.inodes} inodes, ${o.reservedPercent}% reserved`;
  return JSON.stringify(v);
}

function changeLine(c: FieldChange): string {
  const line = `      ${c.path}: ${formatValue(c.before)} -> ${formatValue(c.after)} (${EFFECT_LABEL[c.effect]}${CAUSE_LABEL[c.cause]})`;
  return c.note ? `${line}\n        note: ${c.note}` : line;
}

function header(a: PlannedAction): string {
  const sym = SYMBOLS[a.kind].padEnd(3);
  let detail = '';
  if (a.kind === 'create' && a.after) {
    const b = a.build;
    detail = ` (context ${a.after.context}${b ? `, build ${b.method}${b.distribution ? ' ' + b.distribution : ''}` : ''}${a.after.runState === 'running' ? ', then start' : ''})`;
  } else if (a.kind === 'delete') {
    detail = a.deletion === 'delete' ? ' (delete: remove the guest and its files)' : ' (retain: stop, move the configuration aside, keep the files)';
  } else if (a.kind === 'replace' && a.before && a.after) {
    detail = ` (context ${a.before.context} -> ${a.after.context})`;
  }
  const restart = a.restart ? ' (restart)' : '';
  return `  ${sym} ${a.kind} ${a.guest}${detail}${restart}`;
}

function createLines(a: PlannedAction): string[] {
  if (!a.after) return [];
  const s = a.after;
  const lines = [`      nodename: ${formatValue(s.nodename)}`];
  for (const i of s.interfaces) lines.push(`      interfaces[${i.name}]: ${formatValue(i)}`);
  const limits = Object.keys(s.limits).sort();
  if (limits.length > 0) lines.push(`      limits: ${limits.map((n) => `${n} ${formatValue(s.limits[n as keyof typeof s.limits])}`).join('; ')}`);
  if (s.domainname !== undefined) lines.push(`      domainname: ${formatValue(s.domainname)}`);
  if (s.initStyle !== 'sysv') lines.push(`      initStyle: ${s.initStyle}`);
  if (s.flags.length > 0) lines.push(`      flags: ${s.flags.join(', ')}`);
  if (s.bcaps.length > 0) lines.push(`      bcaps: ${s.bcaps.join(', ')}`);
  if (s.ccaps.length > 0) lines.push(`      ccaps: ${s.ccaps.join(', ')}`);
  if (Object.keys(s.cgroup).length > 0) lines.push(`      cgroup: ${formatValue(s.cgroup)}`);
  if (s.disk) lines.push(`      disk: ${formatValue(s.disk)}`);
  if (s.startOnBoot) lines.push('      startOnBoot: true');
  lines.push(`      runState: ${s.runState}`);
  return lines;
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

export function renderPlanText(plan: Plan): string {
  const out: string[] = [];
  out.push(`vsgitops plan for host ${plan.hostName}${plan.revision ? ` at revision ${plan.revision}` : ''}`);
  if (plan.actions.length > 0) {
    out.push(LEGEND, '');
    for (const a of plan.actions) {
      out.push(header(a));
      out.push(`      reason: ${a.reason}`);
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
  return escapeControl(out.join('\n') + '\n');
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
