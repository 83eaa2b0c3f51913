import type { DriftItem, PassResult } from '../../reconciler/pass-types.js';
import type { ChangeSetEntry } from '../../reconciler/types.js';
import { CONDITION_TYPES, STATUS_FORMAT_VERSION, type Condition, type ConditionType, type GuestStatus, type Status } from './types.js';

type Draft = Omit<Condition, 'lastTransitionTime'>;

const SUCCEEDED = new Set(['created', 'updated', 'restarted', 'started', 'stopped', 'replaced', 'deleted', 'retained', 'unchanged']);

/**
 * The status after a pass. Pure: the previous status (for since-when times and
 * what a failed pass could not learn) plus this pass gives the next status.
 */
export function buildStatus(prev: Status | undefined, pass: PassResult, now: string): Status {
  const succeeded = pass.result === 'applied' || pass.result === 'unchanged';
  // Guests no longer present are dropped: deleted (or released, retained) by this pass. A pass
  // that never planned (source or revision failed) knows no guests: it keeps the last pass's.
  const gone = new Set((pass.changeSet?.entries ?? []).filter((e) => e.outcome === 'deleted' || e.outcome === 'retained').map((e) => e.guest));
  const planned = pass.plan !== undefined || pass.changeSet !== undefined;
  const known = !planned && pass.guests.length === 0 ? (prev?.guests ?? []).map((g) => ({ name: g.name, mode: g.mode })) : pass.guests;
  const guests = known
    .map((g) => g.name)
    .filter((name) => !gone.has(name))
    .sort()
    .map((name) => {
      const mode = known.find((g) => g.name === name)!.mode;
      const prevGuest = prev?.guests.find((g) => g.name === name);
      const drafts = guestConditions(name, pass, prevGuest);
      return { name, mode, conditions: withTimes(drafts, prevGuest, now) } satisfies GuestStatus;
    });
  return {
    formatVersion: STATUS_FORMAT_VERSION,
    hostName: pass.plan?.hostName ?? pass.changeSet?.hostName ?? prev?.hostName ?? null,
    lastAttemptedRevision: pass.revision ?? prev?.lastAttemptedRevision ?? null,
    lastAppliedRevision: pass.appliedRevision ?? prev?.lastAppliedRevision ?? null,
    lastSucceededAt: succeeded ? pass.finishedAt : (prev?.lastSucceededAt ?? null),
    lastPass: {
      id: pass.id,
      trigger: pass.trigger,
      startedAt: pass.startedAt,
      finishedAt: pass.finishedAt,
      durationMs: pass.durationMs,
      result: pass.result,
      revision: pass.revision,
      ...(pass.error ? { error: pass.error } : {}),
    },
    guests,
    drift: pass.drift,
    lastChangeSet: pass.changeSet ?? prev?.lastChangeSet ?? null,
    updatedAt: now,
  };
}

