/** Issue 10 (iface): interface extras and spec.network through the schema, validation and normalization. */
import test from 'ava';
import { validateManifestFiles } from '../../src/desired/validate.js';
import { webManifest } from '../helpers/manifests.js';
import { manifest, validateTexts } from './helpers.js';

function load(extra: string) {
  const text = webManifest(extra, { init: false });
  return validateManifestFiles([{ path: 'web.yaml', size: text.length, bytes: new TextEncoder().encode(text) }]);
}

test('interface extras and spec.network normalize to the model; `+` broadcast is unset, false flags are absent, IPv6 peers canonical', (t) => {
  const r = load(`  interfaces:
    - {device: eth0, address: 192.0.2.10/24, broadcast: 192.0.2.255, scope: global, vlandev: false, disabled: false}
    - {device: eth0, address: 192.0.2.11/24, broadcast: "+", novlandev: true}
    - {device: tun0, address: "2001:db8::1/128", peer: "2001:DB8:0::2/128", tun: true, nocsum: true, shared: true}
    - {name: off, device: eth1, address: 198.51.100.1/24, disabled: true, tap: true, vlandev: true}
  network: {broadcast: 192.0.2.255, loopback: 127.0.0.10, vlandev: true, novlandev: false, scope: link}
`);
  t.deepEqual(r.problems, []);
  const s = r.guests[0]!.spec;
  t.deepEqual(s.interfaces, [
    { name: '0', device: 'eth0', address: '192.0.2.10', family: 4, prefix: 24, broadcast: '192.0.2.255', scope: 'global' },
    { name: '1', device: 'eth0', address: '192.0.2.11', family: 4, prefix: 24, novlandev: true },
    { name: '2', device: 'tun0', address: '2001:db8::1', family: 6, prefix: 128, peer: '2001:db8::2/128', tun: true, nocsum: true, shared: true },
    { name: 'off', device: 'eth1', address: '198.51.100.1', family: 4, prefix: 24, tap: true, vlandev: true, disabled: true },
  ]);
  t.deepEqual(s.network, { broadcast: '192.0.2.255', loopback: '127.0.0.10', scope: 'link', vlandev: true, novlandev: false });
});

test('left out, spec.network is not in the spec (not managed)', (t) => {
  const r = load('');
  t.deepEqual(r.problems, []);
  t.is(r.guests[0]!.spec.network, undefined);
});

const REFUSED: [string, string, RegExp][] = [
  ['a broadcast that is no IPv4 address', '  interfaces: [{device: eth0, address: 192.0.2.10/24, broadcast: "192.0.2"}]\n', /broadcast/],
  ['a peer that is no address', '  interfaces: [{device: eth0, address: 192.0.2.10/24, peer: "10.0.0.1/40"}]\n', /peer/],
  ['a network loopback that is no IPv4 address', '  network: {loopback: "::1"}\n', /loopback/],
  ['spec.files naming a modelled interface file', '  files: {interfaces/0/bcast: "192.0.2.255\\n"}\n', /spec\.interfaces/],
  ['spec.files naming interfaces/lback', '  files: {interfaces/lback: "127.0.0.1\\n"}\n', /spec\.network\.loopback/],
];
for (const [title, extra, re] of REFUSED) {
  test(`refused: ${title}`, (t) => {
    const r = load(extra);
    t.true(r.problems.length > 0);
    t.regex(r.problems.map((p) => `${p.path} ${p.message}`).join('\n'), re);
  });
}

test('refused: a broadcast on an IPv6 interface (util-vserver passes none, scripts/vserver.functions:672)', (t) => {
  const r = load('  interfaces: [{device: eth0, address: "2001:db8::1/64", broadcast: 192.0.2.255}]\n');
  t.regex(r.problems.map((p) => p.message).join('\n'), /no broadcast for an IPv6 address/);
});

test('fleet check: a disabled interface claims no address (util-vserver neither binds nor adds it, scripts/vserver.functions:708)', (t) => {
  const m = (name: string, ctx: string, extra: string) => manifest(['  interfaces:', `    - {device: eth0, address: 192.0.2.50/24${extra}}`], { name, context: ctx });
  t.deepEqual(validateTexts({ 'a.yaml': m('old', '1001', ', disabled: true'), 'b.yaml': m('new', '1002', '') }).problems, []);
  const clash = validateTexts({ 'a.yaml': m('old', '1001', ''), 'b.yaml': m('new', '1002', '') }).problems;
  t.regex(clash.map((p) => p.message).join('\n'), /address 192\.0\.2\.50 is already used by guest 'old'/);
});
