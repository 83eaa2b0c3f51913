import test from 'ava';
import type { VsError } from '../../../src/errors.js';
import syncFs from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../src/providers/command-runner.js';
import { simHostPaths, type HostPaths } from '../../../src/providers/vserver/host-paths.js';
import { observeHost } from '../../../src/providers/vserver/observe.js';
import { ETC, LIVE } from './fixtures.js';
import { seedSimHost } from '../../../src/sim/seed.js';
import { baseSpec } from '../../helpers/state-builder.js';

/** A runner that fails the test when the observer spawns anything. */
const forbiddenRunner = (t: { fail: (m: string) => void }): CommandRunner => ({
  async run(argv) {
    t.fail(`unexpected process: ${argv.join(' ')}`);
    return { exitCode: 1, stdout: '', stderr: '', durationMs: 0 };
  },
});

/** Records calls and answers `vuname -g --xid X context` from a table. */
function vunameRunner(names: Record<number, string | null>) {
  const calls: string[][] = [];
  const runner: CommandRunner = {
    async run(argv) {
      calls.push(argv);
      const xid = Number(argv[argv.indexOf('--xid') + 1]);
      const name = names[xid];
      return name == null ? { exitCode: 1, stdout: '', stderr: 'vuname: vc_get_vhi_name(): No such process\n', durationMs: 1 } : { exitCode: 0, stdout: name + '\n', stderr: '', durationMs: 1 };
    },
  };
  return { runner, calls };
}

async function write(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

async function guestDir(paths: HostPaths, name: string, files: Record<string, string>, runLink = true): Promise<void> {
  const dir = path.join(paths.etcVservers, name);
  for (const [rel, content] of Object.entries(files)) await write(path.join(dir, rel), content);
  if (runLink) await fs.symlink(`/var/run/vservers/${name}`, path.join(dir, 'run'));
}

/** The LIVE `guest` phase /proc (contexts 42, 43, 1001) + config dirs for several situations. */
async function makeHost(): Promise<HostPaths> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-obs-'));
  const paths = simHostPaths(root);
  await fs.cp(path.join(LIVE, 'guest/proc'), paths.proc, { recursive: true });
  await fs.cp(path.join(ETC, 'guest1'), path.join(paths.etcVservers, 'guest1'), { recursive: true, verbatimSymlinks: true });
  await write(path.join(paths.etcVservers, 'guest1', '.vsgitops'), '{"owner":"vsgitops"}\n');
  await write(path.join(paths.runDir, 'guest1'), '1001\n');
  await guestDir(paths, 'quiet', { context: '1002\n', 'uts/nodename': 'quiet\n' });
  await guestDir(paths, 'stale', { context: '1005\n', 'uts/nodename': 'stale\n' });
  await write(path.join(paths.runDir, 'stale'), '1005\n');
  await write(path.join(paths.etcVservers, '.defaults/context.next'), '40001\n');
  return paths;
}

test('running, stopped, stale run file, unmanaged contexts, managed marker', async (t) => {
  const paths = await makeHost();
  const host = await observeHost(paths, { hostName: 'h1', runner: forbiddenRunner(t) });
  t.is(host.hostName, 'h1');
  t.is(host.vciVersion, '0002:0308');
  t.deepEqual(host.guests.map((g) => [g.spec.name, g.running, g.staleRunFile, g.managed, g.spec.runState]), [
    ['guest1', true, false, true, 'running'],
    ['quiet', false, false, false, 'stopped'],
    ['stale', false, true, false, 'stopped'],
  ]);
  const g1 = host.guests[0]!;
  t.deepEqual(g1.runtime, {
    xid: 1001,
    tasks: 2,
    initPid: 370,
    flagsHex: '0000001402020010',
    bcapsHex: 'ffffffffb44c04ff',
    ccapsHex: '0000000000004101',
    limits: {
      nproc: { soft: 120, hard: 150 },
      nofile: { soft: 'inf', hard: 'inf' },
      locks: { soft: 'inf', hard: 'inf' },
      msgqueue: { soft: 'inf', hard: 'inf' },
      nsock: { soft: 'inf', hard: 'inf' },
      openfd: { soft: 'inf', hard: 'inf' },
      shmem: { soft: 'inf', hard: 'inf' },
      dentry: { soft: 'inf', hard: 'inf' },
    },
    nodename: 'guest1',
    domainname: 'example.org',
    addresses: [
      { address: '192.168.77.11', prefix: 24, family: 4 },
      { address: '10.77.0.11', prefix: 32, family: 4 },
    ],
  });
  t.is(g1.spec.limits.nproc?.hard, 200, 'spec is the configuration, runtime the kernel');
  t.regex(g1.configDigest, /^[0-9a-f]{64}$/);
  t.is(host.guests[1]!.runtime, undefined);
  t.regex(host.guests[2]!.problems![0]!.message, /stale run file: context 1005 is not running/);
  t.deepEqual(host.unmanagedContexts, [
    { xid: 42, tasks: 1 },
    { xid: 43, tasks: 1 },
  ]);
  t.is(host.problems, undefined);
});

