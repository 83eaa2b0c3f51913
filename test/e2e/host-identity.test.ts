/**
 * Issue 9, defects 4 and 5: the host's identity is stored once (STATE_DIR/host.yaml),
 * a forgotten --host-label no longer plans deletes, and a host without the
 * VServer kernel interface is an error, not "No changes".
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { cli, exists, manifest, readText, tempDir, TestRepo, simHostWithRepo } from '../helpers/e2e.js';

async function setup(name: string) {
  const { dir, repo, sim, src } = await simHostWithRepo(name, 'vs-fra1');
  const byLabel = (m: string) => m.replace(/hosts: \{names: \[[^\]]*\]\}/, 'hosts: {matchLabels: {site: fra1}}');
  await repo.commit({
    'web1.yaml': byLabel(manifest({ name: 'web1', context: 1001, deletion: 'delete' })),
    'web2.yaml': byLabel(manifest({ name: 'web2', context: 1002 })),
    'web3.yaml': manifest({ name: 'web3', context: 1003, host: 'vs-fra1' }),
  });
  return { dir, sim, src };
}

test('the first apply stores the identity; a plan without --host-label then plans nothing (it planned "- delete web1")', async (t) => {
  const env = await setup('hostid-forget');
  const apply = await cli(['apply', ...env.src, '--host-label', 'site=fra1', '--yes']);
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  const hostFile = await readText(path.join(env.sim, 'var/lib/vsgitops/host.yaml'));
  t.regex(hostFile, /^name: "vs-fra1"$/m);
  t.regex(hostFile, /^ {2}"site": "fra1"$/m);
  for (const cmd of ['plan', 'drift']) {
    const r = await cli([cmd, ...env.src]);
    t.is(r.exitCode, 0, `${cmd}: ${r.stdout}${r.stderr}`);
    t.notRegex(r.stdout, /delete/);
  }
  const show = await cli(['host', 'show', '--host', `sim:${env.sim}`]);
  t.is(show.stdout, 'vs-fra1 site=fra1');
});

test('labels that differ from the host file are refused; with --host-identity-change the deletes are "no longer placed on this host" and a delete policy is only retained', async (t) => {
  const env = await setup('hostid-change');
  t.is((await cli(['host', 'init', '--host', `sim:${env.sim}`, '--label', 'site=fra1'])).exitCode, 0);
  t.is((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const refused = await cli(['plan', ...env.src, '--host-label', 'site=ams1']);
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /this host is "vs-fra1" with labels site=fra1 .*--host-identity-change/);
  t.is(refused.stdout, '');
  const changed = await cli(['plan', ...env.src, '--host-label', 'site=ams1', '--host-identity-change', '--allow-mass-delete', '--output', 'json']);
  t.is(changed.exitCode, 3, changed.stderr);
  const plan = JSON.parse(changed.stdout) as { actions: { kind: string; guest: string; removal?: string; deletion?: string; reason: string }[] };
  t.deepEqual(plan.actions.map((a) => [a.kind, a.guest, a.removal, a.deletion]), [['delete', 'web1', 'placement', 'delete'], ['delete', 'web2', 'placement', 'retain']]);
  t.true(plan.actions.every((a) => a.reason.startsWith('no longer placed on this host')));
  // the host file is unchanged by plan; `host init` refuses the change without the flag
  t.regex(await readText(path.join(env.sim, 'var/lib/vsgitops/host.yaml')), /"site": "fra1"/);
  const init = await cli(['host', 'init', '--host', `sim:${env.sim}`, '--label', 'site=ams1']);
  t.is(init.exitCode, 1);
  t.regex(init.stderr, /--host-identity-change/);
});

test('a guest moved to another host by its manifest is retained, never deleted, though its policy says delete', async (t) => {
  const env = await setup('hostid-moved');
  t.is((await cli(['apply', ...env.src, '--host-label', 'site=fra1', '--yes'])).exitCode, 0);
  const repo = new TestRepo(path.join(env.dir, 'repo'));
  await repo.commit({
    'web1.yaml': manifest({ name: 'web1', context: 1001, deletion: 'delete' }).replace(/hosts: \{names: \[[^\]]*\]\}/, 'hosts: {matchLabels: {site: ams1}}'),
    'web2.yaml': manifest({ name: 'web2', context: 1002 }).replace(/hosts: \{names: \[[^\]]*\]\}/, 'hosts: {matchLabels: {site: fra1}}'),
    'web3.yaml': manifest({ name: 'web3', context: 1003, host: 'vs-fra1' }),
  });
  const apply = await cli(['apply', ...env.src, '--yes']);
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  t.false(await exists(path.join(env.sim, 'etc/vservers/web1')));
  t.true(await exists(path.join(env.sim, 'vservers/web1')), 'the guest files are kept');
  const retained = await fsp.readdir(path.join(env.sim, 'etc/vservers/.vsgitops-retained'));
  t.true(retained.some((n) => n.startsWith('web1.')));
});

test('a host without /proc/virtual is not a VServer host: plan, apply, drift and observe exit 1 naming what is missing', async (t) => {
  const env = await setup('hostid-novs');
  await fsp.rm(path.join(env.sim, 'proc/virtual'), { recursive: true, force: true });
  for (const args of [['plan', ...env.src, '--host-label', 'site=fra1'], ['apply', ...env.src, '--host-label', 'site=fra1', '--yes'], ['drift', ...env.src, '--host-label', 'site=fra1'], ['observe', '--host', `sim:${env.sim}`]]) {
    const r = await cli(args);
    t.is(r.exitCode, 1, `${args[0]}: ${r.stdout}`);
    t.regex(r.stderr, /proc\/virtual\/info does not exist: this is not a Linux-VServer host/, args[0]);
    t.notRegex(r.stdout, /No changes/);
  }
  t.false(await exists(path.join(env.sim, 'etc/vservers/web1')));
});

test('with a fleet file, a host knows only its name: its labels come from the fleet file; a host missing from it plans nothing', async (t) => {
  const dir = await tempDir('hostid-fleet');
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'vs-fra1'])).exitCode, 0);
  const fleet = (hosts: string) => `apiVersion: vsgitops.io/v1\nkind: Fleet\nenvironments: {prod: {ref: main}}\nhosts:\n${hosts}`;
  const web = manifest({ name: 'web1', context: 1001 }).replace(/hosts: \{names: \[[^\]]*\]\}/, 'hosts: {matchLabels: {site: fra1}}');
  await repo.commit({ 'fleet.yaml': fleet('  - {name: vs-fra1, environment: prod, labels: {site: fra1}}\n'), 'web1.yaml': web });
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  const plan = await cli(['plan', ...src, '--output', 'json']);
  t.is(plan.exitCode, 2, plan.stderr);
  t.deepEqual((JSON.parse(plan.stdout) as { actions: { kind: string; guest: string }[] }).actions.map((a) => `${a.kind} ${a.guest}`), ['create web1']);
  // labels typed on the host that disagree with the fleet file are not used (and said so)
  const other = await cli(['plan', ...src, '--host-label', 'site=ams1']);
  t.is(other.exitCode, 2, other.stderr);
  t.regex(other.stdout + other.stderr, /labels of vs-fra1 come from the fleet file/);
  await repo.commit({ 'fleet.yaml': fleet('  - {name: vs-ams1, environment: prod, labels: {site: fra1}}\n'), 'web1.yaml': web.replace('site: fra1', 'site: fra1') });
  const missing = await cli(['plan', ...src]);
  t.is(missing.exitCode, 1);
  t.regex(missing.stderr, /host "vs-fra1" is not in the fleet file/);
});
