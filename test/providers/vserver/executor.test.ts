/**
 * The executor against a simulated host (real shims, in-process pipeline):
 * live changes that remove a setting must take effect on the running guest,
 * as the plan says ("live"), not only in its configuration.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { runShim } from '../../helpers/run-shim.js';
import { silentLogger } from '../../../src/log.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import { VServerExecutor } from '../../../src/providers/vserver/executor.js';
import type { PlannedAction } from '../../../src/reconciler/types.js';
import { baseSpec } from '../../helpers/state-builder.js';
import { computePlan, executePlan } from '../../../src/pipeline/pipeline.js';
import { inProcessHost, tempDir } from '../../helpers/e2e.js';
import type { CommandRunner } from '../../../src/providers/command-runner.js';
import { attributeExpectations, liveMismatches } from '../../../src/providers/vserver/live-verify.js';
import { webManifest } from '../../helpers/manifests.js';

const base = (extra: string): string => webManifest(extra);

test('dropping a disk limit or cgroup value takes effect live; moving a disk limit drops the old one', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('executor');
  await fsp.mkdir(path.join(sim, 'etc/vservers/.defaults/cgroup'), { recursive: true });
  await fsp.writeFile(path.join(sim, 'etc/vservers/.defaults/cgroup/memory.limit_in_bytes'), '4294967296\n');
  const converge = async (extra: string) => {
    await fsp.writeFile(path.join(manifests, 'web.yaml'), base(extra));
    const computed = await computePlan(opts);
    const cs = await executePlan(opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    t.deepEqual((await computePlan(opts)).plan.actions, [], 'converged');
    return computed.plan;
  };
  const dlimit = async (d: string) => (await execa(path.join(sim, 'bin/vdlimit'), ['--xid', '1001', d], { reject: false })).exitCode;
  const cgroup = (f: string) => fsp.readFile(path.join(sim, 'dev/cgroup/web', f), 'utf8');

  await converge('  memory: {limit: 1Gi}\n  cpu: {shares: 512, cpus: "0"}\n  disk: {space: 1Gi, inodes: 1000, directory: /vservers/web}\n');
  t.is(await dlimit('/vservers/web'), 0);
  t.is(await cgroup('cpu.shares'), '512\n');

  const moved = await converge('  memory: {limit: 1Gi}\n  cpu: {cpus: "0"}\n  disk: {space: 1Gi, inodes: 1000, directory: /vservers/web/data}\n');
  t.deepEqual(moved.actions.map((a) => [a.kind, a.restart]), [['update', false]]);
  t.is(await cgroup('cpu.shares'), '1024\n', 'back to the kernel default');
  t.is(await dlimit('/vservers/web'), 1, 'the old directory has no limit any more');
  t.is(await dlimit('/vservers/web/data'), 0);

  await converge('  cpu: {cpus: "0"}\n');
  t.is(await cgroup('memory.limit_in_bytes'), '4294967296\n', "back to the host's .defaults/cgroup value, as after a restart");
  t.is(await dlimit('/vservers/web/data'), 1);

  // a guest whose cgroup has its own name (cgroup/name, read by util-vserver at start)
  await fsp.writeFile(path.join(sim, 'etc/vservers/web/cgroup/name'), 'webcg\n');
  t.is((await runShim(path.join(sim, 'bin/vserver'), ['web', 'restart'])).exitCode, 0);
  await converge('  cpu: {cpus: "0", shares: 300}\n');
  t.is(await fsp.readFile(path.join(sim, 'dev/cgroup/webcg/cpu.shares'), 'utf8'), '300\n');
  // a live value changed by hand is runtime drift, healed live
  await fsp.writeFile(path.join(sim, 'dev/cgroup/webcg/cpu.shares'), '999\n');
  const healed = await converge('  cpu: {cpus: "0", shares: 300}\n');
  t.deepEqual(healed.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.before, c.after, c.effect, c.cause])]), [['update', false, [['runtime.cgroup.cpuShares', 999, 300, 'live', 'runtime-drift']]]]);
  t.is(await fsp.readFile(path.join(sim, 'dev/cgroup/webcg/cpu.shares'), 'utf8'), '300\n');
  // only changed values are written: a cgroup file that cannot be written (here a directory in its
  // place) does not block a change of another value
  await fsp.rm(path.join(sim, 'dev/cgroup/webcg/cpuset.cpus'), { force: true });
  await fsp.mkdir(path.join(sim, 'dev/cgroup/webcg/cpuset.cpus'));
  const other = await computePlan(opts);
  await fsp.writeFile(path.join(manifests, 'web.yaml'), base('  cpu: {cpus: "0", shares: 400}\n'));
  const only = await computePlan(opts);
  t.not(other.plan.desiredDigest, only.plan.desiredDigest);
  const cs = await executePlan(opts, only, only.plan);
  t.true(cs.ok, JSON.stringify(cs.entries));
  t.is(await fsp.readFile(path.join(sim, 'dev/cgroup/webcg/cpu.shares'), 'utf8'), '400\n');
  await fsp.rmdir(path.join(sim, 'dev/cgroup/webcg/cpuset.cpus'));
  await fsp.writeFile(path.join(sim, 'dev/cgroup/webcg/cpuset.cpus'), '0\n');
  await converge('  cpu: {cpus: "0", shares: 300}\n');

  // nocgroup (set by hand): util-vserver creates no cgroup. A cgroup change is written to the
  // configuration, nothing is written live, and the plan converges (it did not: the values read as unset)
  await fsp.writeFile(path.join(sim, 'etc/vservers/web/nocgroup'), '');
  t.is((await runShim(path.join(sim, 'bin/vserver'), ['web', 'restart'])).exitCode, 0);
  t.false(await fsp.stat(path.join(sim, 'dev/cgroup/webcg')).then(() => true, () => false), 'no cgroup with nocgroup');
  const off = await converge('  cpu: {cpus: "0", shares: 400}\n');
  t.deepEqual(off.actions.map((a) => [a.kind, a.changes.map((c) => c.path)]), [['update', ['cgroup.cpuShares']]]);
  t.is(await fsp.readFile(path.join(sim, 'etc/vservers/web/cgroup/cpu.shares'), 'utf8'), '400\n');
  t.false(await fsp.stat(path.join(sim, 'dev/cgroup/webcg')).then(() => true, () => false), 'no cgroup created by hand');
});

test('live cgroup values go to the per-subsystem hierarchy under /sys/fs/cgroup, with base', async (t) => {
  const root = await tempDir('executor-cgroup');
  const paths = simHostPaths(root);
  const ss = (sub: string, ...rest: string[]) => path.join(root, 'sys/fs/cgroup', sub, 'vs', ...rest);
  for (const sub of ['memory', 'cpu', 'cpuset']) await fsp.mkdir(ss(sub, 'web'), { recursive: true });
  await fsp.writeFile(ss('cpuset', 'cpuset.cpus'), '0-3\n'); // the parent's list
  await fsp.mkdir(path.join(paths.etcVservers, '.defaults/cgroup'), { recursive: true });
  await fsp.writeFile(path.join(paths.etcVservers, '.defaults/cgroup/base'), 'vs\n');
  await fsp.mkdir(path.join(paths.etcVservers, 'web'), { recursive: true });
  // a running context 1001 (the live capture's files): the executor re-reads it to verify
  const live = fileURLToPath(new URL('../../../../test/fixtures/live/by-phase/ctx/proc/virtual/', import.meta.url));
  await fsp.cp(path.join(live, '42'), path.join(paths.proc, 'virtual/1001'), { recursive: true });
  await fsp.cp(path.join(live, 'info'), path.join(paths.proc, 'virtual/info'));
  const ran: string[][] = [];
  const exec = new VServerExecutor({ paths, hostName: 'host-a', runner: { run: async (argv) => { ran.push(argv); throw new Error('no command expected'); } } });
  const before = baseSpec('web', 1001);
  before.cgroup = { memoryLimit: 1073741824, cpuShares: 512, cpusetCpus: '0-1' };
  const after = baseSpec('web', 1001);
  after.cgroup = { memoryLimit: 2147483648, cpuShares: 256 };
  const action: PlannedAction = {
    kind: 'update', guest: 'web', reason: 'test', restart: false, destructive: false, before, after, runningXid: 1001, driftMode: 'enforce',
    changes: (['memoryLimit', 'cpuShares', 'cpusetCpus'] as const).map((k) => ({ path: `cgroup.${k}`, before: before.cgroup[k], after: after.cgroup[k], effect: 'live' as const, cause: 'pending' as const })),
  };
  t.is(await exec.execute(action, { log: silentLogger(), commands: [] }), 'updated');
  t.deepEqual(ran, []);
  t.is(await fsp.readFile(ss('memory', 'web', 'memory.limit_in_bytes'), 'utf8'), '2147483648\n');
  t.is(await fsp.readFile(ss('cpu', 'web', 'cpu.shares'), 'utf8'), '256\n');
  t.is(await fsp.readFile(ss('cpuset', 'web', 'cpuset.cpus'), 'utf8'), '0-3\n', "a dropped cpuset list goes back to the parent's");
  t.false(await fsp.access(path.join(root, 'dev/cgroup')).then(() => true, () => false), 'nothing under /dev/cgroup');
});

test('cgroupKeysChanged: only the cgroup values a plan changes are written live', async (t) => {
  const { cgroupKeysChanged } = await import('../../../src/providers/vserver/executor.js');
  t.deepEqual([...cgroupKeysChanged([{ path: 'cgroup.cpuShares' }, { path: 'limits.nproc.hard' }])], ['cpuShares']);
  t.deepEqual([...cgroupKeysChanged([{ path: 'runtime.cgroup.memoryLimit' }, { path: 'cgroup.cpusetCpus' }])].sort(), ['cpusetCpus', 'memoryLimit']);
  t.is(cgroupKeysChanged([{ path: 'cgroup' }]).size, 6);
  t.is(cgroupKeysChanged([{ path: 'nodename' }]).size, 0);
});

/** A runner that records, at each `vserver … stop|start`, what the guest's configuration said then. */
function recordingRunner(inner: CommandRunner, cfgDir: string, seen: string[]): CommandRunner {
  return {
    async run(argv, o) {
      const verb = argv[argv.length - 1];
      if (path.basename(argv[0]!) === 'vserver' && (verb === 'stop' || verb === 'start')) {
        const ip = await fsp.readFile(path.join(cfgDir, 'interfaces/0/ip'), 'utf8').catch(() => '-');
        const style = await fsp.readFile(path.join(cfgDir, 'apps/init/style'), 'utf8').catch(() => '-');
        seen.push(`${verb} ip=${ip.trim()} style=${style.trim()}`);
      }
      return inner.run(argv, o);
    },
  };
}

