import type { Plan } from './types.js';

/**
 * Why a pass cannot bring the host to what git says, although nothing failed:
 * guests the planner blocked (not managed, a context id or address in use,
 * the deletion breaker, an empty desired set), or a revision with no
 * manifests at all. Guests in warn drift mode are left out: reporting instead
 * of acting is what they asked for. Empty when nothing is blocked.
 */
export function blockedReasons(plan: Plan, noManifests: boolean): string[] {
  const out = plan.blocked.filter((b) => (b.changes ?? []).length === 0).map((b) => `${b.guest}: ${b.reason}`);
  if (noManifests) out.unshift(`revision ${plan.revision ?? '(directory)'} has no manifests`);
  return out;
}

/** A valid revision without a single guest manifest (a wrong --path, an emptied repository). */
export function hasNoManifests(state: { guests: readonly unknown[]; problems: readonly unknown[] }): boolean {
  return state.guests.length === 0 && state.problems.length === 0;
}
