/**
 * Issue 14: an apply killed with SIGKILL while util-vserver builds a guest.
 * util-vserver's build goes on without its caller; the guest it leaves has a
 * configuration but no vsgitops marker. The apply journal lets the next apply
 * finish what the killed one started instead of blocking the guest forever
 * ("exists and is not managed; adopt it first").
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { cli, exists, manifest, readText, tempDir, TestRepo } from '../helpers/e2e.js';

test('apply killed (SIGKILL) right after vserver build: the next apply marks the guest as its own and converges', async (t) => {
  const dir = await tempDir('crash-build');
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }), 'db.yaml': manifest({ name: 'db', context: 1002, state: 'stopped' }) });
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];

  // The first build of `web` completes, then its caller (the apply process) is killed with SIGKILL.
  const shim = path.join(sim, 'bin/vserver');
  const real = path.join(sim, 'bin/vserver.real');
  await fsp.rename(shim, real);
  const killedOnce = path.join(dir, 'killed');
  await fsp.writeFile(shim, `#!/bin/sh\n"${real}" "$@"\nrc=$?\nif [ "$1" = web ] && [ "$2" = build ] && [ ! -e "${killedOnce}" ]; then : > "${killedOnce}"; kill -9 $PPID; fi\nexit $rc\n`, { mode: 0o755 });

  const first = await cli(['apply', ...src, '--yes']);
  t.not(first.exitCode, 0, 'the apply process was killed');
  t.true(await exists(killedOnce));
  const cfg = path.join(sim, 'etc/vservers/web');
  t.true(await exists(path.join(cfg, 'context')), 'the build finished its configuration');
  t.false(await exists(path.join(cfg, '.vsgitops')), 'the killed apply never marked it');
  t.true(await exists(path.join(sim, 'var/lib/vsgitops/apply-journal.jsonl')));

  // plan (read-only) says what the next apply will do, and changes nothing
  const plan = await cli(['plan', ...src]);
  t.regex(plan.stdout + plan.stderr, /an earlier apply was interrupted/);
  t.false(await exists(path.join(cfg, '.vsgitops')));

  const second = await cli(['apply', ...src, '--yes']);
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  t.regex(second.stdout + second.stderr, /interrupted \(create web\).*web \(built by it\) marked as managed/);
  t.true(await exists(path.join(cfg, '.vsgitops')));
  const inv = JSON.parse(await readText(path.join(sim, 'var/lib/vsgitops/inventory.json'))) as { guests: Record<string, unknown> };
  t.deepEqual(Object.keys(inv.guests).sort(), ['db', 'web']);
  t.false(await exists(path.join(sim, 'var/lib/vsgitops/apply-journal.jsonl')), 'the journal is gone after a finished apply');
  t.false(await exists(path.join(sim, 'var/lib/vsgitops/apply.lock')), 'no stale lock');
  const again = await cli(['plan', ...src]);
  t.is(again.exitCode, 0, again.stdout);
  t.regex(again.stdout, /No changes/);
});
