import test from 'ava';
import type { DesiredGuest, ObservedGuest, ObservedHost } from '../../src/model/guest.js';
import { planAdoption } from '../../src/import/adopt.js';
import { emptyInventory } from '../../src/reconciler/inventory-types.js';
import { baseSpec, DEFAULT_BUILD } from '../helpers/state-builder.js';

function observed(...guests: ObservedGuest[]): ObservedHost {
  return { hostName: 'h', guests, unmanagedContexts: [], digest: 'd' };
}
const og = (name: string, ctx: number): ObservedGuest => ({ spec: { ...baseSpec(name, ctx), runState: 'stopped' }, running: false, managed: false, staleRunFile: false, configDigest: 'x' });
const dg = (name: string, ctx: number, over: Partial<DesiredGuest['spec']> = {}): DesiredGuest => ({
  spec: { ...baseSpec(name, ctx), runState: 'stopped', ...over },
  build: DEFAULT_BUILD,
  policy: { deletion: 'retain', drift: 'enforce' },
  labels: {},
  hosts: { names: ['h'], matchLabels: {} },
  origin: { file: `${name}.yaml`, line: 1, document: 0 },
});

test('--all adopts the unmanaged guests git places here; a matching manifest plans nothing', (t) => {
  const a = planAdoption({ revision: 'r', hostName: 'h', desired: [dg('a', 1001)], observed: observed(og('a', 1001), og('other', 1002)), inventory: emptyInventory(), names: 'all' });
  t.deepEqual(a.guests, ['a']);
  t.deepEqual(a.plan.actions, []);
  t.deepEqual(Object.keys(a.inventory.guests), ['a']);
  t.is(a.inventory.guests.a!.appliedRevision, 'r');
});

test('a manifest that differs gives the plan of exactly that difference (shown, and refused without --allow-changes)', (t) => {
  const a = planAdoption({ revision: 'r', hostName: 'h', desired: [dg('a', 1001, { nodename: 'a2' })], observed: observed(og('a', 1001)), inventory: emptyInventory(), names: ['a'] });
  t.deepEqual(a.plan.actions.map((x) => [x.guest, x.changes.map((c) => c.path)]), [['a', ['nodename']]]);
});

test('naming a guest that is not on the host or not in git is a usage error', (t) => {
  const input = { revision: 'r', hostName: 'h', desired: [dg('a', 1001)], observed: observed(og('a', 1001), og('b', 1002)), inventory: emptyInventory() };
  t.throws(() => planAdoption({ ...input, names: ['zz'] }), { message: /zz: not configured on host h/ });
  t.throws(() => planAdoption({ ...input, names: ['b'] }), { message: /b: no manifest in git/ });
});
