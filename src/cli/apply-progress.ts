/**
 * Progress and interrupts for `vsgitops apply` (issue 13, item 3).
 *
 * Progress: a line when each action starts and one when it ends; a command
 * running longer than the progress interval says so (progress-runner.ts).
 *
 * Interrupts: Ctrl-C (SIGINT) once lets the running command finish and starts
 * no further action: the journal gets the action's end, the inventory is
 * written, the journal removed and the lock released as after any apply, then
 * the command exits 130 (EXIT.INTERRUPTED) saying what was done and what was
 * not. Twice aborts the running command (SIGTERM, then SIGKILL: the runner's
 * abort) and exits the same way.
 */
import type { ChangeSet, ChangeSetEntry, Plan, PlannedAction } from '../reconciler/types.js';
import { escapeControl } from '../text/escape.js';

export interface Interrupts {
  /** set by the first SIGINT: no further action starts */
  readonly stop: AbortSignal;
  /** set by the second SIGINT: the running commands are aborted */
  readonly abort: AbortSignal;
  readonly interrupted: boolean;
  dispose(): void;
}

export function watchInterrupts(say: (line: string) => void, signals: NodeJS.EventEmitter = process): Interrupts {
  const stop = new AbortController();
  const abort = new AbortController();
  const onInt = () => {
    if (!stop.signal.aborted) {
      say('interrupt: the running command is allowed to finish, then apply stops; press Ctrl-C again to abort it');
      stop.abort(new Error('interrupted'));
    } else if (!abort.signal.aborted) {
      say('interrupt again: aborting the running command');
      abort.abort(new Error('interrupted twice'));
    }
  };
  signals.on('SIGINT', onInt);
  return {
    stop: stop.signal,
    abort: abort.signal,
    get interrupted() {
      return stop.signal.aborted;
    },
    dispose: () => void signals.off('SIGINT', onInt),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** "[2/5] create web: started" */
export function actionStartLine(plan: Plan, action: PlannedAction): string {
  return escapeControl(`[${plan.actions.indexOf(action) + 1}/${plan.actions.length}] ${action.kind} ${action.guest}: started`);
}

/** "[2/5] create web: created (3 commands, 4.2s)" or "... failed: MESSAGE" */
export function actionEndLine(plan: Plan, action: PlannedAction, entry: ChangeSetEntry): string {
  const n = `${entry.commands.length} command${entry.commands.length === 1 ? '' : 's'}`;
  const what = `[${plan.actions.indexOf(action) + 1}/${plan.actions.length}] ${action.kind} ${action.guest}: ${entry.outcome}`;
  return escapeControl(entry.error && entry.outcome !== 'skipped' ? `${what} (${n}, ${seconds(entry.durationMs)}): ${entry.error.message}` : `${what} (${n}, ${seconds(entry.durationMs)})`);
}

/** After an interrupted apply: what was done, what was not. */
export function interruptSummary(plan: Plan, cs: ChangeSet | undefined): string {
  const acted = new Set(plan.actions);
  const entries = cs ? cs.entries.filter((e) => e.action !== 'noop') : [];
  const done = entries.filter((e) => e.outcome !== 'skipped' && e.outcome !== 'failed');
  const failed = entries.filter((e) => e.outcome === 'failed');
  const notDone = cs ? entries.filter((e) => e.outcome === 'skipped') : [...acted].map((a) => ({ guest: a.guest, action: a.kind }));
  const list = (es: Array<{ guest: string; action: string }>) => (es.length === 0 ? 'none' : es.map((e) => `${e.action} ${e.guest}`).join(', '));
  const lines = [
    'apply interrupted: no further action was started; the journal is closed and the lock released',
    `  done:     ${list(done)}`,
    ...(failed.length > 0 ? [`  failed:   ${list(failed)}`] : []),
    `  not done: ${list(notDone)}`,
    'run apply again to carry out the rest',
  ];
  return escapeControl(lines.join('\n') + '\n');
}