test('digests: stable across runs, config digest follows config edits, task counts do not move the host digest', async (t) => {
  const paths = await makeHost();
  const a = await observeHost(paths, { hostName: 'h' });
  const b = await observeHost(paths, { hostName: 'h' });
  t.is(a.digest, b.digest);
  t.deepEqual(a.guests.map((g) => g.configDigest), b.guests.map((g) => g.configDigest));

  const status = path.join(paths.proc, 'virtual/1001/status');
  await fs.writeFile(status, (await fs.readFile(status, 'utf8')).replace('Tasks:\t2', 'Tasks:\t7'));
  const c = await observeHost(paths, { hostName: 'h' });
  t.is(c.guests[0]!.runtime!.tasks, 7);
  t.is(c.digest, a.digest);

  await fs.writeFile(path.join(paths.etcVservers, 'guest1/rlimits/nproc'), '300\n');
  const d = await observeHost(paths, { hostName: 'h' });
  t.not(d.guests[0]!.configDigest, a.guests[0]!.configDigest);
  t.is(d.guests[1]!.configDigest, a.guests[1]!.configDigest);
  t.not(d.digest, a.digest);

  // a live vlimit shows up in the runtime and the host digest
  const limit = path.join(paths.proc, 'virtual/1001/limit');
  await fs.writeFile(limit, (await fs.readFile(limit, 'utf8')).replace('     120/     150', '     100/     200'));
  const e = await observeHost(paths, { hostName: 'h' });
  t.deepEqual(e.guests[0]!.runtime!.limits.nproc, { soft: 100, hard: 200 });
  t.not(e.digest, d.digest);
});

const ambiguous: [string, string | null, boolean][] = [
  ['context name is this config dir → running', 'SELF', true],
  ['context name is another dir → stale', '/etc/vservers/other', false],
  ['vuname fails → stale', null, false],
];
for (const [name, answer, running] of ambiguous) {
  test(`run file xid differs from the context file: vuname decides (${name})`, async (t) => {
    const paths = await makeHost();
    await guestDir(paths, 'moved', { context: '2000\n' });
    await write(path.join(paths.runDir, 'moved'), '43\n');
    const { runner, calls } = vunameRunner({ 43: answer === 'SELF' ? path.join(paths.etcVservers, 'moved') : answer });
    const host = await observeHost(paths, { hostName: 'h', runner });
    t.deepEqual(calls, [[path.join(paths.binDir!, 'vuname'), '-g', '--xid', '43', 'context']]);
    const g = host.guests.find((x) => x.spec.name === 'moved')!;
    t.is(g.running, running);
    t.is(g.staleRunFile, !running);
    t.is(g.runtime?.xid, running ? 43 : undefined);
    t.is(host.unmanagedContexts.some((c) => c.xid === 43), !running);
    if (answer === '/etc/vservers/other') t.deepEqual(host.unmanagedContexts.find((c) => c.xid === 43), { xid: 43, tasks: 1, contextName: answer });
  });
}

test('two guests claim one xid: one vuname call, only the named one runs', async (t) => {
  const paths = await makeHost();
  await guestDir(paths, 'twin', { context: '1001\n' });
  await write(path.join(paths.runDir, 'twin'), '1001\n');
  const { runner, calls } = vunameRunner({ 1001: path.join(paths.etcVservers, 'guest1') });
  const host = await observeHost(paths, { hostName: 'h', runner });
  t.is(calls.length, 1);
  const byName = Object.fromEntries(host.guests.map((g) => [g.spec.name, g]));
  t.true(byName.guest1!.running);
  t.is(byName.guest1!.runtime!.contextName, path.join(paths.etcVservers, 'guest1'));
  t.false(byName.twin!.running);
  t.true(byName.twin!.staleRunFile);
});

test('one unreadable config dir is reported, the others are observed', async (t) => {
  const paths = await makeHost();
  const broken = path.join(paths.etcVservers, 'quiet');
  const failingFs = {
    ...syncFs,
    readdirSync: ((p: string, opts?: unknown) => {
      if (p === broken) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return (syncFs.readdirSync as (p: string, o?: unknown) => unknown)(p, opts);
    }) as typeof syncFs.readdirSync,
  };
  const host = await observeHost(paths, { hostName: 'h', fs: failingFs });
  const quiet = host.guests.find((g) => g.spec.name === 'quiet')!;
  t.regex(quiet.problems![0]!.message, /EACCES/);
  t.true(host.guests.find((g) => g.spec.name === 'guest1')!.running);
});

