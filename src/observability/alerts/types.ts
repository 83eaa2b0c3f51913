import type { DriftMode } from '../../model/guest.js';
import type { DriftItem, DriftKind } from '../../reconciler/pass-types.js';

export type AlertType = 'appeared' | 'changed' | 'resolved';

/** One alert: a transition of one (guest, kind) drift, never a repeat. JSON as sent to sinks. */
export interface Alert {
  /** stable id of this transition: sha256(key, type, fingerprint, at) prefix */
  id: string;
  type: AlertType;
  /** "<kind>/<guest>", "<kind>/xid:<n>" or "<kind>/host" */
  key: string;
  kind: DriftKind;
  guest?: string;
  xid?: number;
  host: string;
  /** git revision of the pass that saw the transition */
  revision: string | null;
  /** fingerprint now (resolved: the last one seen) */
  fingerprint: string;
  previousFingerprint?: string;
  fields: string[];
  message: string;
  mode: DriftMode;
  /** when the drift was first seen */
  since: string;
  /** when this transition was seen */
  at: string;
  /** resolved: why ("gone" or "ignored") */
  resolution?: 'gone' | 'ignored';
  command?: string[];
  exitCode?: number;
  stderrTail?: string;
}

/** An active (alerted, not yet resolved) drift. */
export interface ActiveDrift {
  kind: DriftKind;
  guest?: string;
  xid?: number;
  fingerprint: string;
  fields: string[];
  message: string;
  mode: DriftMode;
  since: string;
  lastSeen: string;
}

export interface AlertState {
  version: 1;
  active: Record<string, ActiveDrift>;
}

export function emptyAlertState(): AlertState {
  return { version: 1, active: {} };
}

export function alertKey(item: Pick<DriftItem, 'kind' | 'guest' | 'xid'>): string {
  // neither guest nor context: a host-level failure (e.g. a refused, unsigned revision)
  return `${item.kind}/${item.guest ?? (item.xid !== undefined ? `xid:${item.xid}` : 'host')}`;
}
