import test from 'ava';
import { vattributeArgs, vdlimitRemoveArgs, vdlimitSetArgs, vlimitArgs, vserverBuildArgs, vserverDeleteArgs, vunameSetArgs } from '../../../src/providers/vserver/commands.js';
import type { GuestSpec } from '../../../src/model/guest.js';

const spec = (over: Partial<GuestSpec> = {}): GuestSpec => ({
  name: 'web1', context: 1001, nodename: 'web1.example.org', runState: 'running', startOnBoot: false, initStyle: 'plain',
  interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [], ...over,
});

test('build argv per method', (t) => {
  t.deepEqual(vserverBuildArgs(spec(), { method: 'skeleton' }),
    ['web1', 'build', '-m', 'skeleton', '--context', '1001', '--hostname', 'web1.example.org', '--initstyle', 'plain']);
  t.deepEqual(vserverBuildArgs(spec(), { method: 'debootstrap', distribution: 'bookworm', mirror: 'http://m/debian', extraArgs: ['--variant=minbase'] }).slice(10),
    ['--', '-d', 'bookworm', '-m', 'http://m/debian', '--', '--variant=minbase']);
  t.deepEqual(vserverBuildArgs(spec(), { method: 'template', templates: ['/a.tar', '/b.tar'] }).slice(10), ['--', '-t', '/a.tar', '-t', '/b.tar']);
  t.deepEqual(vserverBuildArgs(spec(), { method: 'clone', source: '/vservers/gold' }).slice(10), ['--', '--source', '/vservers/gold']);
});

test('hostile values stay single argv elements', (t) => {
  const args = vserverBuildArgs(spec({ nodename: 'x; rm -rf /' }), { method: 'skeleton' });
  t.true(args.includes('x; rm -rf /'));
  t.is(args.length, 10);
});

test('vlimit sets hard then soft like the LIVE transcript', (t) => {
  t.deepEqual(vlimitArgs(1001, { nproc: { soft: 120, hard: 150 }, nofile: { soft: 'inf', hard: 'inf' } }),
    ['--xid', '1001', '--nofile', 'inf', '-S', '--nofile', 'inf', '--nproc', '150', '-S', '--nproc', '120']);
});

test('vattribute, vuname and delete argv', (t) => {
  t.deepEqual(vattributeArgs(42, { flags: ['sched_hard', '~virt_mem'], bcaps: ['~SYS_ADMIN'], ccaps: ['set_utsname'] }),
    ['--xid', '42', '--set', '--bcap', '~SYS_ADMIN', '--ccap', 'set_utsname', '--flag', 'sched_hard', '--flag', '~virt_mem']);
  t.deepEqual(vunameSetArgs(1001, { domainname: 'example.org' }), ['--xid', '1001', '--set', '-t', 'domainname=example.org']);
  t.deepEqual(vserverDeleteArgs('web1'), ['--silent', 'web1', 'delete']);
});

test('vdlimit: a directory from the host that starts with "-" is never read as an option', (t) => {
  t.deepEqual(vdlimitSetArgs(1001, '-x', { spaceKiB: 10, inodes: 20, reservedPercent: 5 }),
    ['--xid', '1001', '--set', 'space_total=10', '--set', 'inodes_total=20', '--set', 'reserved=5', '--', '-x']);
  t.deepEqual(vdlimitRemoveArgs(1001, '--remove'), ['--xid', '1001', '--remove', '--', '--remove']);
});
