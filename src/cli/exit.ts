import { VsError, formatProblem, type Problem } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/**
 * Exit codes. Only the CLI maps errors to these.
 *   0  success / no changes
 *   1  error (invalid manifests, failed commands, host unreadable, ...)
 *   2  plan / apply --dry-run: changes pending
 *   3  plan / apply --dry-run: changes include destruction (delete, replace, restart of a running guest)
 *   4  drift: the host differs from git
 *   5  plan, apply, drift, run --once: blocked (guests blocked, deletion breaker tripped, no manifests)
 * 130  apply: interrupted (Ctrl-C): the running action finished (or, at a second Ctrl-C, was
 *      aborted), no further action started, the journal was closed and the lock released
 *  64  usage error, the same for every command (sysexits.h EX_USAGE): never read as "changes" or "drift"
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 64,
  CHANGES: 2,
  DESTRUCTIVE: 3,
  DRIFT: 4,
  /** plan, apply, drift, run --once: guests blocked, the deletion breaker tripped, or the revision has no manifests */
  BLOCKED: 5,
  /** apply interrupted by SIGINT (128 + 2, the shell's convention for a command ended by Ctrl-C) */
  INTERRUPTED: 130,
} as const;

/** The exit code of an error: 64 for a usage error on every command, else 1. */
export function exitCodeFor(err: unknown, _command?: string): number {
  if (err instanceof VsError && err.code === 'USAGE') return EXIT.USAGE;
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
  return escapeControl(describeErrorRaw(err));
}

function describeErrorRaw(err: unknown): string {
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
