/**
 * Runs a plan's actions through an executor (the provider) and returns a
 * ChangeSet. One guest's failure never stops the others; actions run in the
 * plan's order (stops and deletes first, so ids and addresses are freed).
 */
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ChangeSet, ChangeSetEntry, CommandRecord, Outcome, Plan, PlannedAction } from './types.js';

export interface ExecuteContext {
  signal?: AbortSignal;
  log: Logger;
  /** commands run so far for this action (the executor appends) */
  commands: CommandRecord[];
}

export interface ActionExecutor {
  /** Carries out one action; throws a VsError on failure. Returns the outcome. */
  execute(action: PlannedAction, ctx: ExecuteContext): Promise<Outcome>;
}

export interface ApplyOptions {
  log: Logger;
  /** aborts the running commands (and skips the actions not yet started) */
  signal?: AbortSignal;
  /**
   * A graceful stop (Ctrl-C once): the running action finishes, no further
   * action starts; those left are reported as skipped.
   */
  stop?: AbortSignal;
  /** monotonic milliseconds; injected for tests */
  now?: () => number;
  /** called before each action runs (the journal records the intent) */
  onStart?: (action: PlannedAction) => void | Promise<void>;
  /** called after each action (progress output, inventory updates) */
  onEntry?: (entry: ChangeSetEntry, action: PlannedAction) => void | Promise<void>;
}

export async function applyPlan(plan: Plan, executor: ActionExecutor, opts: ApplyOptions): Promise<ChangeSet> {
  const now = opts.now ?? (() => performance.now());
  const entries: ChangeSetEntry[] = [];
  for (const action of plan.actions) {
    const started = now();
    const commands: CommandRecord[] = [];
    let entry: ChangeSetEntry;
    if (opts.signal?.aborted || opts.stop?.aborted) {
      entry = { guest: action.guest, action: action.kind, outcome: 'skipped', commands, durationMs: 0, error: { code: 'ABORTED', message: 'apply was interrupted before this action' } };
    } else {
      try {
        await opts.onStart?.(action);
        const outcome = await executor.execute(action, { signal: opts.signal, log: opts.log, commands });
        entry = { guest: action.guest, action: action.kind, outcome, commands, durationMs: Math.round(now() - started) };
        opts.log.info(`${action.guest}: ${outcome}`, { guest: action.guest, action: action.kind, outcome, commands: commands.length });
      } catch (err) {
        const e = err instanceof VsError ? err : new VsError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
        entry = {
          guest: action.guest,
          action: action.kind,
          outcome: 'failed',
          commands,
          durationMs: Math.round(now() - started),
          error: {
            code: e.code,
            message: e.message,
            command: e.data.argv as string[] | undefined,
            exitCode: e.data.exitCode as number | undefined,
            stderrTail: e.data.stderrTail as string | undefined,
          },
        };
        opts.log.error(`${action.guest}: ${action.kind} failed: ${e.message}`, { guest: action.guest, action: action.kind, code: e.code });
      }
    }
    entries.push(entry);
    await opts.onEntry?.(entry, action);
  }
  for (const name of plan.unchanged) {
    entries.push({ guest: name, action: 'noop', outcome: 'unchanged', commands: [], durationMs: 0 });
  }
  const summary: Partial<Record<Outcome, number>> = {};
  for (const e of entries) summary[e.outcome] = (summary[e.outcome] ?? 0) + 1;
  return {
    revision: plan.revision,
    hostName: plan.hostName,
    entries,
    summary,
    ok: entries.every((e) => e.outcome !== 'failed' && e.outcome !== 'skipped'),
  };
}
