/**
 * The inventory records which guests vsgitops manages on a host and what it
 * last applied to each. Only guests listed here are ever stopped or deleted
 * because they left git (Flux's inventory rule). Guests whose delete failed
 * stay listed, so the next pass retries them.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VsError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { DesiredGuest } from '../model/guest.js';
import { emptyInventory, type Inventory, type InventoryEntry } from './inventory-types.js';
export { emptyInventory };
import type { ChangeSet, Plan } from './types.js';
import { digestDesired } from './digest.js';

export const INVENTORY_FILE = 'inventory.json';


export async function readInventory(stateDir: string): Promise<Inventory> {
  const file = path.join(stateDir, INVENTORY_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyInventory();
    throw new VsError('HOST', `cannot read inventory ${file}: ${(err as Error).message}`);
  }
  try {
    const inv = JSON.parse(text) as Inventory;
    if (inv.version !== 1 || typeof inv.guests !== 'object' || inv.guests === null) throw new Error('unknown format');
    return inv;
  } catch (err) {
    // A corrupt inventory must never be read as "we own nothing" silently:
    // that would turn every managed guest into an unmanaged one.
    throw new VsError('HOST', `inventory ${file} is unreadable (${(err as Error).message}); fix or remove it by hand`);
  }
}

export async function writeInventory(stateDir: string, inv: Inventory): Promise<void> {
  await writeFileAtomic(path.join(stateDir, INVENTORY_FILE), JSON.stringify(inv, null, 2) + '\n');
}

/** What the inventory records for a guest applied from `d` at `revision`. */
export function inventoryEntryFor(d: DesiredGuest, revision: string | null): InventoryEntry {
  return {
    context: d.spec.context,
    appliedSpec: d.spec,
    appliedRevision: revision,
    appliedBuild: d.build,
    driftMode: d.policy.drift,
    deletion: d.policy.deletion,
  };
}

/** The inventory after an apply: pure. */
/**
 * `observedNames`, when given, are the guests configured on the host: an entry
 * for a guest that is neither in git nor on the host any more (removed by hand)
 * is dropped, so it does not warn on every pass.
 */
export function updateInventory(inv: Inventory, plan: Plan, cs: ChangeSet, desired: DesiredGuest[], observedNames?: ReadonlySet<string>): Inventory {
  const byName = new Map(desired.map((d) => [d.spec.name, d]));
  const guests = { ...inv.guests };
  for (const e of cs.entries) {
    if (e.outcome === 'failed' && e.error?.code === 'ROLLED_BACK') {
      // the guest runs its previous configuration again: remember not to retry the same change
      const d = byName.get(e.guest);
      const entry = guests[e.guest];
      if (d && entry) guests[e.guest] = { ...entry, rolledBack: { desiredDigest: digestDesired([d]), revision: plan.revision } };
      continue;
    }
    if (e.outcome === 'failed' || e.outcome === 'skipped') continue;
    if (e.outcome === 'deleted' || e.outcome === 'retained') {
      delete guests[e.guest];
      continue;
    }
    const d = byName.get(e.guest);
    if (!d) continue;
    // An unchanged guest carries the vsgitops marker (the planner blocks desired
    // guests without one), so it is owned even when missing here: an apply that
    // died between writing the marker and the inventory left it out.
    guests[e.guest] = inventoryEntryFor(d, plan.revision);
  }
  // Policies are git's word, whatever happened on the host: an owned guest
  // always carries the deletion policy and drift mode of its manifest, even
  // when it was unchanged, blocked or failed (a stale `delete` policy would
  // remove files the manifest now says to retain).
  for (const [name, entry] of Object.entries(guests)) {
    const d = byName.get(name);
    if (d && (entry.deletion !== d.policy.deletion || entry.driftMode !== d.policy.drift)) {
      guests[name] = { ...entry, deletion: d.policy.deletion, driftMode: d.policy.drift };
    }
  }
  if (observedNames) {
    for (const name of Object.keys(guests)) if (!byName.has(name) && !observedNames.has(name)) delete guests[name];
  }
  return { version: 1, guests };
}
