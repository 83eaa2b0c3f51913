import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { isVsError } from '../../../src/errors.js';
import { writeFileAtomic } from '../../../src/fs/atomic.js';
import { buildStatus } from '../../../src/observability/status/build.js';
import { readStatus, writeStatus } from '../../../src/observability/status/store.js';
import { pass, plan } from '../helpers/fixtures.js';

test('writeStatus / readStatus round-trip; no temp files left; missing file is undefined', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-status-'));
  t.is(await readStatus(dir), undefined);
  const s = buildStatus(undefined, pass({ plan: plan([]), guests: [{ name: 'web', mode: 'enforce' }] }), '2026-11-26T10:00:00Z');
  await writeStatus(path.join(dir, 'nested'), s);
  t.deepEqual(await readStatus(path.join(dir, 'nested')), s);
  t.deepEqual(await readdir(path.join(dir, 'nested')), ['status.json']);
});

test('atomic write: concurrent readers only ever see a whole old or whole new file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-atomic-'));
  const file = path.join(dir, 'f.json');
  const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(200_000) });
  await writeFileAtomic(file, big(0));
  let reads = 0;
  let stop = false;
  const reader = (async () => {
    while (!stop) {
      const text = await readFile(file, 'utf8');
      JSON.parse(text); // throws on a torn file
      reads++;
    }
  })();
  for (let i = 1; i <= 30; i++) await writeFileAtomic(file, big(i));
  stop = true;
  await reader;
  t.true(reads > 0);
  t.is(JSON.parse(await readFile(file, 'utf8')).n, 30);
  t.deepEqual(await readdir(dir), ['f.json']);
});

test('readStatus rejects a foreign file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vsg-status-'));
  await writeFile(path.join(dir, 'status.json'), '{"hello":1}');
  const err = await t.throwsAsync(readStatus(dir));
  t.true(isVsError(err, 'HOST'));
});
