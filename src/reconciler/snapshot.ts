/**
 * The observation snapshot: what `vsgitops observe --output json` prints and
 * what the agent keeps in its state directory (observed.json) after every
 * pass. Everything the planner needs from a host — the observed host and the
 * inventory (ownership) — so `plan --observed FILE` plans with no host access.
 * The observed host's fields sit at the top level (readers of the older
 * observe JSON keep working); `formatVersion` names this format.
 */
import { VsError } from '../errors.js';
import type { ObservedHost } from '../model/guest.js';
import type { Inventory } from './inventory-types.js';

export const SNAPSHOT_FORMAT_VERSION = 1;
export const SNAPSHOT_KIND = 'vsgitops.observation';
/** The agent's latest observation, in its state directory. */
export const OBSERVATION_FILE = 'observed.json';

export interface ObservationSnapshot extends ObservedHost {
  formatVersion: number;
  kind: typeof SNAPSHOT_KIND;
  /** when the host was read (ISO) */
  observedAt: string;
  /** the ownership record: which guests vsgitops manages there and what it last applied */
  inventory: Inventory;
}

export function makeSnapshot(observed: ObservedHost, inventory: Inventory, observedAt: string): ObservationSnapshot {
  return { formatVersion: SNAPSHOT_FORMAT_VERSION, kind: SNAPSHOT_KIND, observedAt, ...observed, inventory };
}

/** Splits a snapshot back into what the planner takes. Throws PLAN_INVALID for anything else. */
export function parseSnapshot(text: string, file: string): { observed: ObservedHost; inventory: Inventory; observedAt: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new VsError('PLAN_INVALID', `${file} is not JSON: ${(err as Error).message}`, { file });
  }
  const s = data as Partial<ObservationSnapshot> | null;
  if (typeof s !== 'object' || s === null || s.kind !== SNAPSHOT_KIND) {
    throw new VsError('PLAN_INVALID', `${file} is not a vsgitops observation (make one with "vsgitops observe --output json")`, { file });
  }
  if (s.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new VsError('PLAN_INVALID', `${file} is an observation of format version ${String(s.formatVersion)}; this vsgitops reads version ${SNAPSHOT_FORMAT_VERSION}`, { file });
  }
  const inv = s.inventory;
  if (typeof s.hostName !== 'string' || !Array.isArray(s.guests) || !Array.isArray(s.unmanagedContexts) || typeof s.digest !== 'string' || !inv || inv.version !== 1 || typeof inv.guests !== 'object' || inv.guests === null) {
    throw new VsError('PLAN_INVALID', `${file}: the observation lacks hostName, guests, unmanagedContexts, digest or inventory`, { file });
  }
  const { formatVersion: _v, kind: _k, observedAt, inventory, ...observed } = s as ObservationSnapshot;
  return { observed: observed as ObservedHost, inventory, observedAt: String(observedAt) };
}
