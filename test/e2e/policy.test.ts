/**
 * Review findings on the plan/apply seams, through real processes on a
 * simulated host: a policy change alone plans no action yet must be recorded;
 * kept guest files block a re-create clearly; two applies never race.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readBootId } from '../../src/agent/lock.js';
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

test('apply holds the apply lock: refused while another writer holds it; a (suspended) agent alone does not block it', async (t) => {
  const dir = await tempDir('lock');
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const manifests = path.join(dir, 'm');
  await fsp.mkdir(manifests);
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest({ name: 'web', context: 1001 }));
  const src = [manifests, '--host', `sim:${sim}`];
  const state = path.join(sim, 'var/lib/vsgitops');
  // held by a live process (this test process), this boot
  const live = JSON.stringify({ pid: process.pid, bootId: await readBootId(), hostname: 'h', startedAt: new Date().toISOString() }) + '\n';
  await fsp.writeFile(path.join(state, 'apply.lock'), live);
  const refused = await cli(['apply', ...src, '--yes']);
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /being changed by another apply .*pid \d+/);
  t.false(await exists(path.join(sim, 'etc/vservers/web')), 'nothing was changed');
  t.is((await cli(['apply', ...src, '--dry-run'])).exitCode, 2, 'a dry run changes nothing and needs no lock');

  await fsp.rm(path.join(state, 'apply.lock'));
  await fsp.writeFile(path.join(state, 'agent.lock'), live);
  const applied = await cli(['apply', ...src, '--yes']);
  t.is(applied.exitCode, 0, applied.stderr);
  t.true(await exists(path.join(sim, 'etc/vservers/web/.vsgitops')));
  t.false(await exists(path.join(state, 'apply.lock')), 'released');
});
