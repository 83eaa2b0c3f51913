/**
 * Issue 14: blocked is not success. A pass (and plan, apply, drift, run --once)
 * that cannot converge because guests are blocked, the deletion breaker
 * tripped, or the revision has no manifests says so: result 'blocked', a
 * 'blocked' drift item (alerted by default), and exit code 5 on the CLI.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { silentLogger } from '../../src/log.js';
import { createReconcilePass } from '../../src/agent/pass.js';
import { nextAlerts } from '../../src/observability/alerts/transitions.js';
import { buildStatus } from '../../src/observability/status/build.js';
import { EXIT } from '../../src/cli/exit.js';
import { simInit } from '../../src/sim/init.js';
import { cli, manifest, tempDir, TestRepo } from '../helpers/e2e.js';

const req = () => ({ trigger: 'test', signal: new AbortController().signal, dryRun: false });

async function setup(name: string) {
  const dir = await tempDir(name);
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  const tool = (t: string, args: string[]) => execa(path.join(sim, 'bin', t), args, { reject: false });
  const pass = createReconcilePass(
    { source: { kind: 'git', repo: repo.dir, path: 'manifests' }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir: path.join(sim, 'var/lib/vsgitops'), deletionGuard: { maxDeletes: 5, maxDeleteShare: 0.25 } },
    { log: silentLogger() },
  );
  return { dir, repo, sim, tool, pass, src: ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`] };
}

test('a guest that exists unmanaged: the pass is blocked (status, alert), plan/apply/drift exit 5', async (t) => {
  const env = await setup('blocked-collision');
  t.teardown(() => fsp.rm(env.dir, { recursive: true, force: true }));
  t.is((await env.tool('vserver', ['web', 'build', '-m', 'skeleton', '--context', '2001', '--hostname', 'web'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }), 'db.yaml': manifest({ name: 'db', context: 1002 }) });

  const r = await env.pass(req());
  t.is(r.result, 'blocked', JSON.stringify(r.error));
  t.is(r.error?.code, 'BLOCKED');
  t.regex(r.error!.message, /web: exists and is not managed by vsgitops; adopt it first/);
  t.truthy(r.changeSet?.entries.find((e) => e.guest === 'db' && e.outcome === 'created'), 'what could be done was done');
  const item = r.drift.find((d) => d.kind === 'blocked');
  t.is(item?.guest, 'web');
  const { alerts } = nextAlerts({ version: 1, active: {} }, r.drift, { host: 'host-a', revision: r.revision, now: r.finishedAt });
  t.deepEqual(alerts.map((a) => `${a.type} ${a.kind} ${a.guest}`), ['appeared blocked web'], 'alerted by default');
  const status = buildStatus(undefined, r, r.finishedAt);
  t.is(status.lastPass.result, 'blocked');
  t.is(status.lastSucceededAt, null);
  const ready = status.guests.find((g) => g.name === 'web')?.conditions.find((c) => c.type === 'Ready');
  t.is(ready?.reason, 'Blocked');

  const again = await env.pass(req());
  t.is(again.result, 'blocked', 'every later pass too, never "unchanged"');

  for (const cmd of ['plan', 'drift']) {
    const out = await cli([cmd, ...env.src]);
    t.is(out.exitCode, EXIT.BLOCKED, `${cmd}: ${out.stdout}${out.stderr}`);
  }
  const apply = await cli(['apply', ...env.src, '--yes']);
  t.is(apply.exitCode, EXIT.BLOCKED, apply.stderr);
  t.regex(apply.stderr, /blocked \(exit 5\): web: exists and is not managed/);
});

test('a revision without manifests is blocked, not "no changes"', async (t) => {
  const env = await setup('blocked-empty');
  t.teardown(() => fsp.rm(env.dir, { recursive: true, force: true }));
  await env.repo.commit({ 'README.md': 'nothing here\n' });
  const r = await env.pass(req());
  t.is(r.result, 'blocked');
  t.regex(r.error!.message, /has no manifests/);
  t.deepEqual(r.drift.map((d) => d.kind), ['blocked']);
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, EXIT.BLOCKED, plan.stdout + plan.stderr);
  t.regex(plan.stderr, /has no manifests/);
});

test('the deletion breaker trips: blocked (exit 5); with --allow-mass-delete the deletes are planned (exit 3)', async (t) => {
  const env = await setup('blocked-breaker');
  t.teardown(() => fsp.rm(env.dir, { recursive: true, force: true }));
  await env.repo.commit({ 'a.yaml': manifest({ name: 'a', context: 1001 }), 'b.yaml': manifest({ name: 'b', context: 1002 }), 'c.yaml': manifest({ name: 'c', context: 1003 }) });
  t.is((await env.pass(req())).result, 'applied');
  await env.repo.commit({ 'a.yaml': manifest({ name: 'a', context: 1001 }) });
  const r = await env.pass(req());
  t.is(r.result, 'blocked');
  t.regex(r.error!.message, /deletion breaker/);
  t.is((await cli(['plan', ...env.src])).exitCode, EXIT.BLOCKED);
  t.is((await cli(['plan', ...env.src, '--allow-mass-delete'])).exitCode, EXIT.DESTRUCTIVE);
});
