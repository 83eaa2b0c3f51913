/**
 * Issue 10 (iface): how interface extras, spec.network and nflags/ncapabilities
 * changes take effect. util-vserver reads interfaces/ only at start and stop
 * (UV scripts/vserver.functions _generateInterfaceOptions :697-713,
 * enableInterfaces :715-756, disableInterfaces :758-790, chbind options
 * :109-142): a change there on a running guest is a restart, except `scope`
 * (read :632, passed to nothing) and interfaces disabled before and after
 * (:708). nflags/ncapabilities change live (nattribute, reference §7.10).
 */
import test from 'ava';
import type { GuestSpec } from '../../src/model/guest.js';
import { planHost } from '../../src/reconciler/plan.js';
import type { ChangeEffect } from '../../src/reconciler/types.js';
import { host } from '../helpers/state-builder.js';
import { nattributeArgs } from '../../src/providers/vserver/commands.js';
import { liveNetTokens, netMismatches } from '../../src/providers/vserver/live-attributes.js';
import { liveNid } from '../../src/providers/vserver/executor.js';
import { renderPlanText } from '../../src/reconciler/render.js';

interface Case {
  title: string;
  base?: (s: GuestSpec) => void;
  change: (s: GuestSpec) => void;
  paths: [string, ChangeEffect][];
}

const i0 = (s: GuestSpec) => s.interfaces[0]!;
const CASES: Case[] = [
  { title: 'broadcast set (ip addr add … broadcast, :671)', change: (s) => { i0(s).broadcast = '192.0.2.127'; }, paths: [['interfaces[0].broadcast', 'restart']] },
  { title: 'peer set (:676)', change: (s) => { i0(s).peer = '192.0.2.1'; }, paths: [['interfaces[0].peer', 'restart']] },
  { title: 'tun set (tunctl --persist, :674)', change: (s) => { i0(s).tun = true; }, paths: [['interfaces[0].tun', 'restart']] },
  { title: 'nocsum set (:588)', change: (s) => { i0(s).nocsum = true; }, paths: [['interfaces[0].nocsum', 'restart']] },
  { title: 'vlandev set (:653)', change: (s) => { i0(s).vlandev = true; }, paths: [['interfaces[0].vlandev', 'restart']] },
  { title: 'mac set (used only by an indirect interface, which generates its own: :684)', change: (s) => { i0(s).mac = '02:00:00:00:00:01'; }, paths: [['interfaces[0].mac', 'config']] },
  { title: 'scope set (read, passed to nothing: :632)', change: (s) => { i0(s).scope = 'link'; }, paths: [['interfaces[0].scope', 'config']] },
  { title: 'interface disabled (its address goes at the restart, :708)', change: (s) => { i0(s).disabled = true; }, paths: [['interfaces[0].disabled', 'restart']] },
  { title: 'interface enabled again', base: (s) => { i0(s).disabled = true; }, change: (s) => { delete i0(s).disabled; }, paths: [['interfaces[0].disabled', 'restart']] },
  { title: 'a change inside a disabled interface', base: (s) => { i0(s).disabled = true; }, change: (s) => { i0(s).address = '192.0.2.200'; i0(s).broadcast = '192.0.2.255'; }, paths: [['interfaces[0].address', 'config'], ['interfaces[0].broadcast', 'config']] },
  { title: 'a disabled interface added', change: (s) => { s.interfaces.push({ name: '9', device: 'eth0', address: '192.0.2.99', family: 4, prefix: 24, disabled: true }); }, paths: [['interfaces[9]', 'config']] },
  { title: 'network.broadcast (chbind --bcast, :125-131)', change: (s) => { s.network = { broadcast: '192.0.2.255' }; }, paths: [['network.broadcast', 'restart']] },
  { title: 'network.loopback (chbind --lback)', change: (s) => { s.network = { loopback: '127.0.0.7' }; }, paths: [['network.loopback', 'restart']] },
  { title: 'network.vlandev', change: (s) => { s.network = { vlandev: true }; }, paths: [['network.vlandev', 'restart']] },
  { title: 'network.scope', change: (s) => { s.network = { scope: 'host' }; }, paths: [['network.scope', 'config']] },
  { title: 'nflags (nattribute --flag)', change: (s) => { s.nflags = ['persistent']; }, paths: [['nflags', 'live']] },
  { title: 'ncapabilities (nattribute --ncap)', change: (s) => { s.ncaps = ['tun_create']; }, paths: [['ncaps', 'live']] },
];

for (const c of CASES) {
  test(`running guest: ${c.title} → ${c.paths.map((p) => p[1]).join(', ')}`, (t) => {
    const p = planHost(host().guest('web', (g) => { if (c.base) g.all(c.base); g.desired(c.change); }).build());
    t.is(p.actions.length, 1);
    const a = p.actions[0]!;
    t.deepEqual(a.changes.map((x) => [x.path, x.effect]), c.paths);
    t.is(a.restart, c.paths.some(([, e]) => e === 'restart'));
  });
  test(`stopped guest: ${c.title} → config`, (t) => {
    const p = planHost(host().guest('web', (g) => { g.all({ runState: 'stopped' }); if (c.base) g.all(c.base); g.desired(c.change); }).build());
    t.deepEqual(p.actions[0]!.changes.map((x) => [x.path, x.effect]), c.paths.map(([path]) => [path, 'config']));
    t.false(p.actions[0]!.restart);
  });
}

