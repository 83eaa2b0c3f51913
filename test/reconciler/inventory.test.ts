import test from 'ava';
import { updateInventory } from '../../src/reconciler/inventory.js';
import { planHost } from '../../src/reconciler/plan.js';
import type { ChangeSet, Plan } from '../../src/reconciler/types.js';
import { host } from '../helpers/state-builder.js';

const unchangedSet = (plan: Plan): ChangeSet => ({
  revision: plan.revision,
  hostName: plan.hostName,
  entries: plan.unchanged.map((guest) => ({ guest, action: 'noop', outcome: 'unchanged', commands: [], durationMs: 0 })),
  summary: { unchanged: plan.unchanged.length },
  ok: true,
});

test('a marked guest that a crash left out of the inventory is owned again once it is unchanged', (t) => {
  // apply built, configured (marker) and started "web", then died before writing the inventory
  const input = host().guest('web', (g) => g.notInInventory()).guest('db').build();
  const plan = planHost(input);
  t.deepEqual(plan.actions, []);
  t.deepEqual(plan.unchanged, ['db', 'web']);
  const inv = updateInventory(input.inventory, plan, unchangedSet(plan), input.desired);
  t.is(inv.guests.web?.context, input.desired.find((d) => d.spec.name === 'web')!.spec.context);
  t.is(inv.guests.web?.appliedRevision, 'rev1');

  // so that leaving git later deletes it like any other managed guest
  const gone = planHost({ ...input, desired: input.desired.filter((d) => d.spec.name !== 'web'), inventory: inv });
  t.deepEqual(gone.actions.map((a) => [a.kind, a.guest]), [['delete', 'web']]);
});

test('an entry for a guest gone from git and from the host is dropped; one still on the host is kept', (t) => {
  const input = host().guest('web').guest('db').build();
  const plan = planHost(input);
  const desired = input.desired.filter((d) => d.spec.name === 'web');
  // db left git; it is still configured on the host (not yet deleted): keep owning it
  const kept = updateInventory(input.inventory, plan, unchangedSet(plan), desired, new Set(['web', 'db']));
  t.truthy(kept.guests.db);
  // db's configuration was removed by hand: nothing left to own
  const dropped = updateInventory(input.inventory, plan, unchangedSet(plan), desired, new Set(['web']));
  t.false("db" in dropped.guests);
  t.truthy(dropped.guests.web);
});