test('restart-type update: vserver stop runs with the old configuration, start with the new (util-vserver stop removes the addresses it finds: scripts/vserver.functions disableInterfaces)', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('executor-order');
  const seen: string[] = [];
  const run = async (iface: string, style: string) => {
    await fsp.writeFile(path.join(manifests, 'web.yaml'), base(`  interfaces: [{device: eth0, address: ${iface}}]\n`).replace('style: plain', `style: ${style}`));
    const o = { ...opts, runner: recordingRunner(opts.runner, path.join(sim, 'etc/vservers/web'), seen) };
    const computed = await computePlan(o);
    const cs = await executePlan(o, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    return computed.plan;
  };
  await run('192.0.2.10/24', 'plain');
  t.deepEqual(seen, ['start ip=192.0.2.10 style=plain']);
  seen.length = 0;
  const p = await run('192.0.2.11/24', 'sysv');
  t.deepEqual(p.actions.map((a) => [a.kind, a.restart]), [['update', true]]);
  t.deepEqual(seen, ['stop ip=192.0.2.10 style=plain', 'start ip=192.0.2.11 style=sysv']);
});

test('a stop action stops with the configuration the guest runs with, then writes the new one', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('executor-stop');
  const seen: string[] = [];
  const o = { ...opts, runner: recordingRunner(opts.runner, path.join(sim, 'etc/vservers/web'), seen) };
  await fsp.writeFile(path.join(manifests, 'web.yaml'), base('  interfaces: [{device: eth0, address: 192.0.2.10/24}]\n'));
  let c = await computePlan(o);
  t.true((await executePlan(o, c, c.plan)).ok);
  seen.length = 0;
  await fsp.writeFile(path.join(manifests, 'web.yaml'), base('  state: stopped\n  interfaces: [{device: eth0, address: 192.0.2.20/24}]\n').replace('style: plain', 'style: sysv'));
  c = await computePlan(o);
  t.deepEqual(c.plan.actions.map((a) => a.kind), ['stop', 'update']);
  t.true((await executePlan(o, c, c.plan)).ok);
  t.deepEqual(seen, ['stop ip=192.0.2.10 style=plain']);
  t.is((await fsp.readFile(path.join(sim, 'etc/vservers/web/interfaces/0/ip'), 'utf8')).trim(), '192.0.2.20');
  t.deepEqual((await computePlan(o)).plan.actions, [], 'converged');
});

