import { VsError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AlertSink } from './sinks/sink.js';
import type { Alert } from './types.js';

export type SinkOutcome = 'sent' | 'failed' | 'dropped';

export interface SinkCounters {
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
}

export interface DispatcherOptions {
  sinks: AlertSink[];
  logger: Logger;
  /** alerts waiting per sink; beyond it the newest are dropped (and counted) */
  maxQueue?: number;
  /** called for every delivery outcome (metrics) */
  onOutcome?: (sink: string, outcome: SinkOutcome, alert: Alert) => void;
}

interface Lane {
  sink: AlertSink;
  queue: Alert[];
  running: boolean;
  counters: SinkCounters;
}

/**
 * Fans alerts out to sinks without ever making the reconciler wait: each sink
 * has its own bounded queue and worker, so one slow or dead sink delays
 * neither the pass nor the other sinks.
 */
export class AlertDispatcher {
  private readonly lanes: Lane[];
  private readonly maxQueue: number;
  private idleWaiters: (() => void)[] = [];
  /** aborts deliveries in flight when close() gives up waiting */
  private readonly abort = new AbortController();
  private closed = false;

  constructor(private readonly opts: DispatcherOptions) {
    const names = new Set<string>();
    for (const s of opts.sinks) {
      if (names.has(s.name)) throw new VsError('CONFIG', `duplicate alert sink name "${s.name}"`);
      names.add(s.name);
    }
    this.maxQueue = opts.maxQueue ?? 100;
    this.lanes = opts.sinks.map((sink) => ({ sink, queue: [], running: false, counters: { sent: 0, failed: 0, dropped: 0, queued: 0 } }));
  }

  /** Queues the alerts for every sink and returns at once. */
  dispatch(alerts: Alert[]): void {
    if (this.closed) {
      if (alerts.length > 0) this.opts.logger.warn('alerts not sent: the agent is shutting down', { alerts: alerts.map((a) => `${a.type} ${a.key}`) });
      return;
    }
    for (const lane of this.lanes) {
      for (const alert of alerts) {
        if (lane.queue.length >= this.maxQueue) {
          lane.counters.dropped++;
          this.opts.logger.warn('alert dropped: sink queue full', { sink: lane.sink.name, key: alert.key, alert: alert.type });
          this.opts.onOutcome?.(lane.sink.name, 'dropped', alert);
          continue;
        }
        lane.queue.push(alert);
      }
      lane.counters.queued = lane.queue.length;
      if (!lane.running && lane.queue.length > 0) void this.run(lane);
    }
  }

  /** The active alerts after a pass, for sinks that keep alerts alive (Alertmanager). */
  refresh(active: Alert[]): void {
    if (this.closed) return;
    for (const lane of this.lanes) lane.sink.refresh?.(active);
  }

  /** Waits until every queue is empty or the timeout passes; true when drained. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.idle()) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Shutdown: waits up to `timeoutMs` for the queues to drain, then abandons
   * what is left (deliveries in flight are aborted, queued alerts are logged),
   * so a dead or hanging sink cannot keep the process alive. Resolves with
   * the number of alerts abandoned; later dispatches are refused.
   */
  async close(timeoutMs: number): Promise<number> {
    this.closed = true;
    for (const lane of this.lanes) lane.sink.close?.();
    if (await this.flush(timeoutMs)) return 0;
    let abandoned = 0;
    for (const lane of this.lanes) {
      const left = lane.queue.splice(0);
      abandoned += left.length + (lane.running ? 1 : 0);
      lane.counters.queued = 0;
      if (left.length > 0 || lane.running) {
        this.opts.logger.warn('alerts abandoned at shutdown', { sink: lane.sink.name, alerts: [...(lane.running ? ['(in flight)'] : []), ...left.map((a) => `${a.type} ${a.key}`)] });
      }
    }
    this.abort.abort();
    // an aborted delivery settles at once; do not wait on one that ignores the signal
    await this.flush(1000);
    return abandoned;
  }

  /** Per-sink delivery counts. */
  stats(): Record<string, SinkCounters> {
    return Object.fromEntries(this.lanes.map((l) => [l.sink.name, { ...l.counters, queued: l.queue.length }]));
  }

  private idle(): boolean {
    return this.lanes.every((l) => !l.running && l.queue.length === 0);
  }

  private async run(lane: Lane): Promise<void> {
    lane.running = true;
    // let dispatch() return before the first send starts
    await Promise.resolve();
    try {
      while (lane.queue.length > 0) {
        const alert = lane.queue.shift()!;
        lane.counters.queued = lane.queue.length;
        try {
          await lane.sink.send(alert, this.abort.signal);
          lane.counters.sent++;
          this.opts.onOutcome?.(lane.sink.name, 'sent', alert);
        } catch (err) {
          lane.counters.failed++;
          this.opts.logger.warn('alert delivery failed', { sink: lane.sink.name, key: alert.key, alert: alert.type, error: (err as Error).message });
          this.opts.onOutcome?.(lane.sink.name, 'failed', alert);
        }
      }
    } finally {
      lane.running = false;
    }
    if (this.idle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
