import test from 'ava';
import { compileManifestSchema } from '../../src/desired/schema.js';
import { validateManifestFiles, type FileOutcome } from '../../src/desired/validate.js';
import { manifest } from './helpers.js';

const validator = compileManifestSchema();
const files = (m: Record<string, string>) => Object.entries(m).map(([path, text]) => ({ path, size: text.length, bytes: new TextEncoder().encode(text) }));

test('the per-file cache gives the same results as a fresh validation, re-reads changed files, and hands out copies', (t) => {
  const cache = new Map<string, FileOutcome>();
  const rev1 = { 'a.yaml': manifest([], { name: 'a', context: '1001' }), 'b.yaml': manifest([], { name: 'b', context: '1002' }), 'bad.yaml': 'kind: [\n' };
  const first = validateManifestFiles(files(rev1), { validator, cache });
  t.deepEqual(first, validateManifestFiles(files(rev1), { validator }));
  t.is(cache.size, 3);

  // the caller changes what it got: the cached outcome must not change with it
  first.guests[0]!.spec.context = 4242;
  const again = validateManifestFiles(files(rev1), { validator, cache });
  t.deepEqual(again, validateManifestFiles(files(rev1), { validator }));
  t.is(again.guests[0]!.spec.context, 1001);

  // b changes to clash with a: the cached a and the new b still meet in the checks across files
  const rev2 = { 'a.yaml': rev1['a.yaml'], 'b.yaml': manifest([], { name: 'b', context: '1001' }) };
  const second = validateManifestFiles(files(rev2), { validator, cache });
  t.deepEqual(second, validateManifestFiles(files(rev2), { validator }));
  t.deepEqual(second.guests.map((g) => g.spec.name), ['a']);
  t.regex(second.problems.map((p) => p.message).join('\n'), /context 1001 is already used by guest 'a'/);
  t.is(cache.size, 2, 'the cache holds the files of the last call only');
});
