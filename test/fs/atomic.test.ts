import test from 'ava';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/fs/atomic.js';

test('a failed atomic write leaves the old file and no temp file behind', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vsg-atomic-fail-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'target');
  await fsp.writeFile(file, 'old\n');
  // renaming a file over a non-empty directory fails after the temp file was written
  const blocked = path.join(dir, 'blocked');
  await fsp.mkdir(blocked);
  await fsp.writeFile(path.join(blocked, 'x'), '');
  await t.throwsAsync(() => writeFileAtomic(blocked, 'new\n'));
  t.deepEqual((await fsp.readdir(dir)).sort(), ['blocked', 'target']);
  await writeFileAtomic(file, 'new\n');
  t.is(await fsp.readFile(file, 'utf8'), 'new\n');
  t.deepEqual((await fsp.readdir(dir)).sort(), ['blocked', 'target']);
});
