import { EXIT } from './exit.js';
import type { DriftItem } from '../reconciler/pass-types.js';

/** Human rendering of classified drift (shared with `status`). */
export { renderDrift } from '../observability/drift/render.js';

/** 5 when something is blocked, else 4 when any drift is not ignored, else 0: for cron jobs and CI. */
export function driftExitCode(items: DriftItem[]): 0 | 4 | 5 {
  if (items.some((d) => d.kind === 'blocked' && !d.ignored)) return EXIT.BLOCKED;
  return items.some((d) => !d.ignored) ? EXIT.DRIFT : EXIT.OK;
}
