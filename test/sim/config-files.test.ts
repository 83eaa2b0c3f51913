/** The simulated host reads list files as util-vserver's _readFileToArray does (issue 10). */
import test from 'ava';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bashRead, readList } from '../../src/sim/config-files.js';

async function listOf(content: string): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-simcf-'));
  await fs.writeFile(path.join(dir, 'cflags'), content);
  return readList(path.join(dir, 'cflags'));
}

test('readList: `while read v` (UV scripts/vserver.functions:93-107): blanks stripped, CR kept, # and empty lines skipped', async (t) => {
  t.deepEqual(await listOf('  lock\t\n# c\n\nvirt_mem\r\n'), ['lock', 'virt_mem\r']);
});

test('readList: a last line without a final newline is never seen (read fails at EOF)', async (t) => {
  t.deepEqual(await listOf('lock\nvirt_mem'), ['lock']);
});

test('readList: backslash-newline joins lines, a backslash escapes the next character', async (t) => {
  t.deepEqual(await listOf('lo\\\nck\nvirt\\_mem\n'), ['lock', 'virt_mem']);
});

test('bashRead keeps an escaped trailing blank', (t) => {
  t.deepEqual(bashRead('a\\ \n'), { value: 'a ', complete: true, consumed: 4 });
  t.deepEqual(bashRead('x'), { value: 'x', complete: false, consumed: 1 });
});
