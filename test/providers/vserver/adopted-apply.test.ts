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
import { computePlan, executePlan } from '../../../src/reconciler/pipeline.js';
import { inProcessHost } from '../../helpers/e2e.js';

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

const manifest = (extra: string) => `apiVersion: vsgitops.io/v1
kind: VServer
metadata: {name: web}
spec:
  context: 1001
  hosts: {names: [host-a]}
  build: {method: skeleton}
  init: {style: plain}
${extra}`;

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
