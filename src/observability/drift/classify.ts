import type { DriftMode } from '../../model/guest.js';
import type { DriftItem, DriftKind } from '../../reconciler/pass-types.js';
import type { ChangeSet, ChangeSetEntry, FieldChange, Plan, PlannedAction } from '../../reconciler/types.js';
import { driftFingerprint } from './fingerprint.js';
import { fieldCovered, globMatch } from './glob.js';
import { isExpired, type IgnoreEntry } from './ignore.js';

export interface ClassifyInput {
  plan?: Plan;
  changeSet?: ChangeSet;
  /** git holds a revision that is not yet applied on this host */
  pendingRevision: boolean;
  ignore: IgnoreEntry[];
  /** ISO time, injected (ignore expiry) */
  now: string;
  /** per-guest drift mode from the manifests; enforce when unknown */
  modes: Record<string, DriftMode>;
  /** the revision holds no manifests at all (reported as blocked: an empty revision never converges anything) */
  noManifests?: boolean;
}

interface FieldDiff {
  path: string;
  before: unknown;
  after: unknown;
}

const CAUSE_KIND: Record<FieldChange['cause'], DriftKind> = {
  pending: 'pending',
  'config-drift': 'config',
  'runtime-drift': 'runtime',
};

/** Sort order of kinds in the output (then by guest). */
const KIND_ORDER: DriftKind[] = ['failed', 'blocked', 'runtime', 'config', 'unmanaged', 'pending'];

/**
 * Classifies the differences of one pass: one item per guest and kind, fields
 * sorted, a fingerprint over what differs. Pure: same input, same output.
 */
