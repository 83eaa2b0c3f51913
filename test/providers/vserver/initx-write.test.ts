/**
 * Issue 10 (initx): apply writes only the files a changed field renders, with
 * the mode util-vserver needs for hooks, and never drops what the model does
 * not cover.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GuestSpec } from '../../../src/model/guest.js';
import { renderConfigFiles, writeConfigFiles } from '../../../src/providers/vserver/config-write.js';
import { readGuestConfig } from '../../../src/providers/vserver/config-read.js';

const base: GuestSpec = {
  name: 'g', context: 1001, nodename: 'g', runState: 'stopped', startOnBoot: false, initStyle: 'sysv',
  interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
};
const tmp = () => fsp.mkdtemp(path.join(os.tmpdir(), 'vsgitops-initx-w-'));
async function put(dir: string, files: Record<string, string>, mode = 0o644): Promise<void> {
  for (const [rel, c] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), c);
    await fsp.chmod(path.join(dir, rel), mode);
  }
}
/** Write `spec` over what the host has (observed first, as apply does), then read it back. */
async function apply(dir: string, spec: GuestSpec) {
  const before = (await readGuestConfig(dir)).spec;
  const res = await writeConfigFiles(dir, renderConfigFiles(spec, { before }));
  return { res, after: (await readGuestConfig(dir)).spec };
}
const mode = async (f: string) => ((await fsp.stat(f)).mode & 0o777).toString(8);

test('fields left unset write nothing: every initx file stays byte for byte', async (t) => {
  const dir = await tmp();
  const files = { 'apps/init/cmd.start': '/x\n', 'apps/init/depends': 'db\n', 'sysctl/0/setting': 'a.b\n', 'sysctl/0/value': '1', 'cgroup/blkio.weight': '5\n', 'fstab.remote': 'n:/x  /srv nfs ro 0 0\n', 'scripts/pre-start': 'x\n' };
  await put(dir, files);
  await apply(dir, base);
  for (const [rel, c] of Object.entries(files)) t.is(await fsp.readFile(path.join(dir, rel), 'utf8'), c, rel);
});

test('a one-field change writes exactly that file; the others keep their bytes (spacing, no final newline)', async (t) => {
  const dir = await tmp();
  await put(dir, { 'context': '1001\n', 'apps/init/style': 'sysv\n', 'uts/nodename': 'g\n', 'apps/init/cmd.start': '/x\n', 'sysctl/0/setting': 'a.b\n', 'sysctl/0/value': '1', 'sysctl/1/setting': 'c.d\n', 'sysctl/1/value': '2\n', 'fstab.remote': 'n:/x  /srv nfs ro 0 0\n' });
  const observed = (await readGuestConfig(dir)).spec;
  const { res, after } = await apply(dir, { ...observed, sysctl: [observed.sysctl![0]!, { ...observed.sysctl![1]!, value: '3' }] });
  t.deepEqual(res.written, ['sysctl/1/value']);
  t.deepEqual(res.removed, []);
  t.is(await fsp.readFile(path.join(dir, 'sysctl/0/value'), 'utf8'), '1');
  t.is(after.sysctl![1]!.value, '3');
});

test('hooks: a string is written 0755 (run as a program), executable: false 0644 (sourced); a mode-only change is a chmod', async (t) => {
  const dir = await tmp();
  await put(dir, { context: '1001\n' });
  let r = await apply(dir, { ...base, scripts: { 'pre-start': { content: '#!/bin/sh\n', executable: true }, 'post-stop.d/10-x': { content: 'f\n', executable: false } } });
  t.is(await mode(path.join(dir, 'scripts/pre-start')), '755');
  t.is(await mode(path.join(dir, 'scripts/post-stop.d/10-x')), '644');
  t.deepEqual(r.after.scripts, { 'post-stop.d/10-x': { content: 'f\n', executable: false }, 'pre-start': { content: '#!/bin/sh\n', executable: true } });
  r = await apply(dir, { ...base, scripts: { 'pre-start': { content: '#!/bin/sh\n', executable: false } } });
  t.deepEqual(r.res.written, ['scripts/pre-start']);
  t.is(await mode(path.join(dir, 'scripts/pre-start')), '644');
  // a hook the manifest stops naming is not managed: it stays
  t.is(await fsp.readFile(path.join(dir, 'scripts/post-stop.d/10-x'), 'utf8'), 'f\n');
});

test('sysctl: an entry the list drops is removed with its directory; other files keep it; cgroup files are never removed', async (t) => {
  const dir = await tmp();
  await put(dir, { context: '1001\n', 'sysctl/0/setting': 'a.b\n', 'sysctl/0/value': '1\n', 'sysctl/1/setting': 'c.d\n', 'sysctl/1/value': '2\n', 'sysctl/2/setting': 'e.f\n', 'sysctl/2/value': '3\n', 'sysctl/2/README': 'keep\n', 'cgroup/blkio.weight': '5\n', 'cgroup/cpu.rt_runtime_us': '0\n' });
  const observed = (await readGuestConfig(dir)).spec;
  const { res } = await apply(dir, { ...observed, sysctl: [observed.sysctl![0]!], cgroupFiles: { 'blkio.weight': '7' } });
  t.deepEqual(res.removed, ['sysctl/1/setting', 'sysctl/1/value', 'sysctl/2/setting', 'sysctl/2/value']);
  t.deepEqual((await fsp.readdir(path.join(dir, 'sysctl'))).sort(), ['0', '2']);
  t.is(await fsp.readFile(path.join(dir, 'sysctl/2/README'), 'utf8'), 'keep\n');
  t.is(await fsp.readFile(path.join(dir, 'cgroup/blkio.weight'), 'utf8'), '7\n');
  t.is(await fsp.readFile(path.join(dir, 'cgroup/cpu.rt_runtime_us'), 'utf8'), '0\n');
});

test('lists: [] removes the file (the init style default applies); the rendering reads back as the same value', async (t) => {
  const dir = await tmp();
  await put(dir, { context: '1001\n', 'apps/init/killseq': '15\n5\n9\n', 'fstab.remote': 'n:/x /srv nfs ro 0 0\n' });
  const { res, after } = await apply(dir, { ...base, initExtra: { killSequence: [], cmdStart: ['/bin/sh', '-c', 'exec a  b'], runlevel: '2', environment: ['A=1'] }, depends: ['db'], fstabRemote: [] });
  t.deepEqual(res.removed, ['apps/init/killseq', 'fstab.remote']);
  t.deepEqual(after.initExtra, { runlevel: '2', cmdStart: ['/bin/sh', '-c', 'exec a  b'], environment: ['A=1'] });
  t.deepEqual(after.depends, ['db']);
  t.is(after.fstabRemote, undefined);
});
