import type { DriftItem, DriftKind } from '../../reconciler/pass-types.js';
import { sha256Hex } from '../drift/fingerprint.js';
import { alertKey, type ActiveDrift, type Alert, type AlertState, type AlertType } from './types.js';

/**
 * Kinds that alert by default. Pending is left out: a new commit is the normal
 * way of working and is applied on the next pass (alerting on it would send
 * two messages per commit per guest).
 */
export const DEFAULT_ALERT_KINDS: readonly DriftKind[] = ['config', 'runtime', 'unmanaged', 'failed', 'blocked'];

export interface TransitionContext {
  host: string;
  revision: string | null;
  /** ISO time of the pass, injected */
  now: string;
  kinds?: readonly DriftKind[];
}

/**
 * The alert state machine. Given the active drift from earlier passes and the
 * items of this pass, returns the new state and the alerts to send: one
 * `appeared` when a (guest, kind) shows up, one `changed` when its fingerprint
 * changes, one `resolved` when it disappears or becomes ignored. The same drift
 * seen again sends nothing. Pure.
 */
export function nextAlerts(prev: AlertState, items: DriftItem[], ctx: TransitionContext): { state: AlertState; alerts: Alert[] } {
  const kinds = new Set(ctx.kinds ?? DEFAULT_ALERT_KINDS);
  const current = new Map<string, DriftItem>();
  const ignoredKeys = new Set<string>();
  for (const item of items) {
    if (!kinds.has(item.kind)) continue;
    const key = alertKey(item);
    if (item.ignored) ignoredKeys.add(key);
    else if (!current.has(key)) current.set(key, item);
  }

  const active: Record<string, ActiveDrift> = {};
  const alerts: Alert[] = [];
  for (const key of [...current.keys()].sort()) {
    const item = current.get(key)!;
    const before = prev.active[key];
    const since = before?.since ?? ctx.now;
    active[key] = {
      kind: item.kind,
      ...(item.guest !== undefined ? { guest: item.guest } : {}),
      ...(item.xid !== undefined ? { xid: item.xid } : {}),
      fingerprint: item.fingerprint,
      fields: item.fields,
      message: item.message,
      mode: item.mode,
      since,
      lastSeen: ctx.now,
    };
    if (!before) alerts.push(makeAlert('appeared', key, active[key]!, ctx, item));
    else if (before.fingerprint !== item.fingerprint) alerts.push(makeAlert('changed', key, active[key]!, ctx, item, before.fingerprint));
  }
  for (const key of Object.keys(prev.active).sort()) {
    if (current.has(key)) continue;
    const gone = prev.active[key]!;
    // kinds no longer alerted (configuration change) are dropped silently
    if (!kinds.has(gone.kind)) continue;
    alerts.push({ ...makeAlert('resolved', key, gone, ctx), resolution: ignoredKeys.has(key) ? 'ignored' : 'gone' });
  }
  return { state: { version: 1, active }, alerts };
}

function makeAlert(type: AlertType, key: string, d: ActiveDrift, ctx: TransitionContext, item?: DriftItem, previousFingerprint?: string): Alert {
  return {
    id: sha256Hex(`${key}\0${type}\0${d.fingerprint}\0${ctx.now}`).slice(0, 16),
    type,
    key,
    kind: d.kind,
    ...(d.guest !== undefined ? { guest: d.guest } : {}),
    ...(d.xid !== undefined ? { xid: d.xid } : {}),
    host: ctx.host,
    revision: ctx.revision,
    fingerprint: d.fingerprint,
    ...(previousFingerprint ? { previousFingerprint } : {}),
    fields: d.fields,
    message: type === 'resolved' ? `resolved: ${d.message}` : d.message,
    mode: d.mode,
    since: d.since,
    at: ctx.now,
    ...(item?.command ? { command: item.command } : {}),
    ...(item?.exitCode !== undefined ? { exitCode: item.exitCode } : {}),
    ...(item?.stderrTail !== undefined ? { stderrTail: item.stderrTail } : {}),
  };
}