export function classifyDrift(input: ClassifyInput): DriftItem[] {
  const groups = new Map<string, { guest: string; kind: DriftKind; diffs: Map<string, FieldDiff>; actions: Set<string> }>();
  const add = (guest: string, kind: DriftKind, diff: FieldDiff | undefined, action: string) => {
    const key = `${kind}\0${guest}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { guest, kind, diffs: new Map(), actions: new Set() }));
    g.actions.add(action);
    if (diff && !g.diffs.has(diff.path)) g.diffs.set(diff.path, diff);
  };

  for (const action of input.plan?.actions ?? []) {
    if (action.changes.length > 0) {
      for (const c of action.changes) add(action.guest, CAUSE_KIND[c.cause], { path: c.path, before: c.before, after: c.after }, action.kind);
    } else {
      const fallback = kindWithoutChanges(action, input.pendingRevision);
      add(action.guest, fallback.kind, fallback.diff, action.kind);
    }
  }

  // warn drift mode: the planner reports these differences instead of acting on them
  for (const b of input.plan?.blocked ?? []) {
    for (const c of b.changes ?? []) add(b.guest, CAUSE_KIND[c.cause], { path: c.path, before: c.before, after: c.after }, 'report');
  }

  const modeOf = (guest: string | undefined, action?: PlannedAction): DriftMode =>
    (guest !== undefined ? input.modes[guest] : undefined) ?? action?.driftMode ?? 'enforce';
  const blockedWarn = new Set((input.plan?.blocked ?? []).filter((b) => (b.changes ?? []).length > 0).map((b) => b.guest));
  const actionOf = new Map((input.plan?.actions ?? []).map((a) => [a.guest, a]));

  const drafts: Draft[] = [];
  for (const g of groups.values()) {
    const diffs = [...g.diffs.values()].sort((a, b) => cmp(a.path, b.path));
    drafts.push({
      kind: g.kind,
      guest: g.guest,
      diffs,
      message: fieldMessage(g.kind, g.guest, diffs, [...g.actions]),
      mode: blockedWarn.has(g.guest) ? 'warn' : modeOf(g.guest, actionOf.get(g.guest)),
    });
  }

  for (const u of input.plan?.unmanaged ?? []) {
    const label = u.guest ?? `xid ${u.xid}`;
    drafts.push({
      kind: 'unmanaged',
      ...(u.guest !== undefined ? { guest: u.guest } : {}),
      ...(u.xid !== undefined ? { xid: u.xid } : {}),
      details: { reason: u.reason },
      message: `unmanaged ${label}: ${u.reason} (reported, never touched)`,
      // nothing heals an unmanaged guest: it is report-only whatever the mode
      mode: 'warn',
    });
  }

  // one failed item per guest: the first failure gives command and stderr, all count for the fingerprint
  const failedByGuest = new Map<string, ChangeSetEntry[]>();
  for (const e of input.changeSet?.entries ?? []) {
    if (e.outcome === 'failed') failedByGuest.set(e.guest, [...(failedByGuest.get(e.guest) ?? []), e]);
  }
  for (const [guest, entries] of failedByGuest) {
    const facts = entries.map((e) => {
      const failedCmd = [...e.commands].reverse().find((c) => c.exitCode !== 0);
      return {
        action: e.action,
        code: e.error?.code ?? 'FAILED',
        message: e.error?.message ?? 'unknown error',
        command: e.error?.command ?? failedCmd?.argv,
        exitCode: e.error?.exitCode ?? failedCmd?.exitCode,
        stderrTail: e.error?.stderrTail ?? failedCmd?.stderrTail,
      };
    });
    const first = facts[0]!;
    const { command, exitCode, stderrTail } = first;
    drafts.push({
      kind: 'failed',
      guest,
      // stderr and messages are left out: they may embed pids or times and would defeat de-duplication
      details: facts.map((f) => ({ action: f.action, code: f.code, command: f.command ?? null, exitCode: f.exitCode ?? null })),
      message: facts
        .map((f) => `${f.action} ${guest} failed: ${f.message}${f.command ? ` (command: ${f.command.join(' ')}${f.exitCode !== undefined ? `, exit ${f.exitCode}` : ''})` : ''}`)
        .join('; '),
      ...(command ? { command } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(stderrTail !== undefined ? { stderrTail } : {}),
      mode: modeOf(guest, actionOf.get(guest)),
    });
  }

  // blocked: git asks for something the planner will not do (not managed, id or address in use,
  // deletion breaker); warn-mode guests are reported above as the drift they chose to keep
  for (const b of input.plan?.blocked ?? []) {
    if ((b.changes ?? []).length > 0) continue;
    drafts.push({ kind: 'blocked', guest: b.guest, details: { reason: b.reason }, message: `blocked ${b.guest}: ${b.reason}`, mode: modeOf(b.guest, actionOf.get(b.guest)) });
  }
  if (input.noManifests && input.plan) {
    drafts.push({ kind: 'blocked', details: { noManifests: input.plan.revision }, message: `revision ${input.plan.revision ?? '(directory)'} has no manifests: nothing is created, changed or deleted`, mode: 'enforce' });
  }

  if (input.pendingRevision && !input.plan) {
    // no plan (the source could not be planned): still say git is ahead
    drafts.push({
      kind: 'pending',
      details: { revision: input.changeSet?.revision ?? null },
      message: 'git has a revision that is not yet applied on this host',
      mode: 'enforce',
    });
  }

  return drafts.map((d) => finish(applyIgnore(d, input.ignore, input.now))).sort(compareItems);
}

/** An item before its fingerprint: field kinds keep their before/after values. */
type Draft = Omit<DriftItem, 'fields' | 'fingerprint'> & {
  diffs?: FieldDiff[];
  /** non-field kinds: what the fingerprint covers */
  details?: unknown;
};

function finish(d: Draft): DriftItem {
  const { diffs, details, ...rest } = d;
  const fingerprint = driftFingerprint({ guest: d.guest, xid: d.xid, kind: d.kind, details: diffs ?? details ?? null });
  const item: DriftItem = { ...rest, fields: (diffs ?? []).map((x) => x.path), fingerprint };
  // stable key order for JSON output
  return Object.fromEntries(
    ['kind', 'guest', 'xid', 'fields', 'fingerprint', 'message', 'command', 'exitCode', 'stderrTail', 'mode', 'ignored']
      .filter((k) => (item as unknown as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (item as unknown as Record<string, unknown>)[k]]),
  ) as unknown as DriftItem;
}

function applyIgnore(d: Draft, entries: IgnoreEntry[], now: string): Draft {
  const subject = d.guest ?? (d.xid !== undefined ? `xid:${d.xid}` : '');
  let remaining = d.diffs;
  for (const entry of entries) {
    if (isExpired(entry, now)) continue;
    if (entry.kind && entry.kind !== d.kind) continue;
    if (!subject || !globMatch(entry.guest, subject)) continue;
    if (!entry.fields) return { ...d, ignored: { reason: entry.reason, expires: entry.expires } };
    if (!remaining || remaining.length === 0) continue; // field entries only apply to field differences
    const left: FieldDiff[] = remaining.filter((f) => !entry.fields!.some((p) => fieldCovered(p, f.path)));
    if (left.length === 0) return { ...d, ignored: { reason: entry.reason, expires: entry.expires } };
    remaining = left;
  }
  if (!d.diffs || !remaining || remaining.length === d.diffs.length) return d;
  // Known noise is dropped from the item, so a real change next to it still
  // alerts and the noise alone never changes the fingerprint.
  const dropped = d.diffs.filter((x) => !remaining!.includes(x)).map((x) => x.path);
  return { ...d, diffs: remaining, message: `${fieldMessage(d.kind, d.guest ?? '', remaining, [])} [ignored: ${dropped.join(', ')}]` };
}

/** Actions that carry no field changes: decide the kind from what the action does. */
function kindWithoutChanges(action: PlannedAction, pendingRevision: boolean): { kind: DriftKind; diff?: FieldDiff } {
  switch (action.kind) {
    case 'start':
      // desired running but not running: stopped or crashed behind our back
      return { kind: pendingRevision ? 'pending' : 'runtime', diff: { path: 'runState', before: 'stopped', after: 'running' } };
    case 'stop':
      return { kind: pendingRevision ? 'pending' : 'runtime', diff: { path: 'runState', before: 'running', after: 'stopped' } };
    case 'create':
      // a guest git knows but the host lacks: new in git, or its config was removed by hand
      return { kind: pendingRevision ? 'pending' : 'config', diff: { path: 'guest', before: 'absent', after: 'present' } };
    case 'delete':
      return { kind: pendingRevision ? 'pending' : 'config', diff: { path: 'guest', before: 'present', after: 'absent' } };
    case 'replace':
      return { kind: pendingRevision ? 'pending' : 'config', diff: { path: 'context', before: action.before?.context ?? null, after: action.after?.context ?? null } };
    case 'update':
      return { kind: pendingRevision ? 'pending' : 'config' };
  }
}

function fieldMessage(kind: DriftKind, guest: string, diffs: FieldDiff[], actions: string[]): string {
  const what = diffs.map((d) => `${d.path} ${show(d.before)} -> ${show(d.after)}`).join(', ');
  const label = { pending: 'pending change', config: 'config drift', runtime: 'runtime drift', unmanaged: 'unmanaged', failed: 'failed', blocked: 'blocked' }[kind];
  return `${label} on ${guest}: ${what || actions.join(', ')}`;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareItems(a: DriftItem, b: DriftItem): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    cmp(a.guest ?? '\uffff', b.guest ?? '\uffff') ||
    (a.xid ?? -1) - (b.xid ?? -1) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}
