/**
 * Runs a plan's actions through an executor (the provider) and returns a
 * ChangeSet. One guest's failure never stops the others; actions run in the
 * plan's order (stops and deletes first, so ids and addresses are freed).
 *
 * With `concurrency` N > 1 (issue 12) up to N actions run at once, under the
 * rules of schedule.ts: a phase (stops and deletes, replaces, updates,
 * creates, starts) begins only when the one before it has ended, and within a
 * phase actions that share a guest, a context id or an address run one after
 * the other in plan order. The callbacks (journal, inventory, progress) run
 * one at a time; the ChangeSet lists the actions in plan order whatever order
 * they ended in.
 */
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ChangeSet, ChangeSetEntry, CommandRecord, Outcome, Plan, PlannedAction } from './types.js';
import { actionKeys, phaseRuns } from './schedule.js';

export interface ExecuteContext {
  signal?: AbortSignal;
  log: Logger;
  /** commands run so far for this action (the executor appends) */
  commands: CommandRecord[];
  /** set when actions run concurrently: the guest, for progress lines of its commands */
  label?: string;
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
  /** how many actions may run at once (default 1: one after the other) */
  concurrency?: number;
}

/** The default number of actions run at once (issue 12; `--concurrency`, agent `concurrency`). */
export const DEFAULT_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 64;


export async function applyPlan(plan: Plan, executor: ActionExecutor, opts: ApplyOptions): Promise<ChangeSet> {
  const now = opts.now ?? (() => performance.now());
  const limit = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY)));
  const actions = plan.actions;
  const results: ChangeSetEntry[] = new Array<ChangeSetEntry>(actions.length);
  // journal, inventory and progress callbacks run one at a time, in the order they are called
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => T | Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const stopped = () => !!(opts.signal?.aborted || opts.stop?.aborted);

  const skip = async (i: number) => {
    const action = actions[i]!;
    const entry: ChangeSetEntry = { guest: action.guest, action: action.kind, outcome: 'skipped', commands: [], durationMs: 0, error: { code: 'ABORTED', message: 'apply was interrupted before this action' } };
    results[i] = entry;
    await serial(() => opts.onEntry?.(entry, action));
  };

  const runOne = async (i: number) => {
    const action = actions[i]!;
    const started = now();
    const commands: CommandRecord[] = [];
    let entry: ChangeSetEntry;
    try {
      await serial(() => opts.onStart?.(action));
      const ctx: ExecuteContext = { signal: opts.signal, log: opts.log, commands, ...(limit > 1 ? { label: action.guest } : {}) };
      const outcome = await executor.execute(action, ctx);
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
    results[i] = entry;
    await serial(() => opts.onEntry?.(entry, action));
  };

  // a callback that throws (the journal cannot be written) ends the apply once the running actions ended
  let fatal: { err: unknown } | undefined;
  const keys = actions.map(actionKeys);
  for (const run of phaseRuns(actions)) {
    const pending = [...run];
    const running = new Map<number, Promise<number>>();
    while (pending.length > 0 || running.size > 0) {
      if (fatal) pending.length = 0;
      if (pending.length > 0 && stopped()) {
        // a stopped apply starts nothing new; what was not started is reported as skipped
        for (const i of pending.splice(0)) await skip(i).catch((err: unknown) => void (fatal ??= { err }));
      }
      while (running.size < limit && pending.length > 0 && !fatal) {
        const k = readyIndex(pending, running, keys);
        if (k < 0) break;
        const i = pending.splice(k, 1)[0]!;
        running.set(i, runOne(i).then(
          () => i,
          (err: unknown) => {
            fatal ??= { err };
            return i;
          },
        ));
      }
      if (running.size === 0) continue;
      running.delete(await Promise.race(running.values()));
    }
    if (fatal) break;
  }
  if (fatal) throw fatal.err;

  const entries: ChangeSetEntry[] = [...results];
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

/**
 * The first pending action (plan order) that shares no guest, context id or
 * address with a running action or with a pending action before it; -1 when
 * none may start yet.
 */
function readyIndex(pending: number[], running: Map<number, unknown>, keys: string[][]): number {
  const held = new Set<string>();
  for (const i of running.keys()) for (const k of keys[i]!) held.add(k);
  for (let p = 0; p < pending.length; p++) {
    const ks = keys[pending[p]!]!;
    if (ks.every((k) => !held.has(k))) return p;
    for (const k of ks) held.add(k);
  }
  return -1;
}
