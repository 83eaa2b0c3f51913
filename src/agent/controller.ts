import { randomUUID } from 'node:crypto';
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PassResult } from '../reconciler/pass-types.js';
import { Backoff, type BackoffOptions } from '../process/backoff.js';
import { summarizePass } from './pass-log.js';
import { RequestQueue, type RequestOptions } from './queue.js';
import type { Clock, PassFn, RandomFn, TimerHandle } from './types.js';

/** What the loop needs to know about a suspension: whether it is active and when it ends by itself. */
export interface SuspensionCheck {
  active: boolean;
  /** epoch ms, or null for "until resumed" */
  until: number | null;
}

export interface ControllerOptions {
  pass: PassFn;
  clock: Clock;
  random: RandomFn;
  log: Logger;
  /** re-observe the host this long after the last successful pass */
  resyncMs: number;
  passTimeoutMs: number;
  backoff: BackoffOptions;
  /** consulted before every pass; absent → never suspended */
  suspension?: () => Promise<SuspensionCheck>;
  /** every pass result, after logging (status file, alerts, metrics) */
  onResult?: (result: PassResult) => void | Promise<void>;
}

export interface ControllerState {
  running: boolean;
  passes: number;
  /** set after result 'invalid': passes wait for a new revision */
  terminalRevision: string | null | undefined;
  /** delay of the scheduled retry, or null */
  retryInMs: number | null;
  lastResult: PassResult | null;
}

/**
 * The agent loop. Sources, timers, webhooks and signals only call
 * `request(trigger)`; the controller runs one pass at a time, coalesces
 * requests made during a pass into exactly one next pass, retries failures
 * with backoff, holds off after an invalid revision until a new one arrives,
 * and schedules the periodic resync.
 */
