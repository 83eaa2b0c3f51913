import test from 'ava';
import { loadFleet, type Fleet } from '../../src/desired/fleet.js';
import { diffExitCode, diffFleet } from '../../src/fleet/diff.js';
import { renderDiffMarkdown, renderDiffText } from '../../src/fleet/diff-render.js';
import { manifest, validateTexts } from '../desired/helpers.js';

const fleetText = (bLabel: string) =>
  `apiVersion: vsgitops.io/v1\nkind: Fleet\nenvironments: {staging: {ref: staging}, prod: {ref: prod}}\nhosts:\n  - {name: a, environment: staging, labels: {slot: a}}\n  - {name: b, environment: prod, labels: {slot: ${bLabel}}}\n`;
const fleet = (bLabel = 'b'): Fleet => loadFleet({ path: 'fleet.yaml', text: fleetText(bLabel) }).fleet!;
const guests = (files: Record<string, string>) => {
  const v = validateTexts(files);
  if (v.problems.length > 0) throw new Error(JSON.stringify(v.problems));
  return v.guests;
};

test('the planner classifies each change: replace for a context id, create and delete when placement moves', (t) => {
  const from = guests({
    'web.yaml': manifest(['  limits: {nproc: 100}'], { name: 'web', hosts: '{matchLabels: {slot: a}}' }),
    'db.yaml': manifest([], { name: 'db', context: '1002', hosts: '{matchLabels: {slot: b}}' }),
    'app.yaml': manifest([], { name: 'app', context: '1003', hosts: '{matchLabels: {slot: b}}' }),
  });
  const to = guests({
    'web.yaml': manifest(['  limits: {nproc: 100}'], { name: 'web', context: '1005', hosts: '{matchLabels: {slot: a}}' }),
    'db.yaml': manifest([], { name: 'db', context: '1002', hosts: '{names: [a, b]}' }),
  });
  const d = diffFleet({ from: { revision: 'f'.repeat(40), guests: from, fleet: fleet() }, to: { revision: 'e'.repeat(40), guests: to, fleet: fleet() } });
  t.deepEqual(d.hosts.map((h) => `${h.name}: ${h.actions.map((a) => `${a.guest} ${a.effect}`).join(', ')}`), ['a: web replace, db create', 'b: app delete']);
  t.deepEqual(d.summary, { replace: 1, delete: 1, create: 1 });
  t.is(diffExitCode(d), 3);
  t.regex(renderDiffText(d), /host a \(staging\): 1 replace, 1 create \[destructive\]\n {2}-\/\+ web: replace, destructive\n {6}context: 1001 -> 1005 \(restart\)/);
});

test('no change: exit 0, and --environment keeps only its hosts', (t) => {
  const g = guests({ 'web.yaml': manifest([], { name: 'web', hosts: '{matchLabels: {slot: a}}' }) });
  const d = diffFleet({ from: { revision: 'a'.repeat(40), guests: g, fleet: fleet() }, to: { revision: 'b'.repeat(40), guests: g, fleet: fleet() }, environment: 'prod' });
  t.deepEqual(d.hosts.map((h) => h.name), ['b']);
  t.is(diffExitCode(d), 0);
  t.regex(renderDiffMarkdown(d), /No changes on any of 1 host in environment `prod`\./);
});

