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
import { execaRunner } from '../../../src/providers/command-runner.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import { computePlan, executePlan, type PipelineOptions } from '../../../src/reconciler/pipeline.js';
import { simInit } from '../../../src/sim/init.js';
import { tempDir } from '../../helpers/e2e.js';

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
  const dir = await tempDir('executor');
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  await fsp.mkdir(path.join(sim, 'etc/vservers/.defaults/cgroup'), { recursive: true });
  await fsp.writeFile(path.join(sim, 'etc/vservers/.defaults/cgroup/memory.limit_in_bytes'), '4294967296\n');
  const manifests = path.join(dir, 'm');
  await fsp.mkdir(manifests);
  const opts: PipelineOptions = {
    source: { kind: 'dir', dir: manifests },
    host: { paths: simHostPaths(sim), name: 'host-a', labels: {} },
    runner: execaRunner(),
    log: silentLogger(),
  };
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
});
