import type { PassResult } from '../reconciler/pass-types.js';

/** The fields of the one structured log line written per pass. */
export function summarizePass(r: PassResult): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    passId: r.id,
    trigger: r.trigger,
    revision: r.revision,
    appliedRevision: r.appliedRevision,
    durationMs: r.durationMs,
    result: r.result,
  };
  if (r.changeSet) fields.changes = r.changeSet.summary;
  if (r.plan) fields.planned = r.plan.actions.length;
  if (r.drift.length > 0) fields.drift = r.drift.length;
  if (r.error) fields.error = r.error;
  return fields;
}
