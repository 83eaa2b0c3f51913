import test from 'ava';
import type { ObservedGuest } from '../../src/model/guest.js';
import { DEFAULT_FSTAB } from '../../src/desired/defaults.js';
import { renderGuestManifest, yamlString } from '../../src/import/render-manifest.js';
import { baseSpec } from '../helpers/state-builder.js';

const DIR = '/etc/vservers/web';
function guest(over: Partial<ObservedGuest['spec']> = {}, problems: ObservedGuest['problems'] = undefined): ObservedGuest {
  const spec = { ...baseSpec('web', 1001), startOnBoot: false, fstab: [...DEFAULT_FSTAB], ...over };
  return { spec, running: true, managed: false, staleRunFile: false, configDigest: 'x', ...(problems ? { problems } : {}) };
}

test('default fstab is left out; a different one (or none) is written out; both read back exactly', (t) => {
  const a = renderGuestManifest(guest(), { dir: DIR, hostName: 'h' });
  t.notRegex(a.yaml, /fstab/);
  t.deepEqual(a.inexact, []);
  const b = renderGuestManifest(guest({ fstab: [] }), { dir: DIR, hostName: 'h' });
  t.regex(b.yaml, /\n {2}fstab: \[\]\n/);
  t.deepEqual(b.inexact, []);
  const c = renderGuestManifest(guest({ fstab: [{ device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 }] }), { dir: DIR, hostName: 'h' });
  t.regex(c.yaml, /- \{device: none, mountpoint: \/proc, type: proc\}/);
  t.deepEqual(c.inexact, []);
});

test('defaults are omitted: no state, init, policy, startOnBoot for a running sysv guest', (t) => {
  const r = renderGuestManifest(guest(), { dir: DIR, hostName: 'h' });
  for (const k of ['state:', 'init:', 'policy:', 'startOnBoot:', 'uts:']) t.false(r.yaml.includes(k), k);
});

test('a nodename with a CR (CRLF file) is imported without it and listed as not exact, with the reason', (t) => {
  const r = renderGuestManifest(guest({ nodename: 'web.example.org\r' }), { dir: DIR, hostName: 'h' });
  t.regex(r.yaml, /nodename: web\.example\.org\}/);
  t.is(r.inexact.length, 1);
  t.regex(r.inexact[0]!, /carriage return/);
  t.regex(r.yaml, /^# NOT EXACT/);
});

test('same guest, same bytes; problems become comments next to their field', (t) => {
  const problems = [{ file: `${DIR}/bcapabilities`, line: 2, column: 1, path: 'spec.bcaps', message: 'vattribute --bcap rejects "X"' }];
  const a = renderGuestManifest(guest({ bcaps: ['AUDIT_WRITE'] }, problems), { dir: DIR, hostName: 'h' });
  const b = renderGuestManifest(guest({ bcaps: ['AUDIT_WRITE'] }, problems), { dir: DIR, hostName: 'h' });
  t.is(a.yaml, b.yaml);
  t.regex(a.yaml, /# vattribute --bcap rejects "X"\n {2}capabilities:\n {4}system: \[AUDIT_WRITE\]/);
  t.deepEqual(a.notes, ['bcapabilities:2: vattribute --bcap rejects "X"']);
});

test('yamlString quotes what YAML would read as something else', (t) => {
  t.is(yamlString('eth0'), 'eth0');
  t.is(yamlString('~NET_RAW'), '"~NET_RAW"');
  t.is(yamlString('yes'), '"yes"');
  t.is(yamlString('2001:db8::1/64'), '"2001:db8::1/64"');
  t.is(yamlString('0755'), '"0755"');
});
