/** Issue 12: apply runs independent guests' actions concurrently, within bounds and order rules. */
import test from 'ava';
import { applyPlan, type ActionExecutor } from '../../src/reconciler/apply.js';
import { actionKeys, phaseRuns } from '../../src/reconciler/schedule.js';
import { orderActions } from '../../src/reconciler/order.js';
import { VsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { GuestSpec } from '../../src/model/guest.js';
import type { Plan, PlannedAction } from '../../src/reconciler/types.js';

const spec = (name: string, context: number, address: string): GuestSpec => ({
  name, context, nodename: name, runState: 'running', startOnBoot: false, initStyle: 'plain',
  interfaces: [{ name: '0', device: 'eth0', address, family: 4, prefix: 24 }],
  flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
});

let nextCtx = 2000;
const action = (guest: string, kind: PlannedAction['kind'], over: Partial<PlannedAction> = {}): PlannedAction => {
  const s = spec(guest, nextCtx++, `10.0.${nextCtx % 250}.${nextCtx % 200}`);
  return {
    kind, guest, reason: 'test', changes: [], restart: false, destructive: kind === 'delete', driftMode: 'enforce',
    ...(kind === 'create' ? { after: s } : kind === 'delete' || kind === 'stop' ? { before: s } : { before: s, after: s }),
    ...over,
  };
};

const plan = (actions: PlannedAction[]): Plan => ({
  formatVersion: 1, revision: 'abc', hostName: 'h', observedDigest: 'o', desiredDigest: 'd', actions: orderActions(actions), unchanged: [],
  unmanaged: [], blocked: [], warnings: [],
  summary: { create: 0, update: 0, replace: 0, delete: 0, start: 0, stop: 0, restart: 0, unchanged: 0 },
  destructive: false,
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ev {
  t: 'start' | 'end';
  guest: string;
  kind: string;
  seq: number;
}

/** A fake executor that records when each action starts and ends, taking `delay(action)` ms. */
function recorder(delay: (a: PlannedAction) => number, fail?: (a: PlannedAction) => boolean) {
  const events: Ev[] = [];
  let seq = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const aborted: string[] = [];
  const exec: ActionExecutor = {
    async execute(a, ctx) {
      events.push({ t: 'start', guest: a.guest, kind: a.kind, seq: seq++ });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await tick(delay(a));
      if (ctx.signal?.aborted) aborted.push(a.guest);
      inFlight--;
      events.push({ t: 'end', guest: a.guest, kind: a.kind, seq: seq++ });
      if (fail?.(a)) throw new VsError('COMMAND_FAILED', `${a.guest} failed`);
      return a.kind === 'create' ? 'created' : a.kind === 'delete' ? 'deleted' : a.kind === 'stop' ? 'stopped' : a.kind === 'start' ? 'started' : 'updated';
    },
  };
  return { exec, events, aborted, max: () => maxInFlight };
}

const at = (events: Ev[], t: Ev['t'], guest: string, kind: string) => events.find((e) => e.t === t && e.guest === guest && e.kind === kind)!.seq;

test('phases, per-guest order and the bound: stops and deletes end before any create starts, at most N in flight, N reached', async (t) => {
  const actions = [
    action('s1', 'stop'), action('s2', 'stop'), action('d1', 'delete'),
    ...['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'].map((g) => action(g, 'create')),
    action('u1', 'update'), action('u2', 'update'),
    action('c1', 'start'), action('c2', 'start'),
  ];
  const p = plan(actions);
  const r = recorder((a) => (a.guest.charCodeAt(1) % 3) * 4 + 2);
  const cs = await applyPlan(p, r.exec, { log: silentLogger(), concurrency: 3 });
  t.true(cs.ok);
  t.is(r.max(), 3, 'three at once, never more');
  const lastEnd = (kinds: string[]) => Math.max(...r.events.filter((e) => e.t === 'end' && kinds.includes(e.kind)).map((e) => e.seq));
  const firstStart = (kinds: string[]) => Math.min(...r.events.filter((e) => e.t === 'start' && kinds.includes(e.kind)).map((e) => e.seq));
  t.true(lastEnd(['stop', 'delete']) < firstStart(['update', 'create', 'start']), 'stops and deletes first');
  t.true(lastEnd(['update']) < firstStart(['create']), 'phase barrier: updates before creates');
  t.true(lastEnd(['create']) < firstStart(['start']), 'phase barrier: creates before starts');
  for (const g of ['c1', 'c2']) t.true(at(r.events, 'end', g, 'create') < at(r.events, 'start', g, 'start'), `${g}: create, then start`);
  t.deepEqual(cs.entries.map((e) => `${e.action} ${e.guest}`), p.actions.map((a) => `${a.kind} ${a.guest}`), 'the change set lists the plan order');
});

test('concurrency 1 (the default) runs the plan one action after the other, in plan order', async (t) => {
  const p = plan(['a', 'b', 'c', 'd'].map((g) => action(g, 'create')));
  const r = recorder(() => 1);
  await applyPlan(p, r.exec, { log: silentLogger() });
  t.is(r.max(), 1);
  t.deepEqual(r.events.map((e) => `${e.t} ${e.guest}`), ['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
});

test('two actions of one phase that share a context id or an address run one after the other, in plan order', async (t) => {
  const a = action('a', 'create', { after: spec('a', 3001, '10.9.0.1') });
  const b = action('b', 'create', { after: spec('b', 3001, '10.9.0.2') });
  const c = action('c', 'create', { after: spec('c', 3003, '10.9.0.1') });
  const d = action('d', 'create', { after: spec('d', 3004, '10.9.0.4') });
  const r = recorder(() => 5);
  await applyPlan(plan([a, b, c, d]), r.exec, { log: silentLogger(), concurrency: 4 });
  t.true(at(r.events, 'end', 'a', 'create') < at(r.events, 'start', 'b', 'create'), 'same context id');
  t.true(at(r.events, 'end', 'a', 'create') < at(r.events, 'start', 'c', 'create'), 'same address');
  t.true(at(r.events, 'start', 'd', 'create') < at(r.events, 'end', 'a', 'create'), 'an independent guest did not wait');
});

test('Ctrl-C once with concurrency: running actions finish with their signal untouched, nothing new starts, the rest is skipped', async (t) => {
  const stop = new AbortController();
  const abort = new AbortController();
  const p = plan(['a', 'b', 'c', 'd', 'e', 'f'].map((g) => action(g, 'create')));
  const r = recorder((x) => {
    if (x.guest === 'a') stop.abort();
    return 10;
  });
  const cs = await applyPlan(p, r.exec, { log: silentLogger(), concurrency: 3, stop: stop.signal, signal: abort.signal });
  t.deepEqual(r.aborted, [], 'the running actions were not aborted');
  t.deepEqual(r.events.filter((e) => e.t === 'start').map((e) => e.guest), ['a', 'b', 'c'], 'the three already running, none after');
  t.deepEqual(cs.entries.map((e) => e.outcome), ['created', 'created', 'created', 'skipped', 'skipped', 'skipped']);
  t.is(cs.entries[3]!.error?.code, 'ABORTED');
  t.false(cs.ok);
});

test('one guest failing neither aborts the others\' running actions nor stops later ones (as without concurrency)', async (t) => {
  const p = plan(['a', 'b', 'c', 'd', 'e'].map((g) => action(g, 'create')));
  const r = recorder((x) => (x.guest === 'a' ? 1 : 15), (x) => x.guest === 'a');
  const cs = await applyPlan(p, r.exec, { log: silentLogger(), concurrency: 2 });
  t.deepEqual(r.aborted, []);
  t.deepEqual(cs.entries.map((e) => `${e.guest} ${e.outcome}`), ['a failed', 'b created', 'c created', 'd created', 'e created']);
  t.true(at(r.events, 'end', 'a', 'create') < at(r.events, 'end', 'b', 'create'), 'b was running when a failed, and finished');
});

test('the journal and inventory callbacks run one at a time, each start before its end', async (t) => {
  let active = 0;
  let most = 0;
  const log: string[] = [];
  const cb = (what: string) => async (a: PlannedAction) => {
    most = Math.max(most, ++active);
    await tick(2);
    log.push(`${what} ${a.guest}`);
    active--;
  };
  const p = plan(['a', 'b', 'c', 'd', 'e', 'f'].map((g) => action(g, 'create')));
  const r = recorder(() => 3);
  await applyPlan(p, r.exec, { log: silentLogger(), concurrency: 4, onStart: cb('begin'), onEntry: (_e, a) => cb('end')(a) });
  t.is(most, 1);
  for (const g of ['a', 'b', 'c', 'd', 'e', 'f']) t.true(log.indexOf(`begin ${g}`) < log.indexOf(`end ${g}`), g);
  t.is(log.length, 12);
});

test('a callback that throws ends the apply after the running actions ended, starting nothing new', async (t) => {
  const p = plan(['a', 'b', 'c', 'd', 'e'].map((g) => action(g, 'create')));
  const r = recorder((x) => (x.guest === 'a' ? 1 : 10));
  const onEntry = (_e: unknown, a: PlannedAction) => {
    if (a.guest === 'a') throw new Error('journal: disk full');
  };
  await t.throwsAsync(applyPlan(p, r.exec, { log: silentLogger(), concurrency: 2, onEntry }), { message: 'journal: disk full' });
  t.deepEqual(r.events.filter((e) => e.t === 'start').map((e) => e.guest), ['a', 'b']);
  t.deepEqual(r.events.filter((e) => e.t === 'end').map((e) => e.guest), ['a', 'b'], 'b ran to its end');
});

test('the executor context names the guest only when actions run concurrently (for progress lines)', async (t) => {
  const labels: Array<string | undefined> = [];
  const exec: ActionExecutor = {
    async execute(_a, ctx) {
      labels.push(ctx.label);
      return 'created';
    },
  };
  await applyPlan(plan([action('a', 'create')]), exec, { log: silentLogger() });
  await applyPlan(plan([action('b', 'create')]), exec, { log: silentLogger(), concurrency: 2 });
  t.deepEqual(labels, [undefined, 'b']);
});

test('schedule: resource keys of an action; runs of one phase in plan order', (t) => {
  const a = action('web', 'replace', { before: spec('web', 1001, '10.0.0.1'), after: spec('web', 1002, '10.0.0.2'), runningXid: 1001 });
  t.deepEqual(actionKeys(a).sort(), ['addr:10.0.0.1', 'addr:10.0.0.2', 'guest:web', 'xid:1001', 'xid:1002']);
  const p = plan([action('a', 'stop'), action('b', 'delete'), action('c', 'create'), action('d', 'create'), action('a', 'start')]);
  t.deepEqual(phaseRuns(p.actions), [[0, 1], [2, 3], [4]]);
});
