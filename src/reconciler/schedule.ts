/**
 * Which planned actions may run at the same time (issue 12, apply
 * concurrency). Pure.
 *
 * - Phases stay barriers: all stops and deletes end before a replace begins,
 *   all replaces before an update, and so on (order.ts PHASE): a stop or
 *   delete frees the context ids and addresses later actions may take.
 * - Within a phase, two actions that share a resource key run one after the
 *   other in plan order: the guest (its actions keep their order), every
 *   context id the action names (observed, desired, running) and every
 *   interface address (observed and desired).
 */
import { PHASE } from './order.js';
import type { PlannedAction } from './types.js';

/** The resources an action holds while it runs. */
export function actionKeys(a: Pick<PlannedAction, 'guest' | 'before' | 'after' | 'runningXid'>): string[] {
  const keys = new Set<string>([`guest:${a.guest}`]);
  for (const xid of [a.before?.context, a.after?.context, a.runningXid]) if (xid !== undefined) keys.add(`xid:${xid}`);
  for (const spec of [a.before, a.after]) for (const i of spec?.interfaces ?? []) keys.add(`addr:${i.address}`);
  return [...keys];
}

/** The plan's actions as runs of the same phase, in plan order (indices). */
export function phaseRuns(actions: readonly Pick<PlannedAction, 'kind'>[]): number[][] {
  const runs: number[][] = [];
  let phase = -1;
  actions.forEach((a, i) => {
    if (runs.length === 0 || PHASE[a.kind] !== phase) {
      runs.push([]);
      phase = PHASE[a.kind];
    }
    runs[runs.length - 1]!.push(i);
  });
  return runs;
}
