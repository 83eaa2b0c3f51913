/** The agent's pass and a hand-run apply never change the host at the same time. */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readBootId } from '../../src/agent/lock.js';
import { silentLogger } from '../../src/log.js';
import { createReconcilePass } from '../../src/agent/pass.js';
import { simInit } from '../../src/sim/init.js';
import { exists, manifest, tempDir } from '../helpers/e2e.js';

test('a pass is refused (failed, LOCKED) while an apply holds the apply lock, and proceeds afterwards', async (t) => {
  const dir = await tempDir('pass-lock');
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  const manifests = path.join(dir, 'm');
  await fsp.mkdir(manifests);
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest({ name: 'web', context: 1001, state: 'stopped' }));
  const stateDir = path.join(sim, 'var/lib/vsgitops');
  const pass = createReconcilePass(
    { source: { kind: 'dir', dir: manifests }, host: `sim:${sim}`, hostName: 'host-a', hostLabels: {}, stateDir, deletionGuard: { maxDeletes: 5, maxDeleteShare: 0.25 } },
    { log: silentLogger() },
  );
  const req = { trigger: 'test', signal: new AbortController().signal, dryRun: false };
  // a live holder that is not this process: the test runner's parent
  await fsp.writeFile(path.join(stateDir, 'apply.lock'), JSON.stringify({ pid: process.ppid, bootId: await readBootId(), hostname: 'h', startedAt: new Date().toISOString() }) + '\n');
  const refused = await pass(req);
  t.is(refused.result, 'failed');
  t.is(refused.error?.code, 'LOCKED');
  t.false(await exists(path.join(sim, 'etc/vservers/web')));

  await fsp.rm(path.join(stateDir, 'apply.lock'));
  const applied = await pass(req);
  t.is(applied.result, 'applied', JSON.stringify(applied.error));
  t.true(await exists(path.join(sim, 'etc/vservers/web/.vsgitops')));
  t.false(await exists(path.join(stateDir, 'apply.lock')), 'released');
});