test('a live limit change the kernel refused (vlimit exits 0, reference §10 LIVE) is reported as failed, not applied', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('executor-verify');
  await fsp.writeFile(path.join(manifests, 'web.yaml'), base('  limits: {nproc: 100}\n'));
  let c = await computePlan(opts);
  t.true((await executePlan(opts, c, c.plan)).ok);
  // vlimit "succeeds" without changing anything, like the real tool when the kernel says EINVAL/ESRCH
  const swallow: CommandRunner = {
    async run(argv, o) {
      if (path.basename(argv[0]!) === 'vlimit') return { exitCode: 0, stdout: '', stderr: 'vc_set_rlimit(): Invalid argument\n', durationMs: 1 };
      return opts.runner.run(argv, o);
    },
  };
  await fsp.writeFile(path.join(manifests, 'web.yaml'), base('  limits: {nproc: 200}\n'));
  const o = { ...opts, runner: swallow };
  c = await computePlan(o);
  t.deepEqual(c.plan.actions.map((a) => [a.kind, a.restart]), [['update', false]]);
  const cs = await executePlan(o, c, c.plan);
  t.false(cs.ok);
  const e = cs.entries.find((x) => x.guest === 'web')!;
  t.is(e.outcome, 'failed');
  t.is(e.error?.code, 'LIVE_CHANGE_NOT_APPLIED');
  t.regex(e.error!.message, /limits\.nproc\.(soft|hard) 200 \(kernel: 100\)/);
  // with the real tool the change is made, verified, and the plan converges
  c = await computePlan(opts);
  t.true((await executePlan(opts, c, c.plan)).ok);
  t.deepEqual((await computePlan(opts)).plan.actions, []);
  t.truthy(sim);
});

test('liveMismatches: flags, capabilities and UTS names are checked against the running context', (t) => {
  const rt = { xid: 1001, tasks: 1, initPid: 1, flagsHex: '0000000000000000', bcapsHex: '0000000000000400', ccapsHex: '0000000000000000', limits: {}, nodename: 'old', domainname: '(none)', addresses: [] };
  const exp = { limits: {}, attributes: attributeExpectations({ flags: ['virt_mem'], bcaps: ['~NET_BIND_SERVICE'], ccaps: [] }), uts: { nodename: 'new', domainname: '(none)' } };
  const out = liveMismatches(rt, exp);
  t.is(out.length, 3, out.join('; '));
  t.true(out.some((m) => m.startsWith('nodename new (kernel: old)')));
  t.true(out.some((m) => /^flags set \^\d+ \(kernel: clear\)$/.test(m)));
  t.true(out.some((m) => m === 'bcaps clear ^10 (kernel: set)'));
  t.deepEqual(liveMismatches({ ...rt, nodename: 'new', bcapsHex: '0', flagsHex: (exp.attributes[0]!.set).toString(16) }, exp), []);
});