function guestConditions(name: string, pass: PassResult, prevGuest: GuestStatus | undefined): Record<ConditionType, Draft> {
  const drift = pass.drift.filter((d) => d.guest === name && !d.ignored);
  const entry = pass.changeSet?.entries.find((e) => e.guest === name);
  const prevCond = (type: ConditionType) => prevGuest?.conditions.find((c) => c.type === type);

  const suspended: Draft =
    pass.result === 'suspended'
      ? { type: 'Suspended', status: true, reason: 'Suspended', message: pass.error?.message ?? 'reconciliation is suspended' }
      : { type: 'Suspended', status: false, reason: 'Active', message: '' };

  // A pass that never planned (source failed, manifests invalid, suspended)
  // learned nothing about the guest: keep what the last pass knew.
  if (!pass.plan && !pass.changeSet) {
    const keep = (type: 'Drifted' | 'Failed' | 'Progressing', fallback: Draft): Draft => {
      const p = prevCond(type);
      return p ? { type, status: p.status, reason: p.reason, message: p.message } : fallback;
    };
    const failed = keep('Failed', { type: 'Failed', status: false, reason: 'Unknown', message: '' });
    const drifted = keep('Drifted', { type: 'Drifted', status: false, reason: 'Unknown', message: '' });
    const progressing = keep('Progressing', { type: 'Progressing', status: false, reason: 'Unknown', message: '' });
    const why = suspended.status
      ? { reason: 'Suspended', message: suspended.message }
      : { reason: pass.error?.code === 'REVISION_UNTRUSTED' ? 'UntrustedRevision' : pass.result === 'invalid' ? 'InvalidManifests' : 'ReconcileFailed', message: pass.error?.message ?? `pass ${pass.result}` };
    return {
      Ready: { type: 'Ready', status: false, ...why },
      Progressing: progressing,
      Drifted: drifted,
      Failed: failed,
      Suspended: suspended,
    };
  }

  const failedItem = drift.find((d) => d.kind === 'failed');
  const failed: Draft = failedItem
    ? { type: 'Failed', status: true, reason: entry?.error?.code ?? 'ActionFailed', message: failedItem.message }
    : { type: 'Failed', status: false, reason: 'Succeeded', message: '' };

  const applied = entry !== undefined && SUCCEEDED.has(entry.outcome);
  const realDrift = drift.filter((d) => d.kind === 'config' || d.kind === 'runtime' || d.kind === 'unmanaged');
  let drifted: Draft;
  if (realDrift.length === 0) drifted = { type: 'Drifted', status: false, reason: 'InSync', message: '' };
  else if (realDrift.every((d) => d.mode === 'enforce' && d.kind !== 'unmanaged') && applied)
    drifted = { type: 'Drifted', status: false, reason: 'DriftCorrected', message: `corrected: ${fieldsOf(realDrift)}` };
  else
    drifted = {
      type: 'Drifted',
      status: true,
      reason: realDrift.some((d) => d.mode === 'warn') ? 'DriftReported' : 'DriftDetected',
      message: realDrift.map((d) => d.message).join('; '),
    };

  const pending = drift.filter((d) => d.kind === 'pending');
  const progressing: Draft =
    pending.length > 0 && !applied
      ? { type: 'Progressing', status: true, reason: entry?.outcome === 'skipped' ? 'Skipped' : 'ChangesPending', message: `pending: ${fieldsOf(pending)}` }
      : { type: 'Progressing', status: false, reason: pending.length > 0 ? 'ChangesApplied' : 'Idle', message: '' };

  const blocked = pass.plan?.blocked.find((b) => b.guest === name);
  const notReady = [suspended, failed, drifted, progressing].find((c) => c.status);
  const ready: Draft = notReady
    ? { type: 'Ready', status: false, reason: notReady.reason, message: notReady.message }
    : blocked
      ? { type: 'Ready', status: false, reason: 'Blocked', message: blocked.reason }
      : { type: 'Ready', status: true, reason: 'ReconciliationSucceeded', message: readyMessage(entry) };

  return { Ready: ready, Progressing: progressing, Drifted: drifted, Failed: failed, Suspended: suspended };
}

function withTimes(drafts: Record<ConditionType, Draft>, prevGuest: GuestStatus | undefined, now: string): Condition[] {
  return CONDITION_TYPES.map((type) => {
    const d = drafts[type];
    const p = prevGuest?.conditions.find((c) => c.type === type);
    return { ...d, lastTransitionTime: p && p.status === d.status ? p.lastTransitionTime : now };
  });
}

function fieldsOf(items: DriftItem[]): string {
  const fields = [...new Set(items.flatMap((d) => (d.fields.length > 0 ? d.fields : [d.kind])))];
  return fields.join(', ');
}

function readyMessage(entry: ChangeSetEntry | undefined): string {
  return entry && entry.outcome !== 'unchanged' ? `${entry.outcome}` : 'in sync with git';
}

/** The condition of a guest by type. */
export function conditionOf(g: GuestStatus, type: ConditionType): Condition | undefined {
  return g.conditions.find((c) => c.type === type);
}
