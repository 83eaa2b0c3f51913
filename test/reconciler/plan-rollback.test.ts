/** Issue 14 item 4 in the planner: safety settings ride on restart/replace actions; a rolled-back change is not retried. */
import test from 'ava';
import { planHost } from '../../src/reconciler/plan.js';
import { digestDesired } from '../../src/reconciler/digest.js';
import { updateInventory } from '../../src/reconciler/inventory.js';
import { host } from '../helpers/state-builder.js';

const safety = { healthCheck: { command: ['true'], timeoutMs: 5000, retries: 0 }, snapshot: { paths: ['/etc/app'], keep: 2 } };
const restartInput = () => {
  const input = host().guest('web', (g) => g.desired((s) => { s.interfaces[0]!.address = '198.51.100.9'; })).build();
  input.desired[0]!.safety = safety;
  return input;
};

test('a restart action carries the manifest\'s safety settings; a live change does not', (t) => {
  const p = planHost(restartInput());
  t.is(p.actions[0]!.kind, 'update');
  t.true(p.actions[0]!.restart);
  t.deepEqual(p.actions[0]!.safety, safety);
  const live = host().guest('web', (g) => g.desired({ limits: { nproc: { soft: 9, hard: 9 } } })).build();
  live.desired[0]!.safety = safety;
  t.is(planHost(live).actions[0]!.safety, undefined);
});

test('after a rollback the same change is blocked, a changed manifest is planned again, and a success clears the record', (t) => {
  const input = restartInput();
  const first = planHost(input);
  const failed = { revision: 'rev1', hostName: 'alpha', entries: [{ guest: 'web', action: 'update' as const, outcome: 'failed' as const, commands: [], durationMs: 1, error: { code: 'ROLLED_BACK', message: 'x' } }], summary: {}, ok: false };
  input.inventory = updateInventory(input.inventory, first, failed, input.desired);
  t.deepEqual(input.inventory.guests.web!.rolledBack, { desiredDigest: digestDesired(input.desired), revision: 'rev1' });
  const again = planHost(input);
  t.deepEqual(again.actions, []);
  t.regex(again.blocked[0]!.reason, /restart not tried again: .*rolled back \(ROLLED_BACK at revision rev1\)/);
  // the manifest changes (here: its health check): tried again
  input.desired[0]!.safety = { ...safety, healthCheck: { ...safety.healthCheck, retries: 2 } };
  const retried = planHost(input);
  t.is(retried.actions[0]!.kind, 'update');
  const ok = { ...failed, entries: [{ ...failed.entries[0]!, outcome: 'restarted' as const, error: undefined }], ok: true };
  t.is(updateInventory(input.inventory, retried, ok, input.desired).guests.web!.rolledBack, undefined);
});
