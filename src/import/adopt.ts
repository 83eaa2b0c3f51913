/**
 * `vsgitops adopt`: take ownership of guests that exist on the host (issue 10
 * item 2). Pure: given what plan sees, say which guests would be adopted and
 * what the plan would be once they are owned. Nothing here runs a command.
 */
import { VsError } from '../errors.js';
import type { DesiredGuest, ObservedHost } from '../model/guest.js';
import type { Inventory } from '../reconciler/inventory-types.js';
import { DEFAULT_PLAN_OPTIONS, planHost } from '../reconciler/plan.js';
import type { Plan } from '../reconciler/types.js';

export interface AdoptionInput {
  revision: string | null;
  hostName: string;
  desired: DesiredGuest[];
  observed: ObservedHost;
  inventory: Inventory;
  /** guest names, or 'all': every unmanaged guest that git places on this host */
  names: string[] | 'all';
}

export interface Adoption {
  guests: string[];
  /** guests already managed (nothing to do) */
  already: string[];
  /** the plan for the adopted guests as if they were owned: empty = adopting changes nothing */
  plan: Plan;
  inventory: Inventory;
}

export function planAdoption(input: AdoptionInput): Adoption {
  const desiredBy = new Map(input.desired.map((d) => [d.spec.name, d]));
  const observedBy = new Map(input.observed.guests.map((g) => [g.spec.name, g]));
  const wanted = input.names === 'all' ? input.observed.guests.filter((g) => desiredBy.has(g.spec.name)).map((g) => g.spec.name) : input.names;
  const problems: string[] = [];
  for (const n of wanted) {
    if (!observedBy.has(n)) problems.push(`${n}: not configured on host ${input.hostName} (nothing to adopt)`);
    else if (!desiredBy.has(n)) problems.push(`${n}: no manifest in git places it on host ${input.hostName} (write one first, e.g. with \`vsgitops import\`)`);
  }
  if (problems.length > 0) throw new VsError('USAGE', `cannot adopt:\n  ${problems.join('\n  ')}`);
  const already = wanted.filter((n) => observedBy.get(n)!.managed && Object.prototype.hasOwnProperty.call(input.inventory.guests, n));
  const guests = wanted.filter((n) => !already.includes(n)).sort();
  const inventory: Inventory = { ...input.inventory, guests: { ...input.inventory.guests } };
  for (const n of guests) {
    const o = observedBy.get(n)!;
    const d = desiredBy.get(n)!;
    // What is on the host counts as applied: any difference to git is a pending git change.
    inventory.guests[n] = { context: o.spec.context, appliedSpec: o.spec, appliedRevision: input.revision, appliedBuild: d.build, driftMode: d.policy.drift, deletion: d.policy.deletion };
  }
  const adopting = new Set([...guests, ...already]);
  const observed: ObservedHost = { ...input.observed, guests: input.observed.guests.map((g) => (adopting.has(g.spec.name) ? { ...g, managed: true } : g)) };
  const full = planHost({
    revision: input.revision,
    hostName: input.hostName,
    desired: input.desired.filter((d) => adopting.has(d.spec.name)),
    desiredValid: true,
    observed: { ...observed, guests: observed.guests.filter((g) => adopting.has(g.spec.name)), unmanagedContexts: [] },
    inventory: { ...inventory, guests: Object.fromEntries(Object.entries(inventory.guests).filter(([n]) => adopting.has(n))) },
    options: DEFAULT_PLAN_OPTIONS,
  });
  return { guests, already, plan: full, inventory };
}
