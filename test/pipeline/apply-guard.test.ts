import test from 'ava';
import { checkActionAllowed, guardedExecutor } from '../../src/pipeline/pipeline.js';
import { planHost } from '../../src/reconciler/plan.js';
import { isVsError } from '../../src/errors.js';
import type { PlannedAction } from '../../src/reconciler/types.js';
import { host } from '../helpers/state-builder.js';

const state = () =>
  host()
    .guest('web', () => undefined, 1001)
    .newGuest('new', () => undefined, 1002)
    .guest('old', (g) => g.notInGit(), 1003)
    .foreignGuest('legacy', undefined, 1006)
    .build();

const actionOf = (input: ReturnType<typeof state>, kind: string, guest: string): PlannedAction => {
  const a = planHost(input).actions.find((x) => x.kind === kind && x.guest === guest);
  if (!a) throw new Error(`no ${kind} ${guest}`);
  return a;
};

test('the planned actions pass the apply-time checks', (t) => {
  const input = state();
  for (const a of planHost(input).actions) t.notThrows(() => checkActionAllowed(a, input), `${a.kind} ${a.guest}`);
});

test('apply-time checks refuse what no plan may ask, whatever the plan says', (t) => {
  const input = state();
  const create = actionOf(input, 'create', 'new');
  const del = actionOf(input, 'delete', 'old');
  const cases: [string, PlannedAction, RegExp][] = [
    ['create ../../x', { ...create, guest: '../../x', after: { ...create.after!, name: '../../x' } }, /not a valid guest name/],
    ['create with a slash', { ...create, guest: 'a/b' }, /not a valid guest name/],
    ['create with ESC', { ...create, guest: 'a\x1b' }, /not a valid guest name/],
    ['create of a guest not in git', { ...create, guest: 'other', after: { ...create.after!, name: 'other' } }, /not in the desired state/],
    ['create over an existing guest', { ...create, guest: 'web', after: { ...create.after!, name: 'web' } }, /exists already/],
    ['create whose configuration names another guest', { ...create, after: { ...create.after!, name: 'web' } }, /names another guest/],
    ['delete of an unmanaged guest', { ...del, guest: 'legacy' }, /not managed by vsgitops/],
    ['delete of a guest in git', { ...del, guest: 'web' }, /in the desired state/],
    ['delete of a guest that does not exist', { ...del, guest: 'ghost' }, /no such guest/],
    ['update of an unmanaged guest', { ...del, kind: 'update', guest: 'legacy' }, /not managed/],
  ];
  for (const [title, action, why] of cases) {
    const err = t.throws(() => checkActionAllowed(action, input), undefined, title);
    t.true(isVsError(err, 'ACTION_REFUSED'), title);
    t.regex(err!.message, why, title);
  }
});

test('guardedExecutor: a refused action never reaches the provider', async (t) => {
  const input = state();
  const seen: string[] = [];
  const exec = guardedExecutor({ execute: async (a) => (seen.push(a.guest), 'deleted') }, input);
  const ctx = { log: undefined as never, commands: [] };
  await t.throwsAsync(exec.execute({ ...actionOf(input, 'delete', 'old'), guest: 'legacy' }, ctx));
  t.deepEqual(seen, []);
  t.is(await exec.execute(actionOf(input, 'delete', 'old'), ctx), 'deleted');
  t.deepEqual(seen, ['old']);
});
