/**
 * Issue 10: apply on adopted hosts must update the files util-vserver already
 * reads, and keep what vsgitops does not manage, byte for byte.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GuestSpec } from '../../../src/model/guest.js';
import { chooseDlimitName, editMarks, enabledDlimitNames, renderConfigFiles, writeConfigFiles } from '../../../src/providers/vserver/config-write.js';
import { readGuestConfig } from '../../../src/providers/vserver/config-read.js';
import { computePlan, executePlan } from '../../../src/pipeline/pipeline.js';
import { inProcessHost } from '../../helpers/e2e.js';
import { webManifest } from '../../helpers/manifests.js';

const base: GuestSpec = {
  name: 'g', context: 1001, nodename: 'g', runState: 'stopped', startOnBoot: false, initStyle: 'sysv',
  interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
};
const tmp = () => fsp.mkdtemp(path.join(os.tmpdir(), 'vsgitops-adopted-'));
async function put(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, c] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), c);
  }
}

const manifest = (extra: string): string => webManifest(extra);

// ---- 1a: disk limits ----

test('the modelled dlimits entry: vsgitops when present, else the first enabled one (UV setDiskLimits applies every entry)', async (t) => {
  const dir = await tmp();
  await put(dir, { 'dlimits/1/disabled': '', 'dlimits/0/directory': '/vservers/g\n', 'dlimits/.svn/x': '', 'dlimits/b/space_total': '1\n' });
  t.deepEqual(await enabledDlimitNames(dir), ['0', 'b']);
  t.is(chooseDlimitName(['0', 'b']), '0');
  t.is(chooseDlimitName(['0', 'vsgitops']), 'vsgitops');
  t.is(chooseDlimitName([]), undefined);
});

test('apply updates an existing dlimits/0 in place and never adds a second dlimits/vsgitops', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('dlimits0');
  const converge = async (extra: string) => {
    await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest(extra));
    const computed = await computePlan(opts);
    const cs = await executePlan(opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    t.deepEqual((await computePlan(opts)).plan.actions, [], 'converged');
    return computed.plan;
  };
  await converge('  disk: {space: 1Gi, inodes: 1000, directory: /vservers/web}\n');
  const cfg = path.join(sim, 'etc/vservers/web');
  // an adopted host: the limit lives in dlimits/0, as OpenVCP writes it
  await fsp.rename(path.join(cfg, 'dlimits/vsgitops'), path.join(cfg, 'dlimits/0'));
  t.deepEqual((await computePlan(opts)).plan.actions, [], 'dlimits/0 is read as the disk limit');
  const plan = await converge('  disk: {space: 2Gi, inodes: 1000, directory: /vservers/web}\n');
  t.deepEqual(plan.actions.flatMap((a) => a.changes.map((c) => c.path)), ['disk.spaceKiB']);
  t.deepEqual((await fsp.readdir(path.join(cfg, 'dlimits'))).sort(), ['0']);
  t.is(await fsp.readFile(path.join(cfg, 'dlimits/0/space_total'), 'utf8'), '2097152\n');
});

// ---- 1b: boot marks ----

test('startOnBoot: true adds "default" and keeps the other marks of the file (one mark per line, grep -qx: UV scripts/functions:600-602)', async (t) => {
  const dir = await tmp();
  await put(dir, { 'apps/init/mark': 'web\nbackup\n' });
  await writeConfigFiles(dir, renderConfigFiles({ ...base, startOnBoot: true }));
  t.is(await fsp.readFile(path.join(dir, 'apps/init/mark'), 'utf8'), 'default\nweb\nbackup\n');
  const back = await readGuestConfig(dir);
  t.true(back.spec.startOnBoot);
  t.deepEqual(back.spec.bootMarks, ['web', 'backup']);
});

test('a mark file that already says what the spec says is not rewritten, whatever the order of its lines', async (t) => {
  const dir = await tmp();
  await put(dir, { 'apps/init/mark': 'web\ndefault\n' });
  const res = await writeConfigFiles(dir, renderConfigFiles({ ...base, startOnBoot: true, bootMarks: ['web'] }));
  t.false(res.written.includes('apps/init/mark'));
  t.is(await fsp.readFile(path.join(dir, 'apps/init/mark'), 'utf8'), 'web\ndefault\n');
  // and without bootMarks (not managed) too
  const res2 = await writeConfigFiles(dir, renderConfigFiles({ ...base, startOnBoot: true }));
  t.false(res2.written.includes('apps/init/mark'));
});

test('bootMarks set the other marks exactly; an empty list with startOnBoot false removes the file', async (t) => {
  t.is(editMarks('web\ndefault\n', { boot: true, others: ['db', 'web'] }), 'db\nweb\ndefault\n');
  t.is(editMarks('default\nweb\n', { boot: false }), 'web\n');
  t.is(editMarks('', { boot: true, others: ['db'] }), 'default\ndb\n');
  t.is(editMarks('default\nweb\n', { boot: false, others: [] }), '');
  t.is(editMarks('web', { boot: false }), 'web', 'no final newline and nothing to change: untouched');
});

test('plan: bootMarks unset is not managed; set, it is one config change shown as spec.bootMarks', async (t) => {
  const { sim, manifests, opts } = await inProcessHost('marks');
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest('  state: stopped\n  startOnBoot: true\n'));
  let computed = await computePlan(opts);
  t.true((await executePlan(opts, computed, computed.plan)).ok);
  const mark = path.join(sim, 'etc/vservers/web/apps/init/mark');
  await fsp.writeFile(mark, 'default\nweb\n');
  t.deepEqual((await computePlan(opts)).plan.actions, [], 'a mark the manifest does not manage is no change');
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest('  state: stopped\n  startOnBoot: true\n  bootMarks: [web, db]\n'));
  computed = await computePlan(opts);
  t.deepEqual(computed.plan.actions.flatMap((a) => a.changes.map((c) => [c.path, c.before, c.after, c.effect])), [['bootMarks', ['web'], ['web', 'db'], 'config']]);
  t.true((await executePlan(opts, computed, computed.plan)).ok);
  t.is(await fsp.readFile(mark, 'utf8'), 'default\nweb\ndb\n');
});

// ---- spec.files and the new fields through plan and apply ----

async function host(prefix: string) {
  const h = await inProcessHost(prefix);
  const converge = async (t: import('ava').ExecutionContext, extra: string) => {
    await fsp.writeFile(path.join(h.manifests, 'web.yaml'), manifest(extra));
    const computed = await computePlan(h.opts);
    const cs = await executePlan(h.opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    t.deepEqual((await computePlan(h.opts)).plan.actions, [], 'converged');
    return computed.plan;
  };
  return { ...h, cfg: path.join(h.sim, 'etc/vservers/web'), converge };
}

test('spec.files: apply writes exactly the bytes, keeps an executable hook executable; leaving the entry out keeps the file', async (t) => {
  const { cfg, opts, manifests, converge } = await host('files');
  await converge(t, '  state: stopped\n');
  await put(cfg, { 'scripts/pre-start': '#!/bin/sh\nexit 0\n' });
  await fsp.chmod(path.join(cfg, 'scripts/pre-start'), 0o755);
  const plan = await converge(t, '  state: stopped\n  files:\n    scripts/pre-start: "#!/bin/sh\\r\\nlogger start\\n"\n    apps/init/depends: "db\\n"\n');
  t.deepEqual(plan.actions.flatMap((a) => a.changes.map((c) => [c.path, c.effect])), [['files[apps/init/depends]', 'config'], ['files[scripts/pre-start]', 'config']]);
  t.is(await fsp.readFile(path.join(cfg, 'scripts/pre-start'), 'utf8'), '#!/bin/sh\r\nlogger start\n');
  t.is((await fsp.stat(path.join(cfg, 'scripts/pre-start'))).mode & 0o777, 0o755);
  t.is(await fsp.readFile(path.join(cfg, 'apps/init/depends'), 'utf8'), 'db\n');
  t.is((await fsp.stat(path.join(cfg, 'apps/init/depends'))).mode & 0o777, 0o644);
  // out of the manifest: not managed, nothing is deleted
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest('  state: stopped\n'));
  t.deepEqual((await computePlan(opts)).plan.actions, []);
  t.is(await fsp.readFile(path.join(cfg, 'apps/init/depends'), 'utf8'), 'db\n');
});

test('spec.files never writes through a symbolic link out of the config dir', async (t) => {
  const { cfg, sim, opts, manifests, converge } = await host('files-link');
  await converge(t, '  state: stopped\n');
  const outside = path.join(sim, 'outside');
  await fsp.mkdir(outside);
  await fsp.symlink(outside, path.join(cfg, 'scripts'));
  await fsp.writeFile(path.join(manifests, 'web.yaml'), manifest('  state: stopped\n  files: {scripts/pre-start: "x\\n"}\n'));
  const computed = await computePlan(opts);
  const cs = await executePlan(opts, computed, computed.plan);
  t.false(cs.ok);
  t.regex(JSON.stringify(cs.entries), /UNSAFE_PATH|symbolic link/);
  t.deepEqual(await fsp.readdir(outside), []);
});

test('uts release is a live change (vuname), nice a restart; both are written in util-vserver syntax', async (t) => {
  const { cfg, converge } = await host('uts');
  await converge(t, '');
  const plan = await converge(t, '  uts: {release: "2.6.32-vs"}\n');
  t.deepEqual(plan.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.effect])]), [['update', false, [['utsExtra.release', 'live']]]]);
  t.true(plan.actions[0]!.changes.length === 1);
  t.is(await fsp.readFile(path.join(cfg, 'uts/release'), 'utf8'), '2.6.32-vs\n');
  const nice = await converge(t, '  uts: {release: "2.6.32-vs"}\n  nice: 5\n  ionice: {priority: 4}\n  personality: {type: linux32}\n');
  t.deepEqual(nice.actions.map((a) => [a.kind, a.restart]), [['update', true]]);
  t.deepEqual(nice.actions[0]!.changes.map((c) => [c.path, c.effect]), [['nice', 'restart'], ['ionice.priority', 'restart'], ['personality', 'restart']]);
  t.is(await fsp.readFile(path.join(cfg, 'nice'), 'utf8'), '5\n');
  t.is(await fsp.readFile(path.join(cfg, 'ionice/priority'), 'utf8'), '4\n');
  t.is(await fsp.readFile(path.join(cfg, 'personality'), 'utf8'), 'linux32\n');
});

test('read back: nice, ionice, personality (type + flags, # lines skipped) and uts extras as util-vserver reads them', async (t) => {
  const dir = await tmp();
  await put(dir, { nice: ' 7 \n', 'ionice/class': '3\n', personality: 'linux32\n# c\nshort_inode\n\nmmap_page_zero', 'uts/machine': 'i686\n\n', 'uts/version': '#1 SMP\n' });
  const r = await readGuestConfig(dir);
  t.is(r.spec.nice, 7);
  t.deepEqual(r.spec.ionice, { class: '3' });
  // the last line has no final newline: `while read` never passes it on (vserver.functions:186-193)
  t.deepEqual(r.spec.personality, { type: 'linux32', flags: ['short_inode'] });
  t.deepEqual(r.spec.utsExtra, { machine: 'i686', version: '#1 SMP' });
  await put(dir, { nice: '010\n' });
  const odd = await readGuestConfig(dir);
  t.is(odd.spec.nice, undefined);
  t.regex(odd.problems.map((p) => p.message).join('\n'), /nice value "010"/);
});

test('values a manifest cannot hold are reported and left unset (not managed: the file stays)', async (t) => {
  const dir = await tmp();
  await put(dir, { 'ionice/class': 'be\n', personality: 'linux 32\n', 'uts/release': '\n' });
  const r = await readGuestConfig(dir);
  t.is(r.spec.ionice, undefined);
  t.is(r.spec.personality, undefined);
  t.is(r.spec.utsExtra, undefined);
  t.deepEqual(r.problems.map((p) => path.basename(p.file)).filter((f) => f !== 'context').sort(), ['class', 'personality', 'release']);
});

test('an interface dropped from the spec loses its files even when spec.files carries one it does not model (a tun uid)', async (t) => {
  const dir = await tmp();
  await put(dir, { 'interfaces/1/ip': '10.0.0.2\n', 'interfaces/1/dev': 'eth0\n', 'interfaces/1/uid': '1000\n' });
  const res = await writeConfigFiles(dir, renderConfigFiles({ ...base, files: { 'interfaces/1/uid': '1000\n' } }));
  t.true(res.removed.includes('interfaces/1/ip'));
  t.deepEqual(await fsp.readdir(path.join(dir, 'interfaces/1')), ['uid']);
});

test('nflags / ncapabilities: read as bits, a change on a running guest is live (nattribute, issue 10 iface), equal spellings are not rewritten', async (t) => {
  const { cfg, sim, converge } = await host('nflags');
  await converge(t, '');
  await put(cfg, { nflags: '# network\nHIDE_NETIF,nxf_lock\n' });
  const plan = await converge(t, '  nflags: [lock, hide_netif]\n', );
  t.deepEqual(plan.actions, [], 'same bits: no change');
  t.is(await fsp.readFile(path.join(cfg, 'nflags'), 'utf8'), '# network\nHIDE_NETIF,nxf_lock\n');
  const change = await converge(t, '  nflags: [lock, persistent]\n  ncapabilities: [tun_create]\n');
  t.deepEqual(change.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.effect])]), [['update', false, [['nflags', 'live'], ['ncaps', 'live']]]]);
  t.is(await fsp.readFile(path.join(cfg, 'nflags'), 'utf8'), 'lock\npersistent\n');
  t.is(await fsp.readFile(path.join(cfg, 'ncapabilities'), 'utf8'), 'tun_create\n');
  // the running network context shows it (/proc/virtnet/1001/status): persistent (1<<38) set; hide_netif,
  // which the file no longer names, stays (chbind --secure sets it at every start); tun_create | raw_icmp
  const status = await fsp.readFile(path.join(sim, 'proc/virtnet/1001/status'), 'utf8');
  const flags = BigInt('0x' + /^Flags:\t([0-9a-f]+)$/m.exec(status)![1]!);
  t.is(flags & (1n << 38n), 1n << 38n);
  t.is(flags & 0x2000000n, 0x2000000n);
  t.regex(status, /^NCaps:\t0000000000000101$/m);
});
