/**
 * Issue 14: a `vserver NAME start` that dies half way. util-vserver's start
 * adds the host addresses and cgroup first (UV scripts/vserver.start:121,126),
 * then its exec chain creates the context (:148) and only at its end writes
 * the run file (save_ctxinfo, :161); a killed start runs no cleanup (:26-66).
 * The context is left without a run file, util-vserver calls the guest
 * stopped, and every later start fails on the existing context. vsgitops
 * records each start it runs (a start intent) and ends its own half-start on
 * the next apply; a context it did not start stays blocked (exit 5).
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { execa } from 'execa';
import { cli, exists, manifest, readText, simHostWithRepo } from '../helpers/e2e.js';
import { readKernelSnapshot } from '../../src/sim/store.js';

interface Kernel {
  contexts: Record<string, { procs: number; flags: string }>;
  hostAddresses: { dev: string; ip: string; prefix: number }[];
}
const kernel = async (sim: string) => readKernelSnapshot(sim) as unknown as Kernel;

async function setup(prefix: string) {
  const env = await simHostWithRepo(prefix);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }) });
  return env;
}

test('a vserver start that dies half way (context, no run file) is ended and started again by the next apply, which converges', async (t) => {
  const env = await setup('half-start');
  await fsp.writeFile(path.join(env.sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'web start', action: 'die-halfway', count: 1 }] }));
  const first = await cli(['apply', ...env.src, '--yes']);
  t.is(first.exitCode, 1, first.stdout + first.stderr);

  // what a start killed at save_ctxinfo leaves: context (in setup, its one process), addresses, cgroup; no run file
  const k = await kernel(env.sim);
  t.truthy(k.contexts['1001'], 'the context was created');
  t.is(k.contexts['1001']!.procs, 1);
  t.true((BigInt('0x' + k.contexts['1001']!.flags) & (1n << 32n)) !== 0n, 'still in setup (no --endsetup yet)');
  t.deepEqual(k.hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix}`), ['eth0 192.0.2.10/24']);
  t.false(await exists(path.join(env.sim, 'var/run/vservers/web')), 'no run file');
  const vserver = path.join(env.sim, 'bin/vserver');
  t.is((await execa(vserver, ['web', 'status'], { reject: false })).exitCode, 3, 'util-vserver calls it stopped');
  t.is((await execa(vserver, ['web', 'start'], { reject: false })).exitCode, 1, 'and cannot start it');
  t.true(await exists(path.join(env.sim, 'var/lib/vsgitops/starting/web.json')), 'the start intent is still there');

  // plan (read-only) changes nothing and says what the next apply does
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 5);
  t.regex(plan.stdout, /a start by vsgitops did not finish \(web, context 1001\)/);
  t.truthy((await kernel(env.sim)).contexts['1001']);

  const second = await cli(['apply', ...env.src, '--yes']);
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  t.regex(second.stdout, /a start by vsgitops died half way \(web, context 1001\)/);
  t.regex(second.stdout, /started web/);
  t.is((await execa(vserver, ['web', 'status'], { reject: false })).exitCode, 0, 'running now');
  t.deepEqual((await kernel(env.sim)).hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix}`), ['eth0 192.0.2.10/24'], 'one address, not two');
  t.false(await exists(path.join(env.sim, 'var/lib/vsgitops/starting/web.json')));
  const again = await cli(['plan', ...env.src]);
  t.is(again.exitCode, 0, again.stdout);
  t.regex(again.stdout, /No changes/);
});

test('a running context at the guest\'s id that vsgitops did not start stays blocked: apply, plan and run --once exit 5 and nothing is killed', async (t) => {
  const env = await setup('half-start-foreign');
  const bin = (x: string) => path.join(env.sim, 'bin', x);
  // somebody else's context at 1001 (a bare vcontext with a long-running process)
  t.is((await execa(bin('vcontext'), ['--create', '--xid', '1001', '--', 'sleep', '1000'], { reject: false })).exitCode, 0);
  for (const args of [['apply', ...env.src, '--yes'], ['plan', ...env.src]]) {
    const r = await cli(args);
    t.is(r.exitCode, 5, `${args[0]}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /context id 1001 is in use by a running context not managed by vsgitops/);
  }
  const once = await cli(['run', '--once', '--source', env.repo.dir, '--path', 'manifests', '--host', `sim:${env.sim}`]);
  t.is(once.exitCode, 5, once.stdout + once.stderr);
  t.truthy((await kernel(env.sim)).contexts['1001'], 'the foreign context is untouched');

});

test('a start intent never makes vsgitops end a context that belongs to another configuration', async (t) => {
  const env = await setup('half-start-other');
  const bin = (x: string) => path.join(env.sim, 'bin', x);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24', state: 'stopped' }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  // an unmanaged guest `other` runs at the same context id (its VHI name is its own config dir)
  t.is((await execa(bin('vserver'), ['other', 'build', '-m', 'skeleton', '--context', '1001', '--hostname', 'other'], { reject: false })).exitCode, 0);
  t.is((await execa(bin('vserver'), ['other', 'start'], { reject: false, stdio: 'ignore' })).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }) });
  // a start intent of vsgitops for web at 1001 (as if its start had died)
  await fsp.mkdir(path.join(env.sim, 'var/lib/vsgitops/starting'), { recursive: true });
  await fsp.writeFile(path.join(env.sim, 'var/lib/vsgitops/starting/web.json'), JSON.stringify({ guest: 'web', xid: 1001, revision: null, at: '' }));
  const r = await cli(['apply', ...env.src, '--yes']);
  t.is(r.exitCode, 5, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /context 1001 belongs to \S*etc\/vservers\/other/);
  t.regex(r.stdout, /start blocked: context id 1001 is in use by guest other \(not managed by vsgitops\)/);
  t.is((await execa(bin('vserver'), ['other', 'status'], { reject: false })).exitCode, 0, 'other still runs');
});

test('the agent (run --once) ends a half-started context of its own start as well, and converges', async (t) => {
  const env = await setup('half-start-agent');
  await fsp.writeFile(path.join(env.sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'web start', action: 'die-halfway', count: 1 }] }));
  const once = ['run', '--once', '--source', env.repo.dir, '--path', 'manifests', '--host', `sim:${env.sim}`];
  const first = await cli(once);
  t.is(first.exitCode, 1, first.stdout + first.stderr);
  t.truthy((await kernel(env.sim)).contexts['1001'], 'half-started');
  const second = await cli(once);
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['web', 'status'], { reject: false })).exitCode, 0, 'running');
  const status = JSON.parse(await readText(path.join(env.sim, 'var/lib/vsgitops/status.json'))) as { lastPass?: { result?: string } };
  t.not(status.lastPass?.result, 'failed');
});
