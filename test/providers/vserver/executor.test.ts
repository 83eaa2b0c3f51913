/**
 * The executor against a simulated host (real shims, in-process pipeline):
 * live changes that remove a setting must take effect on the running guest,
 * as the plan says ("live"), not only in its configuration.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { silentLogger } from '../../../src/log.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import { VServerExecutor } from '../../../src/providers/vserver/executor.js';
import type { PlannedAction } from '../../../src/reconciler/types.js';
import { baseSpec } from '../../helpers/state-builder.js';
import { computePlan, executePlan } from '../../../src/reconciler/pipeline.js';
import { inProcessHost, tempDir } from '../../helpers/e2e.js';

const base = (extra: string) => `apiVersion: vsgitops.io/v1
kind: VServer
metadata: {name: web}
spec:
  context: 1001
  hosts: {names: [host-a]}
  build: {method: skeleton}
  init: {style: plain}
${extra}`;

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
  t.is((await execa(path.join(sim, 'bin/vserver'), ['web', 'restart'], { reject: false })).exitCode, 0);
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
  t.is((await execa(path.join(sim, 'bin/vserver'), ['web', 'restart'], { reject: false })).exitCode, 0);
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
