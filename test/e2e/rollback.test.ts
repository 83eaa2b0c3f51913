/**
 * Issue 14, item 4: snapshot and rollback of risky changes. Before a restart
 * or replace of a running guest its configuration (and the manifest's
 * snapshot paths) is copied to STATE_DIR/snapshots/NAME/<id>/; after the
 * change a health check (the guest runs; `vserver NAME exec COMMAND` exits 0
 * within the timeout) decides; on failure the snapshot is restored, the guest
 * started again and the change reported as failed (ROLLED_BACK, exit 1).
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { execa } from 'execa';
import { cli, manifest, readText, simHostWithRepo } from '../helpers/e2e.js';
import { readKernelSnapshot } from '../../src/sim/store.js';

async function setup(prefix: string) {
  return simHostWithRepo(prefix);
}

const web = (address: string, extra = '') => manifest({ name: 'web', context: 1001, address }) + extra;
const kernel = async (sim: string) => readKernelSnapshot(sim) as unknown as { contexts: Record<string, unknown>; hostAddresses: { dev: string; ip: string; prefix: number }[] };
const snapshots = async (sim: string) => (await fsp.readdir(path.join(sim, 'var/lib/vsgitops/snapshots/web')).catch(() => [] as string[])).sort();

interface ApplyJson {
  ok: boolean;
  changeSet: { entries: { guest: string; action: string; outcome: string; error?: { code: string; message: string } }[] };
}

test('a restart whose health check fails leaves the guest running with its previous configuration', async (t) => {
  const env = await setup('rollback');
  await env.repo.commit({ 'web.yaml': web('192.0.2.10/24') });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);

  // a new address (takes effect at a restart) and a health check that fails in the guest
  await env.repo.commit({ 'web.yaml': web('192.0.2.11/24', '  healthCheck: {command: ["false"], timeout: 5s, retries: 1}\n') });
  const r = await cli(['apply', ...env.src, '--yes', '--output', 'json']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as ApplyJson;
  t.false(out.ok);
  const entry = out.changeSet.entries.find((e) => e.guest === 'web')!;
  t.is(entry.outcome, 'failed');
  t.is(entry.error?.code, 'ROLLED_BACK');
  t.regex(entry.error!.message, /health check failed 2 times: vserver web exec false exited 1; the previous configuration \(snapshot .+\) was restored and the guest restarted/);

  // running, with the previous configuration, on the previous address only
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['web', 'status'], { reject: false })).exitCode, 0, 'running');
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/interfaces/0/ip'))).trim(), '192.0.2.10');
  t.true((await fsp.access(path.join(env.sim, 'etc/vservers/web/.vsgitops')).then(() => true, () => false)), 'still marked as managed');
  const k = await kernel(env.sim);
  t.truthy(k.contexts['1001']);
  t.deepEqual(k.hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix}`), ['eth0 192.0.2.10/24']);
  t.is((await snapshots(env.sim)).length, 1, 'the snapshot it was restored from is kept');
  // no leftovers of the restore next to the guest's configuration
  t.deepEqual((await fsp.readdir(path.join(env.sim, 'etc/vservers'))).filter((n) => n.startsWith('.web')), []);

  // the same change is not tried again (each try would stop the guest once more): blocked, exit 5
  const plan = await cli(['plan', ...env.src]);
  t.is(plan.exitCode, 5, plan.stdout + plan.stderr);
  t.regex(plan.stdout, /web: restart not tried again: the same change failed its start or health check and was rolled back \(ROLLED_BACK at revision [0-9a-f]{12}\); change the manifest to try again/);
  // a fixed manifest is tried, and passes
  await env.repo.commit({ 'web.yaml': web('192.0.2.11/24', '  healthCheck: {command: ["true"], timeout: 5s, retries: 1}\n') });
  const fixed = await cli(['apply', ...env.src, '--yes']);
  t.is(fixed.exitCode, 0, fixed.stdout + fixed.stderr);
  t.regex(fixed.stdout, /restarted web/);
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/interfaces/0/ip'))).trim(), '192.0.2.11');
  const inv = JSON.parse(await readText(path.join(env.sim, 'var/lib/vsgitops/inventory.json'))) as { guests: Record<string, { rolledBack?: unknown }> };
  t.is(inv.guests.web!.rolledBack, undefined);
});

test('a healthy restart keeps its snapshot; snapshots are pruned to spec.snapshot.keep', async (t) => {
  const env = await setup('rollback-prune');
  const extra = '  healthCheck: {command: ["true"]}\n  snapshot: {keep: 2}\n';
  await env.repo.commit({ 'web.yaml': web('192.0.2.10/24', extra) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  t.deepEqual(await snapshots(env.sim), [], 'a create takes no snapshot');
  for (const [i, addr] of ['192.0.2.11/24', '192.0.2.12/24', '192.0.2.13/24'].entries()) {
    await env.repo.commit({ 'web.yaml': web(addr, extra) });
    const r = await cli(['apply', ...env.src, '--yes']);
    t.is(r.exitCode, 0, r.stdout + r.stderr);
    t.regex(r.stdout, /restarted web/);
    t.is((await snapshots(env.sim)).length, Math.min(i + 1, 2));
  }
  const [oldest, newest] = await snapshots(env.sim);
  const ip = (id: string) => readText(path.join(env.sim, 'var/lib/vsgitops/snapshots/web', id, 'config/interfaces/0/ip'));
  t.is((await ip(oldest!)).trim(), '192.0.2.11', 'the configuration before the third-last restart was pruned');
  t.is((await ip(newest!)).trim(), '192.0.2.12');
});

test('a failed health check also restores the snapshot paths of the guest root', async (t) => {
  const env = await setup('rollback-paths');
  await env.repo.commit({ 'web.yaml': web('192.0.2.10/24', '  snapshot: {paths: [/etc/app.conf]}\n') });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const conf = path.join(env.sim, 'vservers/web/etc/app.conf');
  await fsp.mkdir(path.dirname(conf), { recursive: true });
  await fsp.writeFile(conf, 'good\n');
  // the health check breaks the file (it runs in the guest root) and fails
  await env.repo.commit({ 'web.yaml': web('192.0.2.11/24', '  snapshot: {paths: [/etc/app.conf]}\n  healthCheck: {command: [/bin/sh, -c, "echo broken > etc/app.conf; exit 3"]}\n') });
  const r = await cli(['apply', ...env.src, '--yes']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /ROLLED_BACK/);
  t.is(await readText(conf), 'good\n');
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/interfaces/0/ip'))).trim(), '192.0.2.10');
});

test('the agent (run --once) rolls a failed restart back too and raises a failed alert for it', async (t) => {
  const env = await setup('rollback-agent');
  const once = ['run', '--once', '--source', env.repo.dir, '--path', 'manifests', '--host', `sim:${env.sim}`];
  await env.repo.commit({ 'web.yaml': web('192.0.2.10/24') });
  t.is((await cli(once)).exitCode, 0);
  await env.repo.commit({ 'web.yaml': web('192.0.2.11/24', '  healthCheck: {command: ["false"]}\n') });
  const r = await cli(once);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const alert = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { alert?: string; key?: string; message?: string }).find((l) => l.alert === 'appeared' && l.key === 'failed/web');
  t.truthy(alert, r.stderr);
  t.regex(alert!.message!, /health check failed: vserver web exec false exited 1; the previous configuration \(snapshot .+\) was restored and the guest restarted/);
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/interfaces/0/ip'))).trim(), '192.0.2.10');
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['web', 'status'], { reject: false })).exitCode, 0);
});

test('a replace (context id change) whose health check fails runs the guest again under its previous context id', async (t) => {
  const env = await setup('rollback-replace');
  await env.repo.commit({ 'web.yaml': web('192.0.2.10/24') });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1011, address: '192.0.2.10/24' }) + '  healthCheck: {command: ["false"]}\n' });
  const r = await cli(['apply', ...env.src, '--yes']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /failed web \(replace\)/);
  t.regex(r.stdout, /ROLLED_BACK/);
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/context'))).trim(), '1001');
  const k = await kernel(env.sim);
  t.deepEqual(Object.keys(k.contexts), ['1001']);
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['web', 'status'], { reject: false })).exitCode, 0);
});

test('a replace whose new start dies half way is rolled back and leaves no context of the new id behind (kill campaign run 40: the leftover blocked every later apply)', async (t) => {
  const env = await setup('rollback-halfstart');
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1011, address: '192.0.2.10/24' }) });
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);

  // a new context id (replace); its start dies half way (UV scripts/vserver.start:148-161)
  await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, address: '192.0.2.10/24' }) });
  await fsp.writeFile(path.join(env.sim, '.sim/faults.json'), JSON.stringify({ faults: [{ tool: 'vserver', match: 'web start', action: 'die-halfway', count: 1 }] }));
  const r = await cli(['apply', ...env.src, '--yes', '--allow-mass-delete', '--output', 'json']);
  t.is(r.exitCode, 1, r.stdout + r.stderr);
  const entry = (JSON.parse(r.stdout) as ApplyJson).changeSet.entries.find((e) => e.guest === 'web')!;
  t.is(entry.error?.code, 'ROLLED_BACK', entry.error?.message);

  const k = await kernel(env.sim);
  t.deepEqual(Object.keys(k.contexts).sort(), ['1011'], 'the old context runs again and the half-started 1001 is gone');
  t.is((await readText(path.join(env.sim, 'etc/vservers/web/context'))).trim(), '1011');
  t.deepEqual(await fsp.readdir(path.join(env.sim, 'var/lib/vsgitops/starting')).catch(() => [] as string[]), [], 'no start intent left');
});