test('network keys left out of the manifest are not managed: no change although the host has them', (t) => {
  const p = planHost(host().guest('web', (g) => g.observed((s) => { s.network = { broadcast: '192.0.2.255', vlandev: true }; })).build());
  t.deepEqual(p.actions, []);
});

test('network flag false against a host without the file: no change', (t) => {
  const p = planHost(host().guest('web', (g) => g.desired((s) => { s.network = { novlandev: false }; })).build());
  t.deepEqual(p.actions, []);
});

test('a disabled interface does not claim its address: another guest may be created with it', (t) => {
  const p = planHost(host()
    .guest('old', (g) => g.all((s) => { s.interfaces[0]!.address = '192.0.2.77'; s.interfaces[0]!.disabled = true; }))
    .guest('new', (g) => g.notOnHost().notInInventory().desired((s) => { s.interfaces[0]!.address = '192.0.2.77'; }), 1002)
    .build());
  t.is(p.actions.find((a) => a.guest === 'new')?.kind, 'create');
  t.deepEqual(p.blocked, []);
});

test('plan text names the interface extras in the manifest\'s words', (t) => {
  const p = planHost(host().guest('web', (g) => g.desired((s) => { i0(s).broadcast = '192.0.2.127'; s.interfaces.push({ name: '1', device: 'tun0', address: '10.0.0.1', family: 4, prefix: 32, peer: '10.0.0.2', tun: true }); })).build());
  const text = renderPlanText(p);
  t.regex(text, /interfaces\[0\]\.broadcast: \(none\) -> "192\.0\.2\.127"/);
  t.regex(text, /interfaces\[1\]: \(none\) -> tun0 10\.0\.0\.1\/32 peer 10\.0\.0\.2 tun/);
});

// ---- nattribute: pure argv and the items that bring a running context from before to after ----

test('nattributeArgs: --nid N --set, then --flag and --ncap items as given (UV src/nattribute.c)', (t) => {
  t.deepEqual(nattributeArgs(1001, { nflags: ['~persistent', 'lock'], ncaps: ['tun_create'] }), ['--nid', '1001', '--set', '--flag', '~persistent', '--flag', 'lock', '--ncap', 'tun_create']);
});

const spec = (nflags?: string[], ncaps?: string[]): GuestSpec => ({
  name: 'g', context: 1001, nodename: 'g', runState: 'running', startOnBoot: false, initStyle: 'sysv', interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
  ...(nflags ? { nflags } : {}), ...(ncaps ? { ncaps } : {}),
});
const NET_TOKENS: [string, GuestSpec, GuestSpec, { nflags: string[]; ncaps: string[] }][] = [
  ['a removed flag start does not set is cleared', spec(['persistent', 'lock']), spec(['lock']), { nflags: ['~persistent', 'lock'], ncaps: [] }],
  ['a removed negation of a start flag sets it again (hide_netif: chbind --secure)', spec(['~hide_netif']), spec([]), { nflags: ['hide_netif'], ncaps: [] }],
  ['a removed start flag stays (lback_remap: the kernel\'s NXF_INIT_SET)', spec(['lback_remap']), spec([]), { nflags: [], ncaps: [] }],
  ['ncaps: raw_icmp is what start sets', spec(undefined, ['tun_create', '~raw_icmp']), spec(undefined, []), { nflags: [], ncaps: ['~tun_create', 'raw_icmp'] }],
  ['unset after: not managed, nothing', spec(['persistent']), spec(), { nflags: [], ncaps: [] }],
];
for (const [title, before, after, want] of NET_TOKENS) {
  test(`liveNetTokens: ${title}`, (t) => t.deepEqual(liveNetTokens(before, after), want));
}

test('liveNid: ncontext, else the context id; none with noncontext or spaces/net without ncontext (vserver.functions:119-123, :700)', (t) => {
  t.is(liveNid(spec(), 1001), 1001);
  t.is(liveNid({ ...spec(), files: { ncontext: '2001\n' } }, 1001), 2001);
  t.is(liveNid({ ...spec(), files: { noncontext: '' } }, 1001), undefined);
  t.is(liveNid({ ...spec(), files: { 'spaces/net': '' } }, 1001), undefined);
});

test('netMismatches: what /proc/virtnet/N/status must show after nattribute; one-time state bits are never expected set', (t) => {
  const status = { useCnt: 3, tasks: 2, flags: 0x406000200n, ncaps: 0x100n };
  t.deepEqual(netMismatches(status, { nflags: ['hide_netif', '~lback_allow', 'state_setup'], ncaps: ['raw_icmp'] }), []);
  t.deepEqual(netMismatches(status, { nflags: ['persistent', '~hide_lback'], ncaps: ['tun_create', '~raw_icmp'] }), [
    'nflags clear ^26 (kernel: set)', 'nflags set ^38 (kernel: clear)', 'ncapabilities set ^0 (kernel: clear)', 'ncapabilities clear ^8 (kernel: set)',
  ]);
});