test('a host without /proc/virtual is not a VServer host: observe fails naming the missing file (issue 9, defect 4)', async (t) => {
  const paths = await makeHost();
  await fs.rm(paths.proc, { recursive: true });
  const err = await t.throwsAsync(observeHost(paths, { hostName: 'h', runner: forbiddenRunner(t) }));
  t.is((err as VsError).code, 'NOT_VSERVER_HOST');
  t.regex(err!.message, /proc\/virtual\/info does not exist: this is not a Linux-VServer host/);
});

test('2,000 generated guests are observed without spawning any process', async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-obs-many-'));
  const paths = simHostPaths(root);
  await write(path.join(paths.proc, 'virtual/info'), 'VCIVersion:\t0002:0308\nVCISyscall:\t236\nVCIKernel:\t13001f11\n');
  const status = await fs.readFile(path.join(LIVE, 'guest/proc/virtual/1001/status'), 'utf8');
  const limit = await fs.readFile(path.join(LIVE, 'guest/proc/virtual/1001/limit'), 'utf8');
  const N = 2000;
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const xid = 2000 + i;
    const name = `g${String(i).padStart(4, '0')}`;
    jobs.push(
      (async () => {
        await guestDir(paths, name, { context: `${xid}\n`, 'uts/nodename': `${name}\n`, 'interfaces/0/ip': `10.${i >> 8}.${i & 255}.1\n`, 'interfaces/0/nodev': '', 'interfaces/0/prefix': '32\n', 'rlimits/nproc': '100\n' });
        if (i % 2 === 0) {
          await write(path.join(paths.runDir, name), `${xid}\n`);
          await write(path.join(paths.proc, `virtual/${xid}/status`), status);
          await write(path.join(paths.proc, `virtual/${xid}/limit`), limit);
        }
      })(),
    );
  }
  await Promise.all(jobs);
  const host = await observeHost(paths, { hostName: 'many', runner: forbiddenRunner(t) });
  t.is(host.guests.length, N);
  t.is(host.guests.filter((g) => g.running).length, N / 2);
  t.is(host.unmanagedContexts.length, 0);
  t.true(host.guests.every((g) => g.problems === undefined));
});

const runForms: [string, (paths: HostPaths, dir: string) => Promise<void>][] = [
  ['absolute link inside the simulated root', async (p, dir) => fs.symlink(path.join(p.runDir, 'guest1'), path.join(dir, 'run'))],
  ['relative link', async (p, dir) => fs.symlink(path.relative(dir, path.join(p.runDir, 'guest1')), path.join(dir, 'run'))],
  ['plain file', async (_p, dir) => fs.writeFile(path.join(dir, 'run'), '1001\n')],
];
for (const [name, make] of runForms) {
  test(`run file forms: ${name}`, async (t) => {
    const paths = await makeHost();
    const dir = path.join(paths.etcVservers, 'guest1');
    await fs.unlink(path.join(dir, 'run'));
    await make(paths, dir);
    const host = await observeHost(paths, { hostName: 'h', runner: forbiddenRunner(t) });
    t.true(host.guests.find((g) => g.spec.name === 'guest1')!.running);
  });
}

test('live cgroup values of a running guest: the simulated /dev/cgroup, then a per-subsystem /sys/fs/cgroup', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-observe-cg-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const web = baseSpec('web', 1001);
  web.cgroup = { cpuShares: 512, memoryLimit: 1073741824, cpusetCpus: '0-1' };
  const db = baseSpec('db', 1002);
  db.cgroup = { cpuShares: 256 };
  seedSimHost(dir, [web, db]);
  const paths = simHostPaths(dir);
  await fs.writeFile(path.join(paths.etcVservers, 'db/nocgroup'), '');
  const cgroups = async () => Object.fromEntries((await observeHost(paths, { hostName: 'h', runner: forbiddenRunner(t) })).guests.map((g) => [g.spec.name, g.runtime?.cgroup]));
  t.deepEqual(await cgroups(), { db: undefined, web: { memoryLimit: 1073741824, cpuShares: 512, cpuQuotaUs: -1, cpuPeriodUs: 100000, cpusetCpus: '0-1', cpusetMems: '0' } });
  await write(path.join(dir, 'sys/fs/cgroup/cpu/web/cpu.shares'), '300\n');
  await write(path.join(dir, 'sys/fs/cgroup/cpuset/web/cpuset.cpus'), '0\n');
  t.deepEqual(await cgroups(), { db: undefined, web: { cpuShares: 300, cpusetCpus: '0' } });
});
