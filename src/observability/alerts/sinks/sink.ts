import type { Alert } from '../types.js';

/** Where alerts go. `send` resolves when delivered and rejects when it gave up. */
export interface AlertSink {
  /** unique per dispatcher; used in logs and metrics labels */
  readonly name: string;
  /** `signal` aborts the delivery (agent shutdown): stop retrying and reject soon */
  send(alert: Alert, signal?: AbortSignal): Promise<void>;
  /** sinks that keep alerts alive (Alertmanager): the active alerts after each pass */
  refresh?(active: Alert[]): void;
  /** stops the sink's own timers */
  close?(): void;
}

/** One line for people (log, chat). */
export function alertSummary(alert: Alert): string {
  const who = alert.guest ?? (alert.xid !== undefined ? `xid ${alert.xid}` : alert.host);
  return `[${alert.host}] ${alert.kind} drift ${alert.type} on ${who}: ${alert.message}`;
}
