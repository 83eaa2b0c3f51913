/**
 * Issue 14: a saved plan is untrusted input. apply --plan recomputes the plan
 * from the same revision and host and refuses unless the actions are the same.
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { execa } from 'execa';
import { cli, exists, manifest, simHostWithRepo } from '../helpers/e2e.js';

async function setup(name: string) {
  const env = await simHostWithRepo(name);
  const tool = (t: string, args: string[]) => execa(path.join(env.sim, 'bin', t), args, { reject: false });
  return { ...env, tool };
}

test('an edited saved plan is refused: an escaping create, a delete of an unmanaged guest, a changed value; the unedited file applies', async (t) => {
  const env = await setup('savedplan');
  t.is((await env.tool('vserver', ['legacy', 'build', '-m', 'skeleton', '--context', '2001', '--hostname', 'legacy'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 200 }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 300 }), 'db.yaml': manifest({ name: 'db', context: 1002 }) });
  const planFile = path.join(env.dir, 'plan.json');
  t.is((await cli(['plan', ...env.src, '--out', planFile])).exitCode, 2);
  const original = JSON.parse(await fsp.readFile(planFile, 'utf8'));
  const create = original.actions.find((a: { kind: string }) => a.kind === 'create');
  t.is(create.guest, 'db');

  const tampered = path.join(env.dir, 'tampered.json');
  const attempt = async (edit: (p: typeof original) => void) => {
    const p = structuredClone(original);
    edit(p);
    await fsp.writeFile(tampered, JSON.stringify(p));
    return cli(['apply', ...env.src, '--plan', tampered, '--yes']);
  };

  const escape = '../../../../../outside/ESCAPED';
  const r1 = await attempt((p) => p.actions.push({ ...create, guest: escape, after: { ...create.after, name: escape, context: 1003 } }));
  t.is(r1.exitCode, 1, r1.stdout);
  t.regex(r1.stderr, /saved plan's actions differ from the plan recomputed/);
  t.false(await exists(path.join(env.sim, 'outside')));
  t.false(await exists(path.join(env.sim, 'etc/vservers/db')), 'nothing of the plan was carried out');

  const r2 = await attempt((p) => p.actions.unshift({ kind: 'delete', guest: 'legacy', reason: 'x', changes: [], restart: false, destructive: true, deletion: 'delete', driftMode: 'enforce', before: { ...create.after, name: 'legacy', context: 2001 } }));
  t.is(r2.exitCode, 1);
  t.regex(r2.stderr, /the file says delete legacy/);
  t.true(await exists(path.join(env.sim, 'etc/vservers/legacy')), 'the unmanaged guest is still there');

  const r3 = await attempt((p) => {
    const upd = p.actions.find((a: { kind: string }) => a.kind === 'update');
    upd.after.limits.nproc = { soft: 9999, hard: 9999 };
  });
  t.is(r3.exitCode, 1);
  t.regex(r3.stderr, /differ/);

  // key order does not matter: the same actions re-serialized by another tool still apply
  const reordered = { ...original, actions: original.actions.map((a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).reverse())) };
  await fsp.writeFile(tampered, JSON.stringify(reordered));
  const ok = await cli(['apply', ...env.src, '--plan', tampered, '--yes']);
  t.is(ok.exitCode, 0, ok.stderr);
  t.true(await exists(path.join(env.sim, 'etc/vservers/db')));
  t.true(await exists(path.join(env.sim, 'etc/vservers/legacy')));
});
