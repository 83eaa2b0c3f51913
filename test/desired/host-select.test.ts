import test from 'ava';
import { matchesHost, selectForHost, selectorsMayOverlap } from '../../src/desired/host-select.js';
import type { HostSelector } from '../../src/model/guest.js';
import { manifest, validateTexts } from './helpers.js';

const sel = (names: string[], matchLabels: Record<string, string> = {}): HostSelector => ({ names, matchLabels });
const host = { name: 'h1', labels: { site: 'fra1', tier: 'web' } };

const matchCases: [string, HostSelector, boolean][] = [
  ['listed name', sel(['h1']), true],
  ['other name', sel(['h2']), false],
  ['one of several names', sel(['h2', 'h1']), true],
  ['matching label', sel([], { site: 'fra1' }), true],
  ['all labels must match', sel([], { site: 'fra1', tier: 'db' }), false],
  ['missing label', sel([], { rack: '1' }), false],
  ['name and labels both match', sel(['h1'], { tier: 'web' }), true],
  ['name matches, label does not', sel(['h1'], { tier: 'db' }), false],
  ['label matches, name does not', sel(['h2'], { tier: 'web' }), false],
  ['inherited property is not a label', sel([], { toString: 'x' }), false],
];
for (const [title, s, want] of matchCases) {
  test(`matchesHost: ${title}`, (t) => t.is(matchesHost(s, host), want));
}

const overlapCases: [string, HostSelector, HostSelector, boolean][] = [
  ['disjoint names', sel(['a']), sel(['b']), false],
  ['shared name', sel(['a', 'b']), sel(['b']), true],
  ['name vs labels', sel(['a']), sel([], { site: 'x' }), true],
  ['conflicting label', sel([], { site: 'x' }), sel([], { site: 'y' }), false],
  ['different label keys', sel([], { site: 'x' }), sel([], { tier: 'y' }), true],
  ['shared name but conflicting label', sel(['a'], { site: 'x' }), sel(['a'], { site: 'y' }), false],
];
for (const [title, a, b, want] of overlapCases) {
  test(`selectorsMayOverlap: ${title}`, (t) => {
    t.is(selectorsMayOverlap(a, b), want);
    t.is(selectorsMayOverlap(b, a), want, 'symmetric');
  });
}

test('selectForHost keeps order and picks by name or labels', (t) => {
  const r = validateTexts({
    'f.yaml': [
      manifest([], { name: 'a', context: '2', hosts: '{names: [h1]}' }),
      manifest([], { name: 'b', context: '3', hosts: '{names: [h2]}' }),
      manifest([], { name: 'c', context: '4', hosts: '{matchLabels: {site: fra1}}' }),
    ].join('---\n'),
  });
  t.deepEqual(r.problems, []);
  t.deepEqual(selectForHost(r.guests, host).map((g) => g.spec.name), ['a', 'c']);
  t.deepEqual(selectForHost(r.guests, { name: 'h2', labels: {} }).map((g) => g.spec.name), ['b']);
});
