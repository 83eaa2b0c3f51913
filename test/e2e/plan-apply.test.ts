/**
 * Issue 4 acceptance: plan and apply through real processes on a simulated
 * host and a real git repository.
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { runShim } from '../helpers/run-shim.js';
import { cli, exists, manifest, readText, tempDir, TestRepo } from '../helpers/e2e.js';

interface Env {
  repo: TestRepo;
  sim: string;
  src: string[];
}

async function setup(name: string): Promise<Env> {
  const dir = await tempDir(name);
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  if (init.exitCode !== 0) throw new Error(`sim init failed: ${init.stderr}`);
  return { repo, sim, src: ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`] };
}

const tool = (env: Env, name: string, args: string[]) => runShim(path.join(env.sim, 'bin', name), args); // result at exit: a started guest's init keeps the pipes
const limitFile = (env: Env, xid: number) => readText(path.join(env.sim, 'proc/virtual', String(xid), 'limit'));
const procRow = (text: string, row: string) => text.split('\n').find((l) => l.startsWith(row + ':')) ?? '';

test('create from empty, then a second plan is empty', async (t) => {
  const env = await setup('create');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }), 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 2, plan.stderr);
  t.regex(plan.stdout, /\+ .*web/);
  t.regex(plan.stdout, /2 to create/);
  const apply = await cli(['apply', ...env.src, '--yes']);
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  t.is((await tool(env, 'vserver', ['web', 'status'])).exitCode, 0);
  t.is((await tool(env, 'vserver', ['db', 'status'])).exitCode, 3);
  t.regex(procRow(await limitFile(env, 1001), 'PROC'), /200\/\s+200/);
  t.true(await exists(path.join(env.sim, 'etc/vservers/web/.vsgitops')));
  const again = await cli(['plan', ...env.src]);
  t.is(again.exitCode, 0, again.stdout);
  t.regex(again.stdout, /No changes/);
});

test('a limit change is applied live, without a restart', async (t) => {
  const env = await setup('limit');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 200 }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const runBefore = await readText(path.join(env.sim, 'proc/virtual/1001/cvirt'));
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 350 }) });
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 2, plan.stdout);
  t.regex(plan.stdout, /limits\.nproc/);
  t.notRegex(plan.stdout, /update web.*\(restart\)/);
  const apply = await cli(['apply', ...env.src]);
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  t.regex(procRow(await limitFile(env, 1001), 'PROC'), /350\/\s+350/);
  // same context instance: not restarted
  t.is(await readText(path.join(env.sim, 'proc/virtual/1001/cvirt')).then((s) => s.split('\n')[0]), runBefore.split('\n')[0]);
  t.is((await cli(['plan', ...env.src])).exitCode, 0);
});

test('an interface change needs a restart (exit 3) and takes effect', async (t) => {
  const env = await setup('iface');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.99/24' }) });
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 3, plan.stdout);
  t.regex(plan.stdout, /restart/i);
  const refused = await cli(['apply', ...env.src]);
  t.is(refused.exitCode, 1, 'destructive apply without --yes and without a terminal is refused');
  t.regex(refused.stderr, /--yes/);
  t.regex(await readText(path.join(env.sim, 'proc/virtnet/1001/info')), /192\.0\.2\.10-/);
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  t.regex(await readText(path.join(env.sim, 'proc/virtnet/1001/info')), /192\.0\.2\.99-/);
  t.is((await cli(['plan', ...env.src])).exitCode, 0);
});

test('a context id change replaces the guest', async (t) => {
  const env = await setup('replace');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1101 }) });
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 3);
  t.regex(plan.stdout, /-\/\+/);
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  t.false(await exists(path.join(env.sim, 'proc/virtual/1001')));
  t.true(await exists(path.join(env.sim, 'proc/virtual/1101')));
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/context'))).trim(), '1101');
});

test('a guest removed from git: retain keeps its files, delete removes it', async (t) => {
  const env = await setup('remove');
  await env.repo.commit({
    'keep.yaml': manifest({ name: 'keep', context: 1001 }),
    'old.yaml': manifest({ name: 'old', context: 1002, deletion: 'retain' }),
    'gone.yaml': manifest({ name: 'gone', context: 1003, deletion: 'delete' }),
    'x1.yaml': manifest({ name: 'x1', context: 1004 }),
    'x2.yaml': manifest({ name: 'x2', context: 1005 }),
    'x3.yaml': manifest({ name: 'x3', context: 1006 }),
    'x4.yaml': manifest({ name: 'x4', context: 1007 }),
    'x5.yaml': manifest({ name: 'x5', context: 1008 }),
  });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const { 'old.yaml': _o, 'gone.yaml': _g, ...rest } = {
    'keep.yaml': manifest({ name: 'keep', context: 1001 }),
    'old.yaml': '',
    'gone.yaml': '',
    'x1.yaml': manifest({ name: 'x1', context: 1004 }),
    'x2.yaml': manifest({ name: 'x2', context: 1005 }),
    'x3.yaml': manifest({ name: 'x3', context: 1006 }),
    'x4.yaml': manifest({ name: 'x4', context: 1007 }),
    'x5.yaml': manifest({ name: 'x5', context: 1008 }),
  };
  await env.repo.commit(rest);
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 3, plan.stdout);
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  // retain: stopped, configuration moved aside, guest root kept
  t.false(await exists(path.join(env.sim, 'etc/vservers/old')));
  t.true(await exists(path.join(env.sim, 'vservers/old')));
  const retained = await fsp.readdir(path.join(env.sim, 'etc/vservers/.vsgitops-retained'));
  t.true(retained.some((d) => d.startsWith('old.')));
  t.false(await exists(path.join(env.sim, 'proc/virtual/1002')));
  // delete: gone entirely
  t.false(await exists(path.join(env.sim, 'etc/vservers/gone')));
  t.false(await exists(path.join(env.sim, 'vservers/gone')));
  t.false(await exists(path.join(env.sim, 'proc/virtual/1003')));
  t.is((await cli(['plan', ...env.src])).exitCode, 0);
});

test('an unmanaged guest is reported and left alone', async (t) => {
  const env = await setup('unmanaged');
  t.is((await tool(env, 'vserver', ['legacy', 'build', '-m', 'skeleton', '--context', '2001', '--hostname', 'legacy'])).exitCode, 0);
  t.is((await tool(env, 'vserver', ['legacy', 'start'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  const plan = await cli(['plan', ...env.src, '--output', 'json']);
  t.is(plan.exitCode, 2);
  const p = JSON.parse(plan.stdout);
  t.true(p.unmanaged.some((u: { guest?: string }) => u.guest === 'legacy'));
  t.false(p.actions.some((a: { guest: string }) => a.guest === 'legacy'));
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  t.is((await tool(env, 'vserver', ['legacy', 'status'])).exitCode, 0);
  t.true(await exists(path.join(env.sim, 'etc/vservers/legacy')));
});

test('an invalid revision and an empty revision delete nothing', async (t) => {
  const env = await setup('guards');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }), 'db.yaml': manifest({ name: 'db', context: 1002 }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }), 'db.yaml': 'apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: db}\nspec: {context: 1}\n' });
  const bad = await cli(['apply', ...env.src, '--yes']);
  t.is(bad.exitCode, 1);
  t.regex(bad.stderr, /db\.yaml:\d+:\d+/);
  t.is((await tool(env, 'vserver', ['db', 'status'])).exitCode, 0);
  await env.repo.commit({}, 'oops: all manifests removed');
  const empty = await cli(['apply', ...env.src, '--yes']);
  t.is(empty.exitCode, 5, empty.stdout + empty.stderr); // blocked (issue 14): not "nothing to do"
  t.regex(empty.stderr, /has no manifests/);
  t.is((await tool(env, 'vserver', ['web', 'status'])).exitCode, 0);
  t.is((await tool(env, 'vserver', ['db', 'status'])).exitCode, 0);
  t.true(await exists(path.join(env.sim, 'etc/vservers/web')));
});

test('one failing command isolates one guest', async (t) => {
  const env = await setup('fault');
  await fsp.writeFile(path.join(env.sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'bad start', action: 'fail', exitCode: 1, stderr: 'simulated start failure\n' }] }));
  await env.repo.commit({ 'good.yaml': manifest({ name: 'good', context: 1001 }), 'bad.yaml': manifest({ name: 'bad', context: 1002 }) });
  const apply = await cli(['apply', ...env.src, '--yes', '--output', 'json']);
  t.is(apply.exitCode, 1);
  const { changeSet } = JSON.parse(apply.stdout);
  const byGuest = Object.fromEntries(changeSet.entries.map((e: { guest: string; outcome: string }) => [e.guest, e]));
  t.is(byGuest.good.outcome, 'created');
  t.is(byGuest.bad.outcome, 'failed');
  t.regex(byGuest.bad.error.stderrTail, /simulated start failure/);
  t.is((await tool(env, 'vserver', ['good', 'status'])).exitCode, 0);
});

test('a saved plan is refused when the host changed', async (t) => {
  const env = await setup('stale');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 200 }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 300 }) });
  const planFile = path.join(env.sim, '..', 'plan.json');
  t.is((await cli(['plan', ...env.src, '--out', planFile])).exitCode, 2);
  // someone changes the host by hand
  t.is((await tool(env, 'vlimit', ['--xid', '1001', '--nofile', '2048'])).exitCode, 0);
  const stale = await cli(['apply', ...env.src, '--plan', planFile, '--yes']);
  t.is(stale.exitCode, 1);
  t.regex(stale.stderr, /host changed/);
  t.regex(procRow(await limitFile(env, 1001), 'PROC'), /200\/\s+200/);
  // a plan made before a new commit is refused too
  t.is((await cli(['plan', ...env.src, '--out', planFile])).exitCode, 2);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 300 }), 'db.yaml': manifest({ name: 'db', context: 1002 }) });
  const moved = await cli(['apply', ...env.src, '--plan', planFile, '--yes']);
  t.is(moved.exitCode, 1);
  t.regex(moved.stderr, /saved plan was made from revision [0-9a-f]{40}, the source is now at [0-9a-f]{40}/);
  t.false(await exists(path.join(env.sim, 'etc/vservers/db')));
  // a fresh plan file applies
  t.is((await cli(['plan', ...env.src, '--out', planFile])).exitCode, 2);
  t.is((await cli(['apply', ...env.src, '--plan', planFile, '--yes'])).exitCode, 0);
  t.true(await exists(path.join(env.sim, 'etc/vservers/db')));
  t.regex(procRow(await limitFile(env, 1001), 'PROC'), /300\/\s+300/);
});
