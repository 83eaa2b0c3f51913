/**
 * Issue 9 acceptance, on a simulated host that behaves like the real one:
 * the guest's init keeps the stdout/stderr it inherited from `vserver start`
 * (reference §10 LIVE), `vserver stop` removes the addresses the configuration
 * names at stop time, and a command that truly hangs is bounded by its timeout.
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { cli, manifest, readText, simHostWithRepo } from '../helpers/e2e.js';
import { readKernelSnapshot } from '../../src/sim/store.js';

async function setup(name: string) {
  return simHostWithRepo(name);
}

interface Kernel {
  contexts: Record<string, { initProcess?: number; hostInitPid?: number }>;
  hostAddresses: { dev: string; ip: string; prefix: number }[];
}
const kernel = async (sim: string) => readKernelSnapshot(sim) as unknown as Kernel;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a guest whose init holds the inherited stdio is created, restarted and stopped by apply (each command returns at its exit)', async (t) => {
  const env = await setup('realhost-stdio');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }) });
  const created = await cli(['apply', ...env.src, '--yes']);
  t.is(created.exitCode, 0, created.stderr);
  const initPids = () => kernel(env.sim).then((k) => Object.values(k.contexts).map((c) => c.hostInitPid ?? c.initProcess ?? 0).filter((p) => p > 0));
  const first = await initPids();
  t.is(first.length, 1, 'the started guest has an init process holding the shim stdio');
  t.true(alive(first[0]!));

  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.11/24' }) });
  const restarted = await cli(['apply', ...env.src, '--yes']);
  t.is(restarted.exitCode, 0, restarted.stderr);
  t.regex(restarted.stdout, /restarted web/);
  const second = await initPids();
  t.is(second.length, 1);
  t.not(second[0], first[0], 'a new init after the restart');

  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.11/24', state: 'stopped' }) });
  const stopped = await cli(['apply', ...env.src, '--yes']);
  t.is(stopped.exitCode, 0, stopped.stderr);
  t.deepEqual(await initPids(), []);
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 0, plan.stdout);
});

test('changing the address of a running guest leaves exactly the new address on the host device (stop used to run with the new configuration)', async (t) => {
  const env = await setup('realhost-addr');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }), 'db.yaml': manifest({ name: 'db', context: 1002, address: '192.0.2.20/24' }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const addrs = async () => (await kernel(env.sim)).hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix}`).sort();
  t.deepEqual(await addrs(), ['eth0 192.0.2.10/24', 'eth0 192.0.2.20/24']);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.99/24' }), 'db.yaml': manifest({ name: 'db', context: 1002, address: '192.0.2.20/24' }) });
  const apply = await cli(['apply', ...env.src, '--yes']);
  t.is(apply.exitCode, 0, apply.stderr);
  t.notRegex(apply.stdout + apply.stderr, /RTNETLINK/);
  t.deepEqual(await addrs(), ['eth0 192.0.2.20/24', 'eth0 192.0.2.99/24']);
  t.is((await cli(['plan', ...env.src])).exitCode, 0);
});

test('run --once with a pass timeout: a vserver start that truly hangs is killed and the pass fails within the timeout (it hung for good)', async (t) => {
  const env = await setup('realhost-hang');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  await fsp.writeFile(path.join(env.sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'web start', action: 'hang', stderr: 'starting...\n' }] }));
  const started = Date.now();
  const r = await cli(['run', '--once', '--source', env.repo.dir, '--path', 'manifests', '--host', `sim:${env.sim}`, '--pass-timeout', '10s']);
  const took = Date.now() - started;
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  // 10 s pass timeout + 5 s SIGTERM grace + 2 s give-up, plus node start-up on a loaded machine
  t.true(took < 100_000, `took ${took} ms`);
  const status = JSON.parse(await readText(path.join(env.sim, 'var/lib/vsgitops/status.json'))) as { lastPass?: { result?: string } };
  t.is(status.lastPass?.result, 'failed');
});
