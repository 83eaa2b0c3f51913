import test from 'ava';
import { applyPlan, type ActionExecutor } from '../../src/reconciler/apply.js';
import { VsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { Plan, PlannedAction } from '../../src/reconciler/types.js';

const action = (guest: string, kind: PlannedAction['kind']): PlannedAction => ({
  kind, guest, reason: 'test', changes: [], restart: false, destructive: kind === 'delete', driftMode: 'enforce',
});

const plan = (actions: PlannedAction[], unchanged: string[] = []): Plan => ({
  formatVersion: 1, revision: 'abc', hostName: 'h', observedDigest: 'o', desiredDigest: 'd', actions, unchanged,
  unmanaged: [], blocked: [], warnings: [],
  summary: { create: 0, update: 0, replace: 0, delete: 0, start: 0, stop: 0, restart: 0, unchanged: unchanged.length },
  destructive: false,
});

test('one failing guest does not stop the others; the error is recorded', async (t) => {
  const order: string[] = [];
  const exec: ActionExecutor = {
    async execute(a, ctx) {
      order.push(a.guest);
      ctx.commands.push({ argv: ['vserver', a.guest, 'start'], exitCode: a.guest === 'b' ? 1 : 0, durationMs: 1 });
      if (a.guest === 'b') throw new VsError('COMMAND_FAILED', 'vserver b start exited 1', { argv: ['vserver', 'b', 'start'], exitCode: 1, stderrTail: 'boom' });
      return a.kind === 'create' ? 'created' : 'deleted';
    },
  };
  const cs = await applyPlan(plan([action('a', 'delete'), action('b', 'create'), action('c', 'create')], ['d']), exec, { log: silentLogger() });
  t.deepEqual(order, ['a', 'b', 'c']);
  t.deepEqual(cs.entries.map((e) => [e.guest, e.outcome]), [['a', 'deleted'], ['b', 'failed'], ['c', 'created'], ['d', 'unchanged']]);
  t.is(cs.entries[1].error?.exitCode, 1);
  t.is(cs.entries[1].error?.stderrTail, 'boom');
  t.deepEqual(cs.entries[1].commands.map((c) => c.exitCode), [1]);
  t.false(cs.ok);
  t.deepEqual(cs.summary, { deleted: 1, failed: 1, created: 1, unchanged: 1 });
});

test('an aborted apply skips the remaining actions', async (t) => {
  const ac = new AbortController();
  const exec: ActionExecutor = {
    async execute() {
      ac.abort();
      return 'created';
    },
  };
  const cs = await applyPlan(plan([action('a', 'create'), action('b', 'create')]), exec, { log: silentLogger(), signal: ac.signal });
  t.deepEqual(cs.entries.map((e) => e.outcome), ['created', 'skipped']);
  t.false(cs.ok);
});

test('a graceful stop (Ctrl-C once) lets the running action finish with its own signal untouched, then skips the rest', async (t) => {
  const stop = new AbortController();
  const seen: Array<boolean | undefined> = [];
  const exec: ActionExecutor = {
    async execute(_a, ctx) {
      stop.abort();
      seen.push(ctx.signal?.aborted);
      return 'created';
    },
  };
  const abort = new AbortController();
  const cs = await applyPlan(plan([action('a', 'create'), action('b', 'create'), action('c', 'create')]), exec, { log: silentLogger(), signal: abort.signal, stop: stop.signal });
  t.deepEqual(seen, [false], 'the running action was not aborted');
  t.deepEqual(cs.entries.map((e) => e.outcome), ['created', 'skipped', 'skipped']);
  t.is(cs.entries[1]!.error?.code, 'ABORTED');
});
