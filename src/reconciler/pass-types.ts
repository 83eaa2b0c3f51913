/**
 * The outcome of one reconcile pass: what the agent loop, the status file,
 * alerts and metrics consume. Plain JSON data.
 */
import type { DriftMode } from '../model/guest.js';
import type { ChangeSet, Plan } from './types.js';

export type DriftKind = 'pending' | 'config' | 'runtime' | 'unmanaged' | 'failed' | 'blocked';

export interface DriftItem {
  kind: DriftKind;
  /** guest name; absent for an unmanaged bare context */
  guest?: string;
  xid?: number;
  /** changed field paths (sorted) */
  fields: string[];
  /** stable hash of (guest, kind, the differing values): alerts are de-duplicated on it */
  fingerprint: string;
  message: string;
  /** failed: the command, exit code and stderr tail */
  command?: string[];
  exitCode?: number;
  stderrTail?: string;
  /** enforce: healed by the next pass; warn: only reported */
  mode: DriftMode;
  /** matched an unexpired ignore entry: reported but not alerted */
  ignored?: { reason: string; expires: string };
}

/** blocked: nothing failed, but guests are blocked, the deletion breaker tripped, or the revision has no manifests */
export type PassResultKind = 'applied' | 'unchanged' | 'blocked' | 'failed' | 'invalid' | 'suspended';

export interface PassResult {
  id: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** revision this pass read from git (null for a directory source or when the source failed) */
  revision: string | null;
  /** revision in force on the host after this pass */
  appliedRevision: string | null;
  result: PassResultKind;
  error?: { code: string; message: string };
  plan?: Plan;
  changeSet?: ChangeSet;
  drift: DriftItem[];
  /** managed guests on this host with their drift mode */
  guests: { name: string; mode: DriftMode }[];
}