export class Controller {
  private readonly queue = new RequestQueue();
  private readonly backoff: Backoff;
  /** aborted by a forced stop: the running pass's commands are aborted */
  private readonly shutdown = new AbortController();
  /** aborted by a stop: the running pass finishes its running action and starts no further one */
  private readonly finishing = new AbortController();
  private running: Promise<void> | null = null;
  private stopped = false;
  private started = false;
  private passes = 0;
  /** undefined: not terminal; otherwise the revision that failed validation */
  private terminal: { revision: string | null } | undefined;
  private retryTimer: TimerHandle | null = null;
  private retryInMs: number | null = null;
  private resyncTimer: TimerHandle | null = null;
  private suspendTimer: TimerHandle | null = null;
  private lastResult: PassResult | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: ControllerOptions) {
    this.backoff = new Backoff(opts.backoff, opts.random);
  }

  /** Starts the loop with an initial pass. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.request('startup', { sourceChanged: true });
  }

  /** Asks for a pass. Never runs one directly; cheap to call often. */
  request(trigger: string, opts: RequestOptions = {}): void {
    if (this.stopped) return;
    this.queue.add(trigger, opts);
    this.kick();
  }

  /**
   * Stops the loop: no new passes; the running pass finishes the action it is
   * running and starts no further one (the same as Ctrl-C once on `apply`),
   * and is awaited. With `force` (a second SIGTERM/SIGINT, or a stop that must
   * not wait), the running pass's commands are aborted instead. A forced stop
   * may follow a graceful one that is still waiting.
   */
  async stop(reason = 'shutdown', opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force && !this.shutdown.signal.aborted) this.shutdown.abort(new VsError('INTERNAL', `agent stopping (${reason}): the running command was aborted`, { reason }));
    if (this.stopped) return this.running ?? undefined;
    this.stopped = true;
    for (const t of [this.retryTimer, this.resyncTimer, this.suspendTimer]) if (t) this.opts.clock.clearTimeout(t);
    this.retryTimer = this.resyncTimer = this.suspendTimer = null;
    this.queue.clear();
    this.finishing.abort(new VsError('INTERNAL', `agent stopping (${reason})`, { reason }));
    await this.running;
    this.notifyIdle();
  }

  get state(): ControllerState {
    return {
      running: this.running !== null,
      passes: this.passes,
      terminalRevision: this.terminal?.revision,
      retryInMs: this.retryInMs,
      lastResult: this.lastResult,
    };
  }

  /** Resolves once no pass is running and nothing runnable is pending (tests, `run --once`). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.running === null && !this.runnable();
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Whether the pending requests may run now. */
  private runnable(): boolean {
    if (this.stopped || !this.queue.pending) return false;
    // an unknown revision (plain directory, source without one) counts as new when the source changed
    const rev = this.queue.latestRevision;
    const newRevision = this.queue.hasSourceChange && (rev == null || this.terminal === undefined || rev !== this.terminal.revision);
    if (this.terminal !== undefined) return newRevision;
    // while waiting for a retry only a new revision jumps the queue; the retry timer picks up the rest
    if (this.retryTimer !== null) return this.queue.hasSourceChange;
    return true;
  }

  private kick(): void {
    // requests made before start (the remote source's initial fetch) wait for the startup pass and join it
    if (!this.started || this.running !== null || this.stopped) return;
    if (!this.runnable()) {
      if (this.terminal !== undefined && this.queue.pending) {
        this.opts.log.debug('pass request ignored: waiting for a new revision', { revision: this.terminal.revision });
        this.queue.clear();
      }
      this.notifyIdle();
      return;
    }
    const pending = this.queue.take()!;
    this.running = this.runPass(pending.trigger).finally(() => {
      this.running = null;
      this.kick();
    });
  }

  private async runPass(trigger: string): Promise<void> {
    const { clock, log } = this.opts;
    for (const t of [this.retryTimer, this.resyncTimer]) if (t) clock.clearTimeout(t);
    this.retryTimer = this.resyncTimer = null;
    this.retryInMs = null;
    this.terminal = undefined;
    this.passes++;

    const suspension = await this.checkSuspension();
    if (this.stopped) return; // stopped while reading the suspension: start nothing
    const passAbort = new AbortController();
    const onShutdown = () => passAbort.abort(this.shutdown.signal.reason);
    if (this.shutdown.signal.aborted) onShutdown();
    else this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    const timeout = clock.setTimeout(() => {
      passAbort.abort(new VsError('COMMAND_TIMEOUT', `pass timed out after ${this.opts.passTimeoutMs} ms`, { timeoutMs: this.opts.passTimeoutMs }));
    }, this.opts.passTimeoutMs);

    const startedAt = clock.now();
    let result: PassResult;
    try {
      result = await this.opts.pass({ trigger, signal: passAbort.signal, stop: this.finishing.signal, dryRun: suspension.active });
    } catch (err) {
      result = failedResult(trigger, startedAt, clock.now(), passAbort.signal.aborted ? passAbort.signal.reason : err);
    } finally {
      clock.clearTimeout(timeout);
      this.shutdown.signal.removeEventListener('abort', onShutdown);
    }
    // a pass that ignored its timeout still counts as failed: the host may be half-way
    if (passAbort.signal.aborted && !this.stopped && result.result !== 'failed' && result.result !== 'invalid') {
      result = { ...result, result: 'failed', error: errorOf(passAbort.signal.reason) };
    }
    this.lastResult = result;

    let retryInMs: number | null = null;
    if (result.result === 'failed') {
      if (!this.stopped) retryInMs = this.scheduleRetry();
    } else if (result.result === 'invalid') {
      this.backoff.reset();
      this.terminal = { revision: result.revision };
    } else {
      this.backoff.reset();
      if (!this.stopped) this.scheduleResync();
    }
    const fields = { ...summarizePass(result), dryRun: suspension.active, ...(retryInMs !== null ? { retryInMs } : {}) };
    if (result.result === 'failed' || result.result === 'invalid') log.error('pass', fields);
    else if (result.result === 'blocked') log.warn('pass', fields);
    else log.info('pass', fields);
    try {
      await this.opts.onResult?.(result);
    } catch (err) {
      log.error('pass result handler failed', { error: errorOf(err) });
    }
  }

  private scheduleRetry(): number {
    const delay = this.backoff.next();
    this.retryInMs = delay;
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null;
      this.retryInMs = null;
      this.request('retry');
    }, delay);
    return delay;
  }

  private scheduleResync(): void {
    this.resyncTimer = this.opts.clock.setTimeout(() => {
      this.resyncTimer = null;
      this.request('resync');
    }, this.opts.resyncMs);
  }

  private async checkSuspension(): Promise<SuspensionCheck> {
    if (!this.opts.suspension) return { active: false, until: null };
    let s: SuspensionCheck;
    try {
      s = await this.opts.suspension();
    } catch (err) {
      // unreadable suspension record: be safe and change nothing this pass
      this.opts.log.error('cannot read the suspension record; running observe-only', { error: errorOf(err) });
      return { active: true, until: null };
    }
    if (this.suspendTimer) this.opts.clock.clearTimeout(this.suspendTimer);
    this.suspendTimer = null;
    if (s.active && s.until !== null && !this.stopped) {
      this.suspendTimer = this.opts.clock.setTimeout(() => {
        this.suspendTimer = null;
        this.request('suspension-ended');
      }, Math.max(0, s.until - this.opts.clock.now()));
    }
    return s;
  }
}

export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof VsError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}

function failedResult(trigger: string, start: number, end: number, err: unknown): PassResult {
  return {
    id: randomUUID(),
    trigger,
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(end).toISOString(),
    durationMs: end - start,
    revision: null,
    appliedRevision: null,
    result: 'failed',
    error: errorOf(err),
    drift: [],
    guests: [],
  };
}
