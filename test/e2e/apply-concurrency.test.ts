/** Issue 12: `apply --concurrency N` on the simulated host: every guest built and started, inventory and journal exact. */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { cli, exists, manifest, readText, simHostWithRepo } from '../helpers/e2e.js';
import { readKernelSnapshot } from '../../src/sim/store.js';

test('apply --concurrency 3 creates six guests, each progress line names its guest, inventory lists all; a bad value is refused', async (t) => {
  const env = await simHostWithRepo('apply-conc');
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`g${i}.yaml`] = manifest({ name: `g${i}`, context: 1101 + i, state: i === 5 ? 'stopped' : 'running' });
  await env.repo.commit(files);
  const bad = await cli(['apply', ...env.src, '--yes', '--concurrency', '0']);
  t.is(bad.exitCode, 64, bad.stderr);
  t.regex(bad.stderr, /--concurrency takes a whole number from 1 to 64/);
  const r = await cli(['apply', ...env.src, '--yes', '--concurrency', '3']);
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  for (let i = 0; i < 6; i++) {
    t.regex(r.stdout, new RegExp(`^\\[\\d/6\\] create g${i}: started$`, 'm'));
    t.regex(r.stdout, new RegExp(`^\\[\\d/6\\] create g${i}: created \\(\\d+ commands?, `, 'm'));
  }
  const inv = JSON.parse(await readText(path.join(env.sim, 'var/lib/vsgitops/inventory.json'))) as { guests: Record<string, { context: number }> };
  t.deepEqual(Object.keys(inv.guests).sort(), ['g0', 'g1', 'g2', 'g3', 'g4', 'g5']);
  t.deepEqual(Object.keys(readKernelSnapshot(env.sim).contexts), ['1101', '1102', '1103', '1104', '1105']);
  t.false(await exists(path.join(env.sim, 'var/lib/vsgitops/apply-journal.jsonl')), 'the journal was finished');
  t.deepEqual(await fsp.readdir(path.join(env.sim, 'var/lib/vsgitops/starting')).catch(() => []), [], 'no start intent left');
  const again = await cli(['plan', ...env.src]);
  t.is(again.exitCode, 0, again.stdout + again.stderr);
});
