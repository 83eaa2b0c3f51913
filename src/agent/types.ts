/**
 * Contract between the agent loop and the reconcile pass. The loop decides
 * *when* a pass runs; the pass decides *what* to do (load, observe, plan, apply).
 */
import type { PassResult } from '../reconciler/pass-types.js';

export interface PassRequest {
  /** why the pass runs, e.g. "git", "webhook", "resync", "retry"; several joined by "+" when coalesced */
  trigger: string;
  /** aborted on shutdown or when the pass timeout expires: the running commands are aborted too */
  signal: AbortSignal;
  /** a graceful stop (`run --once`, Ctrl-C once): the running action finishes, no further one starts */
  stop?: AbortSignal;
  /** true while the agent is suspended: observe and report, change nothing */
  dryRun: boolean;
}

/**
 * One reconcile pass. Should resolve with a PassResult even on failure;
 * a rejection is treated like result 'failed'. Result 'invalid' means the
 * revision failed validation: the loop does not retry until a new revision arrives.
 */
export type PassFn = (req: PassRequest) => Promise<PassResult>;

/** Timers behind an interface so the loop can run on a fake clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

/** Uniform random number in [0, 1): injected so jitter is deterministic in tests. */
export type { RandomFn } from '../process/backoff.js';
