import type { DriftItem, PassResult } from '../../../src/reconciler/pass-types.js';
import type { ChangeSet, ChangeSetEntry, FieldChange, Plan, PlannedAction } from '../../../src/reconciler/types.js';

export function change(path: string, before: unknown, after: unknown, cause: FieldChange['cause']): FieldChange {
  return { path, before, after, cause, effect: 'live' };
}

export function action(guest: string, kind: PlannedAction['kind'], changes: FieldChange[], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { kind, guest, reason: 'test', changes, restart: false, destructive: false, driftMode: 'enforce', ...extra };
}

export function plan(actions: PlannedAction[], extra: Partial<Plan> = {}): Plan {
  return {
    formatVersion: 1,
    revision: 'abc123',
    hostName: 'host1',
    observedDigest: 'o',
    desiredDigest: 'd',
    actions,
    unchanged: [],
    unmanaged: [],
    blocked: [],
    warnings: [],
    summary: { create: 0, update: 0, replace: 0, delete: 0, start: 0, stop: 0, restart: 0, unchanged: 0 },
    destructive: false,
    ...extra,
  };
}

export function entry(guest: string, outcome: ChangeSetEntry['outcome'], extra: Partial<ChangeSetEntry> = {}): ChangeSetEntry {
  return { guest, action: 'update', outcome, commands: [], durationMs: 5, ...extra };
}

export function changeSet(entries: ChangeSetEntry[], revision: string | null = 'abc123'): ChangeSet {
  const summary: ChangeSet['summary'] = {};
  for (const e of entries) summary[e.outcome] = (summary[e.outcome] ?? 0) + 1;
  return { revision, hostName: 'host1', entries, summary, ok: entries.every((e) => e.outcome !== 'failed') };
}

export function item(guest: string, kind: DriftItem['kind'], fingerprint: string, extra: Partial<DriftItem> = {}): DriftItem {
  return { kind, guest, fields: [], fingerprint, message: `${kind} on ${guest}`, mode: 'enforce', ...extra };
}

export function pass(extra: Partial<PassResult> = {}): PassResult {
  return {
    id: 'p1',
    trigger: 'interval',
    startedAt: '2026-11-26T10:00:00.000Z',
    finishedAt: '2026-11-26T10:00:01.500Z',
    durationMs: 1500,
    revision: 'abc123',
    appliedRevision: 'abc123',
    result: 'unchanged',
    drift: [],
    guests: [],
    ...extra,
  };
}
