import { VsError, formatProblem, type Problem } from '../errors.js';

/**
 * Exit codes. Only the CLI maps errors to these.
 *   0  success / no changes
 *   1  error (invalid manifests, failed commands, host unreadable, ...)
 *   2  usage error (validate, observe, sim, status) — or, for plan / apply --dry-run: changes pending
 *   3  plan / apply --dry-run: changes include destruction (delete, replace, restart of a running guest)
 *   4  drift: the host differs from git
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  CHANGES: 2,
  DESTRUCTIVE: 3,
  DRIFT: 4,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof VsError) return err.code === 'USAGE' ? EXIT.USAGE : EXIT.ERROR;
  return EXIT.ERROR;
}

/** Human rendering of an error for stderr. */
export function describeError(err: unknown): string {
  if (err instanceof VsError) {
    const problems = err.data.problems as Problem[] | undefined;
    if (problems && problems.length > 0) {
      return `${err.message}\n` + problems.map((p) => '  ' + formatProblem(p)).join('\n');
    }
    return `error: ${err.message}`;
  }
  if (err instanceof Error) return `internal error: ${err.stack ?? err.message}`;
  return `internal error: ${String(err)}`;
}
