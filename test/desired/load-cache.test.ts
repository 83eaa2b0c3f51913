import test from 'ava';
import { cachedManifestFiles, loadDesiredState } from '../../src/desired/load.js';

const dir = 'examples/desired-state';

// One process per test file: the cache is this file's alone.
test.serial('a one-shot load keeps no parsed manifests; a load asking for the cache (the agent) keeps one revision', async (t) => {
  const once = await loadDesiredState({ kind: 'dir', dir });
  t.deepEqual(once.problems, []);
  t.is(cachedManifestFiles(), 0, 'plan, apply, validate: nothing kept');
  const cached = await loadDesiredState({ kind: 'dir', dir }, { cache: true });
  t.deepEqual(cached.guests, once.guests);
  t.is(cachedManifestFiles(), once.files);
  const again = await loadDesiredState({ kind: 'dir', dir }, { cache: true });
  t.deepEqual(again.guests, once.guests);
  t.not(again.guests[0], cached.guests[0], 'cached guests are handed out as copies');
});
