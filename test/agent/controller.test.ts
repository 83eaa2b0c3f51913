import test from 'ava';
import { Controller, type SuspensionCheck } from '../../src/agent/controller.js';
import { silentLogger } from '../../src/log.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { FakePass } from './helpers/fake-pass.js';
import type { PassResult } from '../../src/reconciler/pass-types.js';

function setup(over: { suspension?: () => Promise<SuspensionCheck>; random?: () => number } = {}) {
  const clock = new FakeClock();
  const pass = new FakePass();
  const results: PassResult[] = [];
  const controller = new Controller({
    pass: pass.fn,
    clock,
    random: over.random ?? (() => 0.5), // 0.5 → zero jitter
    log: silentLogger(),
    resyncMs: 300_000,
    passTimeoutMs: 60_000,
    backoff: { minMs: 1000, maxMs: 900_000, factor: 2, jitter: 0.2 },
    suspension: over.suspension,
    onResult: (r) => {
      results.push(r);
    },
  });
  return { clock, pass, controller, results };
}

test('requests during a pass coalesce into exactly one next pass', async (t) => {
  const { pass, controller } = setup();
  controller.start();
  await flush();
  t.is(pass.calls.length, 1);
  t.is(pass.calls[0]!.trigger, 'startup');
  for (let i = 0; i < 20; i++) controller.request(i % 2 ? 'git' : 'webhook', { sourceChanged: true });
  await flush();
  t.is(pass.calls.length, 1, 'no second pass while one is running');
  pass.finish('applied');
  await flush();
  t.is(pass.calls.length, 2);
  t.is(pass.calls[1]!.trigger, 'webhook+git');
  pass.finish('applied');
  await controller.whenIdle();
  t.is(pass.calls.length, 2, 'the burst led to exactly one follow-up pass');
});

test('requests made before start join the startup pass instead of running a pass of their own', async (t) => {
  const { pass, controller } = setup();
  controller.request('fetch', { revision: 'r1', sourceChanged: true });
  await flush();
  t.is(pass.calls.length, 0, 'no pass before start');
  controller.start();
  await flush();
  t.is(pass.calls.length, 1);
  t.regex(pass.calls[0]!.trigger, /^(fetch\+startup|startup\+fetch)$/);
  pass.finish('applied');
  await controller.whenIdle();
  t.is(pass.calls.length, 1, 'one pass at startup, not two');
});

test('failures back off exponentially and success resets the backoff', async (t) => {
  const { pass, controller, clock } = setup();
  controller.start();
  await flush();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    pass.finish('failed');
    await flush();
    delays.push(controller.state.retryInMs!);
    await clock.advance(controller.state.retryInMs! - 1);
    t.is(pass.calls.length, i + 1, 'no retry before the delay');
    await clock.advance(1);
    t.is(pass.calls.length, i + 2);
    t.is(pass.calls[i + 1]!.trigger, 'retry');
  }
  t.deepEqual(delays, [1000, 2000, 4000, 8000, 16000]);
  pass.finish('applied');
  await flush();
  t.is(controller.state.retryInMs, null);
  controller.request('git', { sourceChanged: true });
  await flush();
  pass.finish('failed');
  await flush();
  t.is(controller.state.retryInMs, 1000, 'success reset the backoff');
});

test('backoff is capped at the maximum and jittered within bounds', async (t) => {
  let r = 0.99;
  const { pass, controller, clock } = setup({ random: () => r });
  controller.start();
  await flush();
  const delays: number[] = [];
  for (let i = 0; i < 14; i++) {
    pass.finish('failed');
    await flush();
    delays.push(controller.state.retryInMs!);
    await clock.advance(controller.state.retryInMs!);
    r = r === 0.99 ? 0 : 0.99;
  }
  t.true(delays.every((d) => d >= 1000 && d <= 900_000));
  t.is(Math.max(...delays), 900_000, 'capped');
  t.is(delays.at(-1), 720_000, 'the cap minus 20% jitter');
  t.true(delays[1]! < 2000 && delays[1]! >= 1600, `jitter low side: ${delays[1]}`);
  t.true(delays[2]! > 4000 && delays[2]! < 4800, `jitter high side: ${delays[2]}`);
});

test('a request during the backoff wait does not jump the queue unless the source changed', async (t) => {
  const { pass, controller, clock } = setup();
  controller.start();
  await flush();
  pass.finish('failed');
  await flush();
  controller.request('resync');
  await flush();
  t.is(pass.calls.length, 1, 'resync waits for the retry timer');
  controller.request('git', { sourceChanged: true, revision: 'rev2' });
  await flush();
  t.is(pass.calls.length, 2);
  t.is(pass.calls[1]!.trigger, 'resync+git');
  t.deepEqual(clock.pending(), [60_000], 'only the pass timeout is pending: the retry timer was cancelled');
});

