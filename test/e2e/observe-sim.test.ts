/**
 * Issue 3 acceptance: a guest built and started through the simulated host's
 * shims is observed with every field the manifest can express; hand edits
 * under etc/vservers and live vlimit / vattribute / vuname changes show up.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { runShim } from '../helpers/run-shim.js';
import type { GuestSpec } from '../../src/model/guest.js';
import { renderConfigFiles, writeConfigFiles } from '../../src/providers/vserver/config-write.js';
import { simHostPaths } from '../../src/providers/vserver/host-paths.js';
import { observeHost } from '../../src/providers/vserver/observe.js';
import { cli, tempDir } from '../helpers/e2e.js';

const spec: GuestSpec = {
  name: 'full',
  context: 1234,
  nodename: 'full.example.org',
  domainname: 'example.org',
  runState: 'running',
  startOnBoot: true,
  initStyle: 'plain',
  interfaces: [
    { name: '0', device: 'eth0', address: '192.0.2.34', family: 4, prefix: 24 },
    { name: '1', device: 'eth0', address: '2001:db8::34', family: 6, prefix: 64, label: 'v6' },
    { name: '2', device: null, address: '10.0.0.34', family: 4, prefix: 32 },
  ],
  flags: ['~fakeinit', 'virt_mem'],
  bcaps: ['NET_ADMIN', '~SYS_CHROOT'],
  ccaps: ['secure_mount'],
  limits: { nproc: { soft: 100, hard: 200 }, nofile: { soft: 'inf', hard: 'inf' }, dentry: { soft: 5000, hard: 5000 } },
  cgroup: { memoryLimit: 536870912, cpuShares: 512, cpusetCpus: '0-1' },
  disk: { directory: '/vservers/full', spaceKiB: 1048576, inodes: 100000, reservedPercent: 5 },
  fstab: [
    { device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 },
    { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=64m,mode=1777', dump: 0, pass: 0 },
  ],
};

test('a guest built and started through the shims is observed with every field; hand and live changes show up', async (t) => {
  const dir = path.join(await tempDir('observe'), 'host');
  t.is((await cli(['sim', 'init', dir, '--name', 'h1'])).exitCode, 0);
  const paths = simHostPaths(dir);
  const bin = (tool: string, args: string[]) => runShim(path.join(dir, 'bin', tool), args); // result at exit: a started guest's init keeps the pipes

  const built = await bin('vserver', ['full', 'build', '-m', 'skeleton', '--context', '1234', '--hostname', 'full.example.org', '--initstyle', 'plain']);
  t.is(built.exitCode, 0, built.stderr);
  await writeConfigFiles(path.join(paths.etcVservers, 'full'), renderConfigFiles(spec));
  const started = await bin('vserver', ['full', 'start']);
  t.is(started.exitCode, 0, started.stderr);

  let host = await observeHost(paths, { hostName: 'h1' });
  const g = host.guests.find((x) => x.spec.name === 'full');
  if (!g) return t.fail('guest not observed');
  t.deepEqual(g.spec, spec);
  t.true(g.running);
  t.is(g.runtime?.xid, 1234);
  t.deepEqual(g.runtime?.limits.nproc, { soft: 100, hard: 200 });
  t.is(g.runtime?.nodename, 'full.example.org');
  t.is(g.runtime?.domainname, 'example.org');
  t.deepEqual(g.runtime?.addresses.map((a) => `${a.address}/${a.prefix}`).sort(), ['10.0.0.34/32', '192.0.2.34/24', '2001:db8::34/64']);
  // fakeinit negated in cflags: the INFO_INIT bit (0x10) is clear; virt_mem (0x10000) set
  const flags = BigInt('0x' + g.runtime!.flagsHex);
  t.is(flags & 0x10n, 0n);
  t.is(flags & 0x10000n, 0x10000n);
  const digest = host.digest;

  // live changes through the real tools
  t.is((await bin('vlimit', ['--xid', '1234', '--nproc', '300', '-S', '--nproc', '250'])).exitCode, 0);
  t.is((await bin('vattribute', ['--xid', '1234', '--set', '--flag', 'sched_hard', '--ccap', '~secure_mount'])).exitCode, 0);
  t.is((await bin('vuname', ['--xid', '1234', '--set', '-t', 'nodename=changed'])).exitCode, 0);
  // a hand edit of the configuration
  await fsp.writeFile(path.join(paths.etcVservers, 'full', 'rlimits', 'nofile.hard'), '4096\n');

  host = await observeHost(paths, { hostName: 'h1' });
  const h = host.guests.find((x) => x.spec.name === 'full')!;
  t.deepEqual(h.runtime?.limits.nproc, { soft: 250, hard: 300 });
  t.is(BigInt('0x' + h.runtime!.flagsHex) & 0x100n, 0x100n);
  t.is(BigInt('0x' + h.runtime!.ccapsHex) & 0x10000n, 0n);
  t.is(h.runtime?.nodename, 'changed');
  t.is(h.spec.limits.nofile?.hard, 4096);
  t.deepEqual(h.spec.limits.nproc, spec.limits.nproc, 'the configuration did not change with the live vlimit');
  t.not(host.digest, digest);
});
