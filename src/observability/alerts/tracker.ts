import type { Logger } from '../../log.js';
import type { DriftItem, DriftKind } from '../../reconciler/pass-types.js';
import type { AlertDispatcher } from './dispatcher.js';
import { loadAlertState, saveAlertState } from './state-store.js';
import { nextAlerts } from './transitions.js';
import type { Alert, AlertState } from './types.js';

export interface AlertTrackerOptions {
  stateDir: string;
  host: string;
  dispatcher: AlertDispatcher;
  logger: Logger;
  kinds?: readonly DriftKind[];
}

/**
 * Glue for the agent loop: after each pass, compute transitions against the
 * persisted state, save the new state (before sending, so a crash never sends
 * twice), and hand the alerts to the dispatcher without waiting for delivery.
 */
export class AlertTracker {
  private state: AlertState | undefined;

  constructor(private readonly opts: AlertTrackerOptions) {}

  async observe(drift: DriftItem[], revision: string | null, now: string): Promise<Alert[]> {
    if (!this.state) {
      const loaded = await loadAlertState(this.opts.stateDir);
      if (loaded.warning) this.opts.logger.warn(loaded.warning);
      this.state = loaded.state;
    }
    const { state, alerts } = nextAlerts(this.state, drift, { host: this.opts.host, revision, now, ...(this.opts.kinds ? { kinds: this.opts.kinds } : {}) });
    if (alerts.length > 0 || JSON.stringify(state) !== JSON.stringify(this.state)) await saveAlertState(this.opts.stateDir, state);
    this.state = state;
    this.opts.dispatcher.dispatch(alerts);
    this.opts.dispatcher.refresh(activeAlerts(state, this.opts.host, revision, now));
    return alerts;
  }
}

/** The drift still alerted (firing), as alerts (for sinks that re-assert them: Alertmanager). */
export function activeAlerts(state: AlertState, host: string, revision: string | null, now: string): Alert[] {
  return Object.entries(state.active).map(([key, a]) => ({
    id: '',
    type: 'appeared' as const,
    key,
    kind: a.kind,
    ...(a.guest !== undefined ? { guest: a.guest } : {}),
    ...(a.xid !== undefined ? { xid: a.xid } : {}),
    host,
    revision,
    fingerprint: a.fingerprint,
    fields: a.fields,
    message: a.message,
    mode: a.mode,
    since: a.since,
    at: now,
  }));
}
