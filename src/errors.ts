/**
 * One error type for the whole project. Every failure carries a stable `code`
 * (what went wrong, for programs), a plain `message` (for people) and
 * structured `data`. Only the CLI turns errors into exit codes.
 */
export type ErrorCode =
  | 'USAGE' // bad command line
  | 'MANIFEST_INVALID' // manifests failed to load or validate (data.problems)
  | 'SOURCE' // git repository / directory could not be read
  | 'REVISION_UNTRUSTED' // the revision is not signed (or not by a trusted key) where signatures are required
  | 'CONFIG' // agent configuration invalid
  | 'HOST' // the host could not be observed
  | 'COMMAND_FAILED' // a util-vserver command exited non-zero (data: argv, exitCode, stderr)
  | 'COMMAND_TIMEOUT'
  | 'PLAN_STALE' // a saved plan no longer matches the revision or the host
  | 'PLAN_INVALID' // a saved plan file is unreadable or of another version
  | 'PLAN_MISMATCH' // a saved plan's actions are not those recomputed from its revision and host (edited file)
  | 'ACTION_REFUSED' // an action breaks a name or ownership rule checked at apply time
  | 'UNSAFE_PATH' // a write would follow a symbolic link out of a guest's configuration directory
  | 'GUEST_ROOT_EXISTS' // create refused: guest files (e.g. kept by a retain delete) are in the way
  | 'DELETE_GUARD' // the deletion breaker refused a pass
  | 'CONFIRMATION_REQUIRED' // destructive actions need --yes
  | 'LOCKED' // another agent holds the state-directory lock
  | 'SIM' // simulated-host problem
  | 'HOST_IDENTITY' // the given host name/labels differ from the host file (state dir)
  | 'ALERT_SINK' // an alert sink (webhook, chat, command) could not deliver
  | 'LIVE_CHANGE_NOT_APPLIED' // a live change's tool exited 0 but the kernel does not show the value
  | 'NOT_VSERVER_HOST' // the host has no Linux-VServer kernel interface (/proc/virtual)
  | 'PROMOTION_REFUSED' // promote: the gate is closed or the target ref cannot fast-forward
  | 'SNAPSHOT_FAILED' // the snapshot before a restart or replace could not be taken (nothing was changed)
  | 'ROLLED_BACK' // a restart or replace failed its start or health check; the previous configuration was restored and the guest restarted
  | 'ROLLBACK_FAILED' // ... and restoring the previous configuration failed too (data.snapshot names it)
  | 'FILE_EXISTS' // init: a file it would write exists (--force overwrites)
  | 'INTERNAL';

export interface Problem {
  file: string;
  line: number; // 1-based; 0 when unknown
  column: number; // 1-based; 0 when unknown
  path: string; // field path, e.g. spec.limits.nproc.soft
  message: string;
}

export class VsError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VsError';
    this.code = code;
    this.data = data;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.data };
  }
}

export function isVsError(err: unknown, code?: ErrorCode): err is VsError {
  return err instanceof VsError && (code === undefined || err.code === code);
}

/** Formats one problem the way compilers do: file:line:col: path: message */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}
