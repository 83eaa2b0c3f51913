import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadDesiredState } from '../../src/desired/load.js';
import { readIgnoreList } from '../../src/observability/drift/ignore.js';
import { cli, manifest, tempDir } from '../helpers/e2e.js';

const VALID = 'ignore:\n  - guest: legacy\n    reason: vendor agent\n    expires: 2099-01-01\n';

async function withIgnore(content: string | Uint8Array) {
  const dir = await tempDir('ignore-strict');
  await fsp.writeFile(path.join(dir, 'web.yaml'), manifest({ name: 'web', context: 1001 }));
  await fsp.writeFile(path.join(dir, 'vsgitops-ignore.yaml'), content);
  const state = await loadDesiredState({ kind: 'dir', dir });
  return { dir, list: readIgnoreList(state.ignoreFile) };
}

test('a valid ignore list is read', async (t) => {
  const { list } = await withIgnore(VALID);
  t.deepEqual(list.problems, []);
  t.is(list.entries[0]!.guest, 'legacy');
});

test('an invalid ignore list padded past 1 MiB is an error ("too large"), never "no list"; validate fails', async (t) => {
  const { dir, list } = await withIgnore('ignore: [{guest: 1}]\n' + '#'.repeat(1024 * 1024 + 10) + '\n');
  t.is(list.problems.length, 1);
  t.regex(list.problems[0]!.message, /ignore list is too large \(\d+ bytes; the limit is 1048576\)/);
  const v = await cli(['validate', dir]);
  t.is(v.exitCode, 1, v.stdout + v.stderr);
  t.regex(v.stdout + v.stderr, /too large/);
});

test('the ignore list is read as strictly as a manifest: UTF-8 only, no YAML tags', async (t) => {
  const bad = await withIgnore(new Uint8Array([...Buffer.from('ignore: []\n# '), 0xc3, 0x28, 0x0a]));
  t.regex(bad.list.problems[0]!.message, /not valid UTF-8/);
  const tagged = await withIgnore('ignore: !!binary aGVsbG8=\n');
  t.regex(tagged.list.problems[0]!.message, /YAML tag '!!binary' is not allowed/);
  const custom = await withIgnore('ignore:\n  - !Ref {guest: x, reason: r, expires: 2099-01-01}\n');
  t.regex(custom.list.problems[0]!.message, /YAML tag '!Ref' is not allowed/);
});
