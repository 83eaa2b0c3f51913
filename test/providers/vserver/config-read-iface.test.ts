/**
 * Issue 10 (iface): interfaces/ read exactly as util-vserver reads it —
 * UV scripts/vserver.functions `_getInterfaceValue` (:511-527),
 * `_processSingleInterface` (:609-694), `_generateInterfaceOptions` (:697-713),
 * `_generateChbindOptions` (:109-142) — and written back touching only what changes.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GuestSpec, InterfaceSpec } from '../../../src/model/guest.js';
import { interfaceValue, parseGuestConfig, readGuestConfig, type ConfigTree } from '../../../src/providers/vserver/config-read.js';
import { renderConfigFiles, writeConfigFiles } from '../../../src/providers/vserver/config-write.js';
import { unmodelledEntries } from '../../../src/providers/vserver/unmodelled.js';
import { ownerOf } from '../../../src/model/owned-paths.js';

const tree = (files: Record<string, string>, links: Record<string, string> = {}): ConfigTree => {
  const m: ConfigTree = new Map();
  for (const [k, v] of Object.entries(files)) {
    const parts = k.split('/');
    for (let i = 1; i < parts.length; i++) if (!m.has(parts.slice(0, i).join('/'))) m.set(parts.slice(0, i).join('/'), { kind: 'dir' });
    m.set(k, { kind: 'file', content: v });
  }
  for (const [k, target] of Object.entries(links)) m.set(k, { kind: 'symlink', target, dir: true });
  return m;
};
const parse = (files: Record<string, string>, links: Record<string, string> = {}) => parseGuestConfig('/etc/vservers/x', tree({ context: '5\n', ...files }, links));

// ---- _getInterfaceValue (:511-527): `read tmp <"$i/KEY" && break || :` over "$iface" ["$iface/.."] ----
const GIV: [string, Record<string, string>, string, boolean, string | undefined][] = [
  ['own file', { 'interfaces/0/dev': 'eth1\n' }, 'dev', true, 'eth1'],
  ['directory-level fallback', { 'interfaces/dev': 'eth0\n' }, 'dev', true, 'eth0'],
  ['own file wins over the fallback', { 'interfaces/0/dev': 'eth1\n', 'interfaces/dev': 'eth0\n' }, 'dev', true, 'eth1'],
  ['own file without final newline: read fails, the fallback overrides it', { 'interfaces/0/dev': 'eth1', 'interfaces/dev': 'eth0\n' }, 'dev', true, 'eth0'],
  ['own file without final newline and no fallback: its value stays', { 'interfaces/0/dev': 'eth1' }, 'dev', true, 'eth1'],
  ['empty own file: the fallback', { 'interfaces/0/dev': '', 'interfaces/dev': 'eth0\n' }, 'dev', true, 'eth0'],
  ['blanks stripped, first line only', { 'interfaces/0/bcast': '  10.0.0.255 \nx\n' }, 'bcast', true, '10.0.0.255'],
  ['no fallback for keys read with "$iface" only (peer, name, ip, mac)', { 'interfaces/peer': '10.0.0.9\n' }, 'peer', false, undefined],
  ['empty everywhere: unset', { 'interfaces/0/dev': '\n' }, 'dev', true, undefined],
];
for (const [name, files, key, fb, want] of GIV) {
  test(`_getInterfaceValue (scripts/vserver.functions:511-527): ${name}`, (t) => {
    const m = tree(files);
    const content = (r: string) => { const e = m.get(r); return e?.kind === 'file' ? e.content : undefined; };
    t.is(interfaceValue(content, 'interfaces/0', key, fb ? 'interfaces' : undefined)?.value, want);
  });
}

test('bcast: own, interfaces/bcast fallback (:630), `+` is unset (`${bcast:-+}` :671), `-` kept, other text reported', (t) => {
  const r = parse({
    'interfaces/bcast': '10.0.255.255\n',
    'interfaces/dev': 'eth0\n',
    'interfaces/0/ip': '10.0.0.1\n',
    'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/bcast': '10.0.0.255\n',
    'interfaces/2/ip': '10.0.0.3\n', 'interfaces/2/bcast': '+\n',
    'interfaces/3/ip': '10.0.0.4\n', 'interfaces/3/bcast': '-\n',
    'interfaces/4/ip': '10.0.0.5\n', 'interfaces/4/bcast': 'ten\n',
  });
  t.deepEqual(r.spec.interfaces.map((i) => [i.name, i.broadcast]), [['0', '10.0.255.255'], ['1', '10.0.0.255'], ['2', undefined], ['3', '-'], ['4', undefined]]);
  t.deepEqual(r.spec.network, { broadcast: '10.0.255.255' });
  t.regex(r.problems.map((p) => `${p.file}: ${p.message}`).join('\n'), /interfaces\/4\/bcast: broadcast "ten" is not an IPv4 address/);
});

test('a symlinked interface directory takes no interfaces/ fallback ("$iface/.." is the link target\'s parent)', (t) => {
  const r = parse({ 'interfaces/dev': 'eth0\n', 'interfaces/bcast': '10.0.255.255\n', 'interfaces/pub/ip': '10.0.0.1\n', 'interfaces/pub/nodev': '' }, { 'interfaces/pub': '../../local-interfaces/10.0.0.1' });
  t.deepEqual(r.spec.interfaces, [{ name: 'pub', device: null, address: '10.0.0.1', family: 4, prefix: 32 }]);
});

test('scope: per interface as its file says, interfaces/scope is spec.network.scope (read :632, passed to nothing)', (t) => {
  const r = parse({ 'interfaces/scope': 'link\n', 'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/dev': 'eth0\n', 'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/dev': 'eth0\n', 'interfaces/1/scope': 'global\n' });
  t.deepEqual(r.spec.interfaces.map((i) => i.scope), [undefined, 'global']);
  t.deepEqual(r.spec.network, { scope: 'link' });
});

test('peer (:634, :676): IPv4 as written, IPv6 canonical, prefix kept; not an address: reported', (t) => {
  const r = parse({
    'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/dev': 'tun0\n', 'interfaces/0/peer': '10.0.0.2/32\n',
    'interfaces/1/ip': '2001:db8::1\n', 'interfaces/1/dev': 'tun1\n', 'interfaces/1/peer': '2001:DB8:0::2\n',
    'interfaces/2/ip': '10.0.1.1\n', 'interfaces/2/dev': 'tun2\n', 'interfaces/2/peer': 'gw\n',
  });
  t.deepEqual(r.spec.interfaces.map((i) => i.peer), ['10.0.0.2/32', '2001:db8::2', undefined]);
  t.is(r.problems.filter((p) => p.file.endsWith('interfaces/2/peer')).length, 1);
});

test('mac (:633, no fallback; used only by an indirect interface, which generates its own, :684): kept exactly as written; not a MAC: reported', (t) => {
  const r = parse({ 'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/dev': 'eth0\n', 'interfaces/0/mac': '02:AB:00:00:00:01\n', 'interfaces/mac': '02:00:00:00:00:09\n', 'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/dev': 'eth0\n', 'interfaces/1/mac': 'zz:00\n' });
  t.is(r.spec.interfaces[0]!.mac, '02:AB:00:00:00:01', 'the spelling of the file (upper case kept)');
  t.is(r.spec.interfaces[1]!.mac, undefined);
  t.regex(r.problems.map((p) => p.message).join('\n'), /mac "zz:00" is not a MAC address/);
  const noOwn = parse({ 'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/dev': 'eth0\n', 'interfaces/mac': '02:00:00:00:00:09\n' });
  t.is(noOwn.spec.interfaces[0]!.mac, undefined, 'interfaces/mac is no fallback');
});

test('tun, tap, nocsum, shared, vlandev, novlandev, disabled count by existence, whatever the content (_getTunInfo :581-606, :653-657, :708)', (t) => {
  const r = parse({
    'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/dev': 'tap0\n', 'interfaces/0/tap': 'no\n', 'interfaces/0/nocsum': '', 'interfaces/0/shared': '0\n',
    'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/dev': 'eth0.7\n', 'interfaces/1/vlandev': '', 'interfaces/1/tun': '',
    'interfaces/2/ip': '10.0.0.3\n', 'interfaces/2/dev': 'eth0\n', 'interfaces/2/novlandev': '', 'interfaces/2/disabled': 'false\n',
    'interfaces/vlandev': '', 'interfaces/novlandev': '', 'interfaces/prefix': '24\n',
  });
  const pick = (i: InterfaceSpec) => Object.fromEntries(Object.entries(i).filter(([k]) => ['tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled'].includes(k)));
  t.deepEqual(r.spec.interfaces.map(pick), [{ tap: true, nocsum: true, shared: true }, { tun: true, vlandev: true }, { novlandev: true, disabled: true }]);
  t.deepEqual(r.spec.network, { vlandev: true, novlandev: true });
  t.deepEqual(r.problems, []);
});

test('a disabled interface util-vserver skips before reading anything (:708): modelled when readable, else one problem and kept as is', (t) => {
  const r = parse({ 'interfaces/0/disabled': '', 'interfaces/0/dev': 'eth0\n', 'interfaces/1/disabled': '', 'interfaces/1/ip': '10.0.0.9\n', 'interfaces/1/dev': 'eth0\n' });
  t.deepEqual(r.spec.interfaces, [{ name: '1', device: 'eth0', address: '10.0.0.9', family: 4, prefix: 32, disabled: true }]);
  t.deepEqual(r.problems.map((p) => path.basename(path.dirname(p.file)) + '/' + path.basename(p.file)), ['0/disabled']);
  t.regex(r.problems[0]!.message, /disabled \(util-vserver skips it\) and cannot be modelled \(Can not read ip for '0'\)/);
});

test('interfaces/{bcast,lback} (chbind --bcast/--lback, :125-131): IPv4 only, anything else fails chbind and is reported', (t) => {
  const r = parse({ 'interfaces/bcast': '192.0.2.255\n', 'interfaces/lback': '127.0.0.x\n' });
  t.deepEqual(r.spec.network, { broadcast: '192.0.2.255' });
  t.regex(r.problems.map((p) => p.message).join('\n'), /"127\.0\.0\.x" is not an IPv4 address: chbind --lback/);
});

test('the modelled interface files are no longer unmodelled nor spec.files material; extip, uid, indirect stay unmodelled', (t) => {
  const m = tree({
    context: '5\n', 'interfaces/bcast': '', 'interfaces/lback': '', 'interfaces/vlandev': '', 'interfaces/novlandev': '', 'interfaces/scope': '', 'interfaces/extip': '',
    ...Object.fromEntries(['ip', 'bcast', 'scope', 'peer', 'tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev', 'disabled', 'mac', 'uid', 'indirect'].map((f) => [`interfaces/0/${f}`, ''])),
  });
  t.deepEqual(unmodelledEntries(m), ['interfaces/0/indirect', 'interfaces/0/uid', 'interfaces/extip']);
  t.is(ownerOf('interfaces/0/bcast'), 'spec.interfaces');
  t.is(ownerOf('interfaces/bcast'), 'spec.network.broadcast');
  t.is(ownerOf('interfaces/0/mac'), 'spec.interfaces');
  t.is(ownerOf('interfaces/0/uid'), undefined);
});

// ---- config-write: only the files of keys whose value changes ----

const base: GuestSpec = {
  name: 'g', context: 1001, nodename: 'g', runState: 'stopped', startOnBoot: false, initStyle: 'sysv',
  interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
};
const tmp = () => fsp.mkdtemp(path.join(os.tmpdir(), 'vsgitops-iface-'));
async function put(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, c] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), c);
  }
}
const HOST = {
  context: '1001\n', 'uts/nodename': 'g\n', 'apps/init/style': 'sysv\n',
  'interfaces/dev': 'eth0\n', 'interfaces/mask': '255.255.255.0\n', 'interfaces/bcast': '10.0.0.255\n',
  'interfaces/0/ip': '10.0.0.1\n', // dev, prefix and broadcast from interfaces/
  'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/bcast': '10.0.0.127\n', 'interfaces/1/peer': '10.0.0.3\n', 'interfaces/1/tun': '',
};

test('apply on an adopted interfaces/ tree: an unchanged interface keeps every byte and its fallbacks; a changed key writes its own file only', async (t) => {
  const dir = await tmp();
  await put(dir, HOST);
  const before = (await readGuestConfig(dir)).spec;
  t.deepEqual(before.interfaces.map((i) => [i.device, i.prefix, i.broadcast, i.peer, i.tun]), [['eth0', 24, '10.0.0.255', undefined, undefined], ['eth0', 24, '10.0.0.127', '10.0.0.3', true]]);
  t.deepEqual(await writeConfigFiles(dir, renderConfigFiles(before, { before })), { written: [], removed: [] });
  const after: GuestSpec = { ...before, interfaces: [before.interfaces[0]!, { ...before.interfaces[1]!, broadcast: '10.0.0.63', tun: undefined, tap: true }] };
  delete after.interfaces[1]!.tun;
  const res = await writeConfigFiles(dir, renderConfigFiles(after, { before }));
  t.deepEqual(res, { written: ['interfaces/1/bcast', 'interfaces/1/tap'], removed: ['interfaces/1/tun'] });
  t.deepEqual((await readGuestConfig(dir)).spec.interfaces, after.interfaces);
});

test('a mac change writes interfaces/N/mac only; removing it from the spec removes the file', async (t) => {
  const dir = await tmp();
  await put(dir, { ...HOST, 'interfaces/1/mac': '02:00:00:00:00:02\n' });
  const before = (await readGuestConfig(dir)).spec;
  t.is(before.interfaces[1]!.mac, '02:00:00:00:00:02');
  const changed: GuestSpec = { ...before, interfaces: [before.interfaces[0]!, { ...before.interfaces[1]!, mac: '02:00:00:00:00:03' }] };
  t.deepEqual(await writeConfigFiles(dir, renderConfigFiles(changed, { before })), { written: ['interfaces/1/mac'], removed: [] });
  t.is(await fsp.readFile(path.join(dir, 'interfaces/1/mac'), 'utf8'), '02:00:00:00:00:03\n');
  const dropped: GuestSpec = { ...changed, interfaces: [changed.interfaces[0]!, { ...changed.interfaces[1]! }] };
  delete dropped.interfaces[1]!.mac;
  t.deepEqual(await writeConfigFiles(dir, renderConfigFiles(dropped, { before: changed })), { written: [], removed: ['interfaces/1/mac'] });
});

test('network.broadcast changes: interfaces that inherited it are pinned to their value; unset broadcast under a fallback is written as `+`', async (t) => {
  const dir = await tmp();
  await put(dir, HOST);
  const before = (await readGuestConfig(dir)).spec;
  const after: GuestSpec = { ...before, network: { broadcast: '10.0.0.254' }, interfaces: [{ ...before.interfaces[0]! }, before.interfaces[1]!] };
  delete after.interfaces[0]!.broadcast;
  const res = await writeConfigFiles(dir, renderConfigFiles(after, { before }));
  t.deepEqual(res.written, ['interfaces/0/bcast', 'interfaces/bcast']);
  t.is(await fsp.readFile(path.join(dir, 'interfaces/0/bcast'), 'utf8'), '+\n');
  const back = (await readGuestConfig(dir)).spec;
  t.deepEqual(back.interfaces, after.interfaces);
  t.deepEqual(back.network, { broadcast: '10.0.0.254' });
});

test('a modelled disabled interface git drops loses its files; a new one is written whole', async (t) => {
  const dir = await tmp();
  await put(dir, { ...HOST, 'interfaces/2/ip': '10.0.0.9\n', 'interfaces/2/disabled': '' });
  const before = (await readGuestConfig(dir)).spec;
  t.true(before.interfaces[2]!.disabled);
  const after: GuestSpec = { ...before, interfaces: [...before.interfaces.slice(0, 2), { name: '3', device: 'eth1', address: '10.1.0.1', family: 4, prefix: 24, scope: 'global', vlandev: true }] };
  const res = await writeConfigFiles(dir, renderConfigFiles(after, { before }));
  t.deepEqual(res.removed, ['interfaces/2/disabled', 'interfaces/2/ip']);
  // interfaces/bcast would give the new interface 10.0.0.255: `+` keeps it unset as the spec says
  t.deepEqual(res.written, ['interfaces/3/bcast', 'interfaces/3/dev', 'interfaces/3/ip', 'interfaces/3/prefix', 'interfaces/3/scope', 'interfaces/3/vlandev']);
  t.deepEqual((await readGuestConfig(dir)).spec.interfaces, after.interfaces);
});

test('spec.network writes interfaces/{bcast,lback,vlandev,novlandev,scope}; false removes a flag file; a key left out stays', async (t) => {
  const dir = await tmp();
  await put(dir, { context: '1001\n', 'uts/nodename': 'g\n', 'apps/init/style': 'sysv\n', 'interfaces/lback': '127.0.0.9\n', 'interfaces/novlandev': '' });
  const before = (await readGuestConfig(dir)).spec;
  const res = await writeConfigFiles(dir, renderConfigFiles({ ...base, network: { vlandev: true, novlandev: false, scope: 'host' } }, { before }));
  t.deepEqual(res, { written: ['interfaces/scope', 'interfaces/vlandev'], removed: ['interfaces/novlandev'] });
  t.deepEqual((await readGuestConfig(dir)).spec.network, { loopback: '127.0.0.9', vlandev: true, scope: 'host' });
});

test('an own file without final newline that a fallback overrides is reported (what util-vserver really uses, :522)', (t) => {
  const r = parse({ 'interfaces/bcast': '10.0.0.255\n', 'interfaces/dev': 'eth0\n', 'interfaces/0/ip': '10.0.0.1\n', 'interfaces/0/bcast': '10.0.0.127', 'interfaces/0/dev': 'eth1' });
  t.is(r.spec.interfaces[0]!.broadcast, '10.0.0.255');
  t.is(r.spec.interfaces[0]!.device, 'eth0');
  t.deepEqual(r.problems.map((p) => path.basename(p.file)).sort(), ['bcast', 'dev', 'ip']);
  t.regex(r.problems.find((p) => p.file.endsWith('0/bcast'))!.message, /"10\.0\.0\.127" has no final newline: `read` fails and util-vserver uses interfaces\/bcast \("10\.0\.0\.255"\)/);
});

test('an unchanged symlinked (shared) interface directory does not stop apply of another change (puppet-virtual layout)', async (t) => {
  const root = await tmp();
  const dir = path.join(root, 'g');
  await put(root, { 'local-interfaces/10.0.0.1/ip': '10.0.0.1\n', 'local-interfaces/10.0.0.1/dev': 'eth0\n', 'local-interfaces/10.0.0.1/prefix': '24\n' });
  await put(dir, { context: '1001\n', 'uts/nodename': 'g\n', 'apps/init/style': 'sysv\n' });
  await fsp.mkdir(path.join(dir, 'interfaces'));
  await fsp.symlink('../../local-interfaces/10.0.0.1', path.join(dir, 'interfaces/pub'));
  const before = (await readGuestConfig(dir)).spec;
  t.is(before.interfaces.length, 1);
  const res = await writeConfigFiles(dir, renderConfigFiles({ ...before, nodename: 'g2' }, { before }));
  t.deepEqual(res, { written: ['uts/nodename'], removed: [] });
  t.is(await fsp.readlink(path.join(dir, 'interfaces/pub')), '../../local-interfaces/10.0.0.1');
});
