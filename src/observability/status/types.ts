import type { DriftMode } from '../../model/guest.js';
import type { DriftItem, PassResultKind } from '../../reconciler/pass-types.js';
import type { ChangeSet } from '../../reconciler/types.js';

export const STATUS_FORMAT_VERSION = 1;
export const STATUS_FILE = 'status.json';

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Drifted', 'Failed', 'Suspended'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** Kubernetes-style condition: lastTransitionTime only moves when `status` flips. */
export interface Condition {
  type: ConditionType;
  status: boolean;
  /** CamelCase, for programs */
  reason: string;
  /** for people */
  message: string;
  lastTransitionTime: string;
}

export interface GuestStatus {
  name: string;
  mode: DriftMode;
  /** always all five, in CONDITION_TYPES order */
  conditions: Condition[];
}

export interface PassSummary {
  id: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  result: PassResultKind;
  revision: string | null;
  error?: { code: string; message: string };
}

export interface Status {
  formatVersion: number;
  hostName: string | null;
  lastAttemptedRevision: string | null;
  lastAppliedRevision: string | null;
  /** finish time of the last pass that applied or found nothing to do (readiness) */
  lastSucceededAt: string | null;
  lastPass: PassSummary;
  guests: GuestStatus[];
  /** drift of the last pass, as classified (ignored items included) */
  drift: DriftItem[];
  /** the last change set any pass produced (kept across passes that applied nothing) */
  lastChangeSet: ChangeSet | null;
  updatedAt: string;
}
