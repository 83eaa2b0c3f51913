/**
 * A guest running at another context id than its configuration and git say,
 * on a simulated host: plan → restart (destructive, runtime drift) → converged.
 * A hand-edited context file of a guest running at the desired id is only rewritten.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { runShim } from '../helpers/run-shim.js';
import { computePlan, executePlan } from '../../src/pipeline/pipeline.js';
import { inProcessHost } from '../helpers/e2e.js';
import { webManifest } from '../helpers/manifests.js';

const manifest = webManifest();

test('a guest running at another context id is restarted at its configured id', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('running-xid');
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest);
  const apply = async () => {
    const computed = await computePlan(opts);
    const cs = await executePlan(opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    return computed;
  };
  const contextFile = path.join(sim, 'etc/vservers/web/context');
  const runningXid = async () => (await computePlan(opts)).observed.guests.find((g) => g.spec.name === 'web')?.runtime?.xid;
  await apply();
  t.is(await runningXid(), 1001);

  // review fix: running at the desired id, context file edited by hand → rewritten, no restart
  await fsp.writeFile(contextFile, '1005\n');
  const edited = (await apply()).plan;
  t.deepEqual(edited.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.effect, c.cause])]), [['update', false, [['context', 'config', 'config-drift']]]]);
  t.is(await fsp.readFile(contextFile, 'utf8'), '1001\n');
  t.is(await runningXid(), 1001);

  // started at 1005 by hand, then the context file put back: config and git agree, the context does not
  await fsp.writeFile(contextFile, '1005\n');
  t.is((await runShim(path.join(sim, 'bin/vserver'), ['web', 'restart'])).exitCode, 0);
  await fsp.writeFile(contextFile, '1001\n');
  t.is(await runningXid(), 1005);
  const drifted = (await apply()).plan;
  t.deepEqual(drifted.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.before, c.after, c.effect, c.cause])]), [
    ['update', true, [['runtime.context', 1005, 1001, 'restart', 'runtime-drift']]],
  ]);
  t.true(drifted.destructive);
  t.is(await runningXid(), 1001);
  t.deepEqual((await computePlan(opts)).plan.actions, [], 'converged');
});