test('an invalid revision is terminal until a new revision arrives', async (t) => {
  const { pass, controller, clock } = setup();
  pass.revision = 'bad1';
  controller.start();
  await flush();
  pass.finish('invalid');
  await flush();
  t.is(controller.state.terminalRevision, 'bad1');
  t.deepEqual(clock.pending(), [], 'no retry or resync timer');
  await clock.advance(3_600_000);
  controller.request('resync');
  controller.request('webhook', { sourceChanged: true, revision: 'bad1' });
  await flush();
  t.is(pass.calls.length, 1, 'same revision and plain requests do not run a pass');
  controller.request('git', { sourceChanged: true, revision: 'good2' });
  await flush();
  t.is(pass.calls.length, 2);
  pass.revision = 'good2';
  pass.finish('applied');
  await flush();
  t.is(controller.state.terminalRevision, undefined);
});

test('an invalid plain directory (no revision) runs again on the next file change', async (t) => {
  const { pass, controller } = setup();
  pass.revision = null;
  controller.start();
  await flush();
  pass.finish('invalid');
  await flush();
  t.is(controller.state.terminalRevision, null);
  controller.request('resync');
  await flush();
  t.is(pass.calls.length, 1);
  controller.request('files', { sourceChanged: true, revision: null });
  await flush();
  t.is(pass.calls.length, 2);
});

test('a successful pass schedules the periodic resync', async (t) => {
  const { pass, controller, clock } = setup();
  pass.auto = 'unchanged';
  controller.start();
  await flush();
  t.is(pass.calls.length, 1);
  await clock.advance(299_999);
  t.is(pass.calls.length, 1);
  await clock.advance(1);
  t.is(pass.calls.length, 2);
  t.is(pass.calls[1]!.trigger, 'resync');
  await clock.advance(300_000);
  t.is(pass.calls.length, 3);
});

test('a pass that exceeds its timeout is aborted and counted as failed', async (t) => {
  const { pass, controller, clock, results } = setup();
  controller.start();
  await flush();
  const signal = pass.calls[0]!.signal;
  t.false(signal.aborted);
  await clock.advance(60_000);
  t.true(signal.aborted);
  t.is((signal.reason as { code: string }).code, 'COMMAND_TIMEOUT');
  pass.finish('applied'); // the pass noticed the abort late and claimed success
  await flush();
  t.is(results[0]!.result, 'failed');
  t.is(results[0]!.error!.code, 'COMMAND_TIMEOUT');
  t.is(controller.state.retryInMs, 1000);
});

test('a rejected pass becomes a failed result and is retried', async (t) => {
  const { controller, clock, results } = setup();
  let calls = 0;
  (controller as unknown as { opts: { pass: unknown } }).opts.pass = async () => {
    calls++;
    throw new Error('boom');
  };
  controller.start();
  await flush();
  t.is(results[0]!.result, 'failed');
  t.is(results[0]!.error!.message, 'boom');
  await clock.advance(1000);
  t.is(calls, 2);
});

test('stop waits for the running pass, which finishes its running action: its stop signal is aborted, its command signal is not; nothing new starts', async (t) => {
  const { pass, controller, clock } = setup();
  controller.start();
  await flush();
  let stopped = false;
  const stopping = controller.stop('SIGTERM').then(() => {
    stopped = true;
  });
  await flush();
  t.true(pass.calls[0]!.stop?.aborted, 'the pass is told to start no further action');
  t.false(pass.calls[0]!.signal.aborted, 'the running command is not aborted by a first stop');
  t.false(stopped, 'stop waits for the running pass');
  controller.request('git', { sourceChanged: true });
  pass.finish('applied');
  await stopping;
  t.true(stopped);
  t.is(pass.calls.length, 1);
  t.deepEqual(clock.pending(), [], 'no retry or resync after stop');
});

test('a forced stop (second signal) aborts the running commands, also while a graceful stop waits', async (t) => {
  const { pass, controller, clock } = setup();
  controller.start();
  await flush();
  const graceful = controller.stop('SIGTERM');
  await flush();
  t.false(pass.calls[0]!.signal.aborted);
  const forced = controller.stop('SIGTERM', { force: true });
  await flush();
  t.true(pass.calls[0]!.signal.aborted, 'the second stop aborts the running command');
  t.regex(String((pass.calls[0]!.signal.reason as Error).message), /aborted/);
  pass.finish('failed');
  await Promise.all([graceful, forced]);
  t.is(pass.calls.length, 1);
  t.deepEqual(clock.pending(), [], 'a pass failed by the abort is not retried after stop');
});

test('a suspended agent runs dry-run passes and wakes when the suspension ends', async (t) => {
  const clockBox: { clock?: FakeClock } = {};
  let until = 0;
  const { pass, controller, clock } = setup({
    suspension: async () => ({ active: clockBox.clock!.now() < until, until }),
  });
  clockBox.clock = clock;
  until = clock.now() + 7_200_000;
  pass.auto = 'suspended';
  controller.start();
  await flush();
  t.true(pass.calls[0]!.dryRun);
  pass.auto = 'applied';
  await clock.advance(7_200_000);
  const woke = pass.calls.find((c) => c.trigger === 'suspension-ended');
  t.truthy(woke, 'a pass ran when the deadline passed');
  t.false(woke!.dryRun);
});
