/**
 * Issue 10 (iface): a guest whose interfaces/ uses the extras util-vserver reads
 * (corpus tree 16-interface-extras) round-trips through import and adoption; a
 * one-field interface change rewrites that one file; the started guest has the
 * addresses enableInterfaces gives them; an nflags change is live (nattribute).
 */
import test from 'ava';
import { readKernelSnapshot } from '../../src/sim/store.js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cli, tempDir, TestRepo } from '../helpers/e2e.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TREE = path.resolve(here, '../../../test/fixtures/import-corpus/16-interface-extras/edge');

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === '.vsgitops') continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs)] = await fsp.readFile(abs, 'utf8');
  }
  return out;
}

test('interface extras: import, adopt, "No changes"; one broadcast change writes one file; start brings the addresses up as util-vserver does; nflags change live', async (t) => {
  t.timeout(300_000);
  const dir = await tempDir('iface');
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const build = await execa(path.join(sim, 'bin/vserver'), ['edge', 'build', '-m', 'skeleton', '--context', '2201', '--hostname', 'edge.example.org', '--initstyle', 'plain'], { reject: false });
  t.is(build.exitCode, 0, build.stderr);
  const cfg = path.join(sim, 'etc/vservers/edge');
  await fsp.rm(path.join(cfg, 'interfaces'), { recursive: true, force: true });
  await fsp.cp(TREE, cfg, { recursive: true });
  const before = await files(cfg);

  const out = path.join(dir, 'imported');
  const imp = await cli(['import', 'edge', '--host', `sim:${sim}`, '--out', out]);
  t.is(imp.exitCode, 0, imp.stderr);
  t.regex(imp.stdout, /edge\.yaml: exact/);
  const yaml = await fsp.readFile(path.join(out, 'edge.yaml'), 'utf8');
  t.regex(yaml, /\{device: tap22, address: "10\.22\.0\.1\/30", broadcast: "192\.0\.2\.255", peer: "10\.22\.0\.2", tap: true, nocsum: true, shared: true\}/);
  t.regex(yaml, /network: \{broadcast: "192\.0\.2\.255", loopback: "127\.0\.22\.1", scope: global, vlandev: true\}/);
  t.notRegex(yaml, /^ {4}"?interfaces\/(\d\/(bcast|scope|peer|tap|disabled)|bcast|lback)"?:/m, 'modelled files are not carried in spec.files');

  const repo = await TestRepo.create(path.join(dir, 'repo'));
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  await repo.commit({ 'edge.yaml': yaml });
  t.is((await cli(['adopt', 'edge', ...src])).exitCode, 0);
  const plan = await cli(['plan', ...src]);
  t.is(plan.exitCode, 0, plan.stdout);
  t.regex(plan.stdout, /No changes\./);
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  t.deepEqual(await files(cfg), before, 'apply changes nothing');

  // interfaces[1] takes its own broadcast (its file had no final newline, so interfaces/bcast applied)
  const changed = yaml
    .replace('label: web, broadcast: "192.0.2.255"', 'label: web, broadcast: "192.0.2.127"')
    .replace('  state: stopped\n', '');
  await repo.commit({ 'edge.yaml': changed });
  const one = await cli(['plan', ...src, '--output', 'json']);
  const p = JSON.parse(one.stdout) as { actions: { kind: string; changes: { path: string; effect: string }[] }[] };
  t.deepEqual(p.actions.map((a) => [a.kind, a.changes.map((c) => [c.path, c.effect])]), [['update', [['interfaces[1].broadcast', 'config']]], ['start', [['runState', 'live']]]]);
  const applied = await cli(['apply', ...src, '--yes']);
  t.is(applied.exitCode, 0, applied.stdout + applied.stderr);
  const after = await files(cfg);
  t.deepEqual(Object.keys(after).filter((k) => after[k] !== before[k]), ['interfaces/1/bcast']);
  t.is(after['interfaces/1/bcast'], '192.0.2.127\n');

  // the running guest: host addresses as enableInterfaces adds them, the network context as chbind makes it
  const kernel = readKernelSnapshot(sim) as unknown as {
    hostAddresses: { dev: string; ip: string; prefix: number; bcast: string; peer?: string; label?: string }[];
    hostLinks?: { dev: string; kind: string; nid?: number }[];
  };
  t.deepEqual(kernel.hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix} ${a.bcast}${a.peer ? ' peer ' + a.peer : ''}${a.label ? ' ' + a.label : ''}`), [
    'eth0 192.0.2.22/24 192.0.2.255',
    'eth0 192.0.2.23/24 192.0.2.127 eth0:web',
    'eth0.220 198.51.100.22/24 +',
    'eth1.7 198.51.100.23/24 192.0.2.255',
    'tap22 10.22.0.1/30 192.0.2.255 peer 10.22.0.2',
    'eth0 2001:db8:22::1/64 ',
  ]);
  t.deepEqual(kernel.hostLinks?.map((l) => `${l.kind} ${l.dev}${l.nid !== undefined ? ' nid ' + l.nid : ''}`), ['vlan eth0.220', 'tap tap22']);
  const info = await fsp.readFile(path.join(sim, 'proc/virtnet/2201/info'), 'utf8');
  t.regex(info, /^Bcast:\t192\.0\.2\.255\nLback:\t127\.0\.22\.1\n/m);
  t.notRegex(info, /192\.0\.2\.220/, 'the disabled interface is not bound');

  // nflags: live with nattribute, no restart
  await repo.commit({ 'edge.yaml': changed.replace('nflags: [persistent]', 'nflags: [persistent, lback_allow]') });
  const live = JSON.parse((await cli(['plan', ...src, '--output', 'json'])).stdout) as { actions: { kind: string; restart: boolean; changes: { path: string; effect: string }[] }[] };
  t.deepEqual(live.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.effect])]), [['update', false, [['nflags', 'live']]]]);
  const pidBefore = /^Init:\t(\d+)$/m.exec(await fsp.readFile(path.join(sim, 'proc/virtual/2201/info'), 'utf8'))?.[1];
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  const status = await fsp.readFile(path.join(sim, 'proc/virtnet/2201/status'), 'utf8');
  t.is(BigInt('0x' + /^Flags:\t([0-9a-f]+)$/m.exec(status)![1]!) & 0x400n, 0x400n);
  t.is(/^Init:\t(\d+)$/m.exec(await fsp.readFile(path.join(sim, 'proc/virtual/2201/info'), 'utf8'))?.[1], pidBefore, 'not restarted');
});
