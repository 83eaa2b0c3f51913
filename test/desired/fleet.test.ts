import test from 'ava';
import { checkPlacement, environmentHosts, fleetHost, loadFleet, type Fleet } from '../../src/desired/fleet.js';
import { loadDesiredState } from '../../src/desired/load.js';
import { manifest, validateTexts } from './helpers.js';

const FLEET = [
  'apiVersion: vsgitops.io/v1',
  'kind: Fleet',
  'environments:',
  '  staging: {ref: staging}',
  '  prod: {ref: prod}',
  'hosts:',
  '  - {name: st-a, environment: staging, labels: {slot: a}, agent: {url: "http://st-a:9293/"}}',
  '  - {name: pr-a, environment: prod, labels: {slot: a}}',
  '',
].join('\n');

const fleetOf = (text: string): Fleet => {
  const r = loadFleet({ path: 'fleet.yaml', text });
  if (!r.fleet) throw new Error(JSON.stringify(r.problems));
  return r.fleet;
};

test('a fleet file: hosts with labels and environment, refs per environment, lookups by name', (t) => {
  const fleet = fleetOf(FLEET);
  t.deepEqual(fleet.environments, [{ name: 'staging', ref: 'staging' }, { name: 'prod', ref: 'prod' }]);
  t.deepEqual(fleetHost(fleet, 'st-a'), { labels: { slot: 'a' }, environment: 'staging' });
  t.is(fleetHost(fleet, 'nope'), undefined);
  t.is(fleet.hosts[0]!.agentUrl, 'http://st-a:9293', 'trailing slash dropped');
  t.is(fleet.hosts[1]!.origin.line, 8);
  t.deepEqual(environmentHosts(fleet, 'prod').map((h) => h.name), ['pr-a']);
});

test('fleet file problems carry file, line and field', (t) => {
  const text = FLEET.replace('environment: prod', 'environment: prd').replace('{ref: prod}', '{ref: staging}') + '  - {name: st-a, environment: staging, colour: blue}\n';
  const r = loadFleet({ path: 'fleet.yaml', text });
  t.is(r.fleet, undefined);
  t.deepEqual(r.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`), ["9: hosts[2].colour: unknown field 'colour'; allowed: name, environment, labels, agent"]);
  const r2 = loadFleet({ path: 'fleet.yaml', text: text.replace(', colour: blue', '') });
  t.deepEqual(r2.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`), [
    "8: hosts[1].environment: unknown environment 'prd'; the environments are staging, prod",
    "9: hosts[2].name: host 'st-a' is already listed at line 7",
    "5: environments.prod.ref: ref 'staging' is already followed by environment 'staging'",
  ]);
});

test('credentials in an agent URL are refused by the schema', (t) => {
  const r = loadFleet({ path: 'fleet.yaml', text: FLEET.replace('http://st-a:9293/', 'http://u:p@st-a:9293/') });
  t.is(r.problems.length, 1);
  t.is(r.problems[0]!.path, 'hosts[0].agent.url');
});

test('placement: a guest placed on no host is an error at its manifest, with the selector', (t) => {
  const fleet = fleetOf(FLEET);
  const v = validateTexts({
    'a.yaml': manifest([`  interfaces: [{device: eth0, address: 192.0.2.1/24}]`], { name: 'web', hosts: '{matchLabels: {slot: a}}' }),
    'b.yaml': manifest([], { name: 'db', context: '1002', hosts: '{names: [st-a], matchLabels: {slot: b}}' }),
  });
  t.deepEqual(v.problems, []);
  t.deepEqual(checkPlacement(v.guests, fleet).map((p) => `${p.file}:${p.line}: ${p.path}: ${p.message}`), [
    "b.yaml:1: spec.hosts: guest 'db' is placed on no host of the fleet (fleet.yaml): no host matches names [st-a] and matchLabels {slot: b}",
  ]);
});

test('placement: an address shared on one host of the fleet', (t) => {
  const fleet = fleetOf(FLEET);
  const v = validateTexts({
    'a.yaml': manifest([`  interfaces: [{device: eth0, address: 192.0.2.1/24}]`], { name: 'web', hosts: '{names: [st-a]}' }),
    'b.yaml': manifest([`  interfaces: [{device: eth0, address: 192.0.2.1/24}]`], { name: 'db', context: '1002', hosts: '{names: [pr-a]}' }),
  });
  t.deepEqual(v.problems, []);
  t.deepEqual(checkPlacement(v.guests, fleet), [], 'different hosts: no clash');
  const moved = { ...v.guests[1]!, hosts: { names: [], matchLabels: { slot: 'a' } } };
  t.deepEqual(checkPlacement([v.guests[0]!, moved], fleet).map((p) => p.message), ["address 192.0.2.1 is already used by guest 'web' (a.yaml:1) on host 'st-a'"]);
});

test('loadDesiredState: fleet.yaml is not a manifest; its problems and placement problems make the revision invalid', async (t) => {
  const ok = await loadDesiredState({ kind: 'dir', dir: 'test/fixtures/fleet/ok' });
  t.deepEqual(ok.problems, []);
  t.deepEqual(ok.guests.map((g) => g.spec.name), ['web', 'db']);
  t.is(ok.fleet?.hosts.length, 4);
  const bad = await loadDesiredState({ kind: 'dir', dir: 'test/fixtures/fleet/nowhere' });
  t.deepEqual(bad.problems.map((p) => `${p.file}:${p.line}: ${p.path}`), ['test/fixtures/fleet/nowhere/guests.yaml:10: spec.hosts']);
});

test('a fleet.yaml holding VServer manifests stays a manifest file', async (t) => {
  const { validateTexts: _v } = await import('./helpers.js');
  const { isFleetText } = await import('../../src/desired/load.js');
  t.false(isFleetText(new TextEncoder().encode(manifest())));
  t.true(isFleetText(new TextEncoder().encode(FLEET)));
});
