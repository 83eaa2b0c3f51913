/**
 * Issue 10: adopting a guest that exists runs no command on it, refuses when
 * git would change it (and shows that plan), and after adoption a one-field
 * change in git plans exactly that change.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cli, exists, tempDir, TestRepo } from '../helpers/e2e.js';

test('adopt: refuses a changing manifest with its plan; the imported one adopts with no command and no change; a one-field change is exactly one change', async (t) => {
  t.timeout(300_000);
  const dir = await tempDir('adopt');
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const build = await execa(path.join(sim, 'bin/vserver'), ['web', 'build', '-m', 'skeleton', '--context', '1001', '--hostname', 'web', '--interface', 'eth0:192.0.2.10/24'], { reject: false });
  t.is(build.exitCode, 0, build.stderr);
  // hand-written the way util-vserver reads it: capability bits by number
  await fsp.writeFile(path.join(sim, 'etc/vservers/web/bcapabilities'), '^29\n^30\n');
  const out = path.join(dir, 'imported');
  t.is((await cli(['import', 'web', '--host', `sim:${sim}`, '--out', out])).exitCode, 0);
  const imported = await fsp.readFile(path.join(out, 'web.yaml'), 'utf8');
  t.regex(imported, /system: \[AUDIT_WRITE, AUDIT_CONTROL\]/, 'capabilities are imported by name');

  const repo = await TestRepo.create(path.join(dir, 'repo'));
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  const changed = imported.replace('names: [host-a]', 'names: [host-a]\n  uts: {nodename: web2}');
  await repo.commit({ 'web.yaml': changed });
  const refused = await cli(['adopt', 'web', ...src]);
  t.is(refused.exitCode, 2, refused.stdout + refused.stderr);
  t.regex(refused.stdout, /nodename/);
  t.regex(refused.stdout, /not adopted/);
  t.false(await exists(path.join(sim, 'etc/vservers/web/.vsgitops')));

  // the manifest as imported: names instead of ^29/^30 plan no change, adoption writes marker + inventory
  await repo.commit({ 'web.yaml': imported });
  const adopted = await cli(['adopt', 'web', ...src]);
  t.is(adopted.exitCode, 0, adopted.stdout + adopted.stderr);
  t.true(await exists(path.join(sim, 'etc/vservers/web/.vsgitops')));
  t.regex(await fsp.readFile(path.join(sim, 'var/lib/vsgitops/inventory.json'), 'utf8'), /"web"/);
  const plan = await cli(['plan', ...src]);
  t.is(plan.exitCode, 0, plan.stdout);
  t.regex(plan.stdout, /No changes\./);
  t.is(await fsp.readFile(path.join(sim, 'etc/vservers/web/bcapabilities'), 'utf8'), '^29\n^30\n');

  // one field changed in git → exactly that change
  await repo.commit({ 'web.yaml': imported.replace('names: [host-a]', 'names: [host-a]\n  limits: {nproc: 300}') });
  const one = await cli(['plan', ...src, '--output', 'json']);
  t.is(one.exitCode, 2, one.stdout + one.stderr);
  const p = JSON.parse(one.stdout) as { actions: { guest: string; changes: { path: string }[] }[] };
  t.deepEqual(p.actions.map((a) => [a.guest, a.changes.map((c) => c.path)]), [['web', ['limits.nproc']]]);
});
