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

/**
 * Commands whose exit code 2 means something else (plan and apply --dry-run:
 * changes pending) or that document no usage code (drift: 0/4/1): a usage
 * error there exits 1, so CI never reads a typo as "changes pending".
 */
const NO_USAGE_CODE = new Set(['plan', 'apply', 'drift', 'adopt']);

export function exitCodeFor(err: unknown, command?: string): number {
  if (err instanceof VsError && err.code === 'USAGE') return command !== undefined && NO_USAGE_CODE.has(command) ? EXIT.ERROR : EXIT.USAGE;
  return EXIT.ERROR;
}

/** The command word of an argv (first argument that is not an option), e.g. "plan". */
export function commandOf(argv: string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/** True when argv asks for JSON output (`--output json` or `--output=json`). */
export function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--output=json' || (a === '--output' && argv[i + 1] === 'json'));
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
