/**
 * Review findings on the plan/apply seams, through real processes on a
 * simulated host: a policy change alone plans no action, yet must be recorded.
 */
import test from 'ava';
import path from 'node:path';
import { cli, exists, manifest, tempDir, TestRepo } from '../helpers/e2e.js';

test('a deletion policy changed back to retain is honoured although it plans no action', async (t) => {
  const dir = await tempDir('policy');
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  const keep = manifest({ name: 'keep', context: 1010 });
  await repo.commit({ 'keep.yaml': keep, 'web.yaml': manifest({ name: 'web', context: 1001, deletion: 'delete' }) });
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  await repo.commit({ 'keep.yaml': keep, 'web.yaml': manifest({ name: 'web', context: 1001, deletion: 'retain' }) });
  const noop = await cli(['apply', ...src, '--yes']);
  t.is(noop.exitCode, 0, noop.stderr);
  t.regex(noop.stdout, /No changes/);
  await repo.commit({ 'keep.yaml': keep });
  const plan = await cli(['plan', ...src]);
  t.regex(plan.stdout, /delete web \(retain/);
  const apply = await cli(['apply', ...src, '--yes']);
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  t.regex(apply.stdout, /retained web/);
  t.true(await exists(path.join(sim, 'vservers/web/etc')), 'the guest files are kept');

  // the same name again: the kept files are in the way; a clear failure, nothing lost
  await repo.commit({ 'keep.yaml': keep, 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  const again = await cli(['apply', ...src, '--yes']);
  t.is(again.exitCode, 1);
  t.regex(again.stdout, /GUEST_ROOT_EXISTS: guest root \S+vservers\/web already exists .*kept at \S+\.vsgitops-retained\/web\./);
  t.true(await exists(path.join(sim, 'vservers/web/etc')), 'the guest files are still kept');
});
