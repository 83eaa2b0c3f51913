/**
 * Issue 10 (iface): `vserver NAME start` brings addresses up as util-vserver's
 * enableInterfaces does with the interface extras (UV scripts/vserver.functions
 * _getInterfaceValue :511-527, _processSingleInterface :609-694,
 * _generateInterfaceOptions :697-713, disableInterfaces :758-790).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpHost, writeFiles } from './helpers.js';
import { readKernelSnapshot, type SimHost } from '../../src/sim/store.js';
import type { HostAddress, HostLink } from '../../src/sim/kernel-state.js';

const cfg = (h: SimHost, name: string) => path.join(h.paths.etcVservers, name);
// the simulator keeps its kernel state one file per context (simx): read it whole through its own reader
const kernel = (h: SimHost) => readKernelSnapshot(path.dirname(h.simDir)) as { hostAddresses: HostAddress[]; hostLinks?: HostLink[] };
const addrs = (h: SimHost) => kernel(h).hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix} brd ${a.bcast || '(none)'}${a.peer ? ` peer ${a.peer}` : ''}${a.label ? ` label ${a.label}` : ''}`).sort();

function guest(h: SimHost, name: string, xid: number, extra: Record<string, string>): void {
  const b = run(h, 'vserver', [name, 'build', '-m', 'skeleton', '--context', String(xid), '--hostname', name, '--initstyle', 'plain']);
  if (b.code !== 0) throw new Error(b.err);
  writeFiles(cfg(h, name), extra);
}

test('start honours bcast (own, interfaces/bcast fallback, IPv6 none), peer, disabled and nodev; /proc/virtnet shows interfaces/{bcast,lback}; stop removes them', (t) => {
  const h = tmpHost();
  guest(h, 'x', 1050, {
    'interfaces/bcast': '10.50.255.255\n', // chbind --bcast (:125-131) and every interface's fallback (:630)
    'interfaces/lback': '127.0.50.1\n',
    'interfaces/dev': 'eth0\n',
    'interfaces/prefix': '16\n',
    'interfaces/0/ip': '10.50.0.1\n', // broadcast from interfaces/bcast
    'interfaces/1/ip': '10.50.0.2\n',
    'interfaces/1/bcast': '10.50.0.255\n', // its own
    'interfaces/2/ip': '10.50.0.3\n',
    'interfaces/2/bcast': '10.50.9.255', // no final newline: read fails, the fallback wins (:522)
    'interfaces/3/ip': '10.50.0.4\n',
    'interfaces/3/disabled': '', // skipped (:708): not bound, not on the host
    'interfaces/4/ip': '10.50.0.5\n',
    'interfaces/4/nodev': '', // bound only
    'interfaces/5/ip': '2001:db8::50\n',
    'interfaces/5/prefix': '64\n', // IPv6: no broadcast (:672)
    'interfaces/6/ip': '10.51.0.1\n',
    'interfaces/6/prefix': '32\n',
    'interfaces/6/dev': 'tun50\n',
    'interfaces/6/peer': '10.51.0.2\n', // ip addr add … peer (:676)
    'interfaces/6/tun': '',
    'interfaces/6/nocsum': '',
  });
  const r = run(h, 'vserver', ['x', 'start']);
  t.is(r.code, 0, r.err);
  t.deepEqual(addrs(h), [
    'eth0 10.50.0.1/16 brd 10.50.255.255',
    'eth0 10.50.0.2/16 brd 10.50.0.255',
    'eth0 10.50.0.3/16 brd 10.50.255.255',
    'eth0 2001:db8::50/64 brd (none)',
    'tun50 10.51.0.1/32 brd 10.50.255.255 peer 10.51.0.2',
  ]);
  t.deepEqual(kernel(h).hostLinks, [{ dev: 'tun50', kind: 'tun', owner: 'x', nocsum: true, nid: 1050 }]);
  const info = fs.readFileSync(path.join(h.paths.proc, 'virtnet/1050/info'), 'utf8');
  t.regex(info, /^Bcast:\t10\.50\.255\.255$/m);
  t.regex(info, /^Lback:\t127\.0\.50\.1$/m);
  t.notRegex(info, /10\.50\.0\.4/, 'the disabled interface is not bound');
  t.regex(info, /10\.50\.0\.5/, 'the nodev interface is bound');
  t.is(run(h, 'vserver', ['x', 'stop']).code, 0);
  t.deepEqual(addrs(h), []);
  t.deepEqual(kernel(h).hostLinks, []);
});

test('VLAN devices: interfaces/N/vlandev, interfaces/vlandev unless novlandev (:653-664); a shared tap has no nid (:589)', (t) => {
  const h = tmpHost();
  guest(h, 'v', 1051, {
    'interfaces/vlandev': '',
    'interfaces/0/ip': '10.52.0.1\n',
    'interfaces/0/dev': 'eth0.100\n',
    'interfaces/0/prefix': '24\n',
    'interfaces/1/ip': '10.53.0.1\n',
    'interfaces/1/dev': 'eth1.7\n',
    'interfaces/1/prefix': '24\n',
    'interfaces/1/novlandev': '',
    'interfaces/2/ip': '10.54.0.1\n',
    'interfaces/2/dev': 'tap51\n',
    'interfaces/2/prefix': '30\n',
    'interfaces/2/tap': '',
    'interfaces/2/shared': '',
  });
  const r = run(h, 'vserver', ['v', 'start']);
  t.is(r.code, 0, r.err);
  t.deepEqual(kernel(h).hostLinks, [
    { dev: 'eth0.100', kind: 'vlan', owner: 'v', link: 'eth0', vlanId: 100 },
    { dev: 'tap51', kind: 'tap', owner: 'v' },
  ]);
  t.is(run(h, 'vserver', ['v', 'stop']).code, 0);
  t.deepEqual(kernel(h).hostLinks, []);
});

test('a vlanNNN device name with VLAN creation on fails the start (_getVLANInfo :558-571)', (t) => {
  const h = tmpHost();
  guest(h, 'w', 1052, { 'interfaces/0/ip': '10.55.0.1\n', 'interfaces/0/dev': 'vlan0100\n', 'interfaces/0/vlandev': '' });
  const r = run(h, 'vserver', ['w', 'start']);
  t.is(r.code, 1);
  t.regex(r.err, /creation of VLAN_PLUS_VID devices is not supported/);
});

test('nattribute --set on a running network context: masks like the kernel, one-time state bits only cleared; errors as UV src/nattribute.c', (t) => {
  const h = tmpHost();
  guest(h, 'n', 1053, { 'interfaces/0/ip': '10.56.0.1\n', 'interfaces/0/nodev': '' });
  t.is(run(h, 'vserver', ['n', 'start']).code, 0);
  const status = () => fs.readFileSync(path.join(h.paths.proc, 'virtnet/1053/status'), 'utf8');
  const flags = () => BigInt('0x' + /^Flags:\t([0-9a-f]+)$/m.exec(status())![1]!);
  const before = flags();
  t.is(before & (1n << 32n), 0n, 'STATE_SETUP was cleared at start');
  t.deepEqual(run(h, 'nattribute', ['--nid', '1053', '--set', '--flag', 'persistent,~hide_netif', '--flag', 'state_setup', '--ncap', 'tun_create']), { code: 0, out: '', err: '' });
  t.is(flags(), (before | (1n << 38n)) & ~0x2000000n, 'persistent set, hide_netif cleared, state_setup not set again');
  t.regex(status(), /^NCaps:\t0000000000000101$/m);
  t.is(run(h, 'nattribute', ['--nid', '1053', '--set', '--flag', '^38,~^34']).code, 0);
  t.is(flags() & (1n << 34n), 0n, 'state_admin can be cleared');
  t.deepEqual(run(h, 'nattribute', ['--nid', '1053', '--set', '--flag', 'bogus']), { code: 1, out: '', err: "Unknown flag 'bogus'\n" });
  t.deepEqual(run(h, 'nattribute', ['--nid', '1999', '--set', '--ncap', 'raw_icmp']), { code: 1, out: '', err: 'nattribute: vc_set_ncaps(): No such process\n' });
  t.regex(run(h, 'nattribute', ['--nid', '1053', '--get']).out, /^ncapabilities:\n {2}tun_create\n {2}raw_icmp\n\nnflags:\n/);
});
