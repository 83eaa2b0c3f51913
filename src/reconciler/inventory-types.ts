/**
 * The ownership record: which guests vsgitops manages on this host and what it
 * last applied to each. Only guests listed here (and carrying the marker in
 * their config dir) are ever stopped or deleted because they left git.
 */
import type { BuildSpec, DeletionPolicy, DriftMode, GuestSpec } from '../model/guest.js';

export const INVENTORY_VERSION = 1;

export interface InventoryEntry {
  context: number;
  /** the desired spec vsgitops last applied: tells pending git changes from hand edits */
  appliedSpec: GuestSpec;
  appliedRevision: string | null;
  driftMode: DriftMode;
  deletion: DeletionPolicy;
  /** the build section the guest was created with (lets the plan note build-only changes) */
  appliedBuild?: BuildSpec;
  /**
   * A restart or replace of this guest failed its start or health check and was
   * rolled back (ROLLED_BACK): the desired guest it was for (digestDesired) and
   * the revision. The planner does not restart it for the same desired guest again.
   */
  rolledBack?: { desiredDigest: string; revision: string | null };
}

export interface Inventory {
  version: 1;
  guests: Record<string, InventoryEntry>;
}

export function emptyInventory(): Inventory {
  return { version: 1, guests: {} };
}
