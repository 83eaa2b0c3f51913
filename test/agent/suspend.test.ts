import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearSuspension, readSuspensionRecord, suspensionAt, suspensionChecker, writeSuspension } from '../../src/agent/suspend.js';
import { isVsError } from '../../src/errors.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-suspend-'));
const T0 = Date.parse('2026-01-01T00:00:00Z');

test('a suspension with a deadline ends by itself', async (t) => {
  const dir = await tmp();
  const rec = await writeSuspension(dir, { reason: 'incident 42', forMs: 2 * 3600_000, now: T0, by: 'ops' });
  t.is(rec.until, '2026-01-01T02:00:00.000Z');
  let now = T0 + 3600_000;
  const check = suspensionChecker(dir, () => now);
  t.deepEqual(await check(), { active: true, until: T0 + 7200_000 });
  now = T0 + 7200_000;
  t.false((await check()).active);
});

test('a suspension without a deadline lasts until resume', async (t) => {
  const dir = await tmp();
  await writeSuspension(dir, { reason: 'maintenance', forMs: null, now: T0 });
  t.deepEqual(suspensionAt(await readSuspensionRecord(dir), T0 + 365 * 86400_000), { active: true, until: null });
  const prev = await clearSuspension(dir);
  t.is(prev!.reason, 'maintenance');
  t.is(await readSuspensionRecord(dir), null);
  t.deepEqual(suspensionAt(null, T0), { active: false, until: null });
});

test('a reason is required', async (t) => {
  const err = await t.throwsAsync(writeSuspension(await tmp(), { reason: '  ', forMs: null, now: T0 }));
  t.true(isVsError(err, 'USAGE'));
});

test('a corrupt record is a CONFIG error naming the file', async (t) => {
  const dir = await tmp();
  await fs.writeFile(path.join(dir, 'suspend.json'), '{nope');
  const err = await t.throwsAsync(readSuspensionRecord(dir));
  t.true(isVsError(err, 'CONFIG'));
  t.regex(err!.message, /suspend\.json/);
});
