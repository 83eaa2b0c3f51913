import test from 'ava';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GuestSpec } from '../../../src/model/guest.js';
import { renderConfigFiles, writeConfigFiles } from '../../../src/providers/vserver/config-write.js';
import { mkdirMode } from '../../../src/fs/mkdir-mode.js';
import { isVsError } from '../../../src/errors.js';

const spec: GuestSpec = {
  name: 'web1', context: 1001, nodename: 'web1', runState: 'stopped', startOnBoot: false, initStyle: 'sysv',
  interfaces: [], flags: [], bcaps: [], ccaps: [], limits: {}, cgroup: {}, fstab: [],
};

test('a symlinked subdirectory (web1/uts -> elsewhere) is refused: nothing written or deleted through it', async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-cw-'));
  const dir = path.join(root, 'web1');
  const elsewhere = path.join(root, 'elsewhere');
  await fs.mkdir(dir);
  await fs.mkdir(elsewhere);
  await fs.writeFile(path.join(elsewhere, 'nodename'), 'precious\n');
  await fs.writeFile(path.join(elsewhere, 'domainname'), 'keep me\n'); // a managed file vsgitops would remove
  await fs.symlink(elsewhere, path.join(dir, 'uts'));
  const err = await t.throwsAsync(writeConfigFiles(dir, renderConfigFiles(spec)));
  t.true(isVsError(err, 'UNSAFE_PATH'), String(err));
  t.regex(err!.message, /symbolic link .*web1\/uts/);
  t.is(await fs.readFile(path.join(elsewhere, 'nodename'), 'utf8'), 'precious\n', 'not written through');
  t.is(await fs.readFile(path.join(elsewhere, 'domainname'), 'utf8'), 'keep me\n', 'not deleted through');
  t.deepEqual((await fs.readdir(elsewhere)).sort(), ['domainname', 'nodename']);
});

test('a removal through a symlinked directory is refused too', async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-cw-'));
  const dir = path.join(root, 'web1');
  const elsewhere = path.join(root, 'elsewhere');
  await fs.mkdir(dir);
  await fs.mkdir(elsewhere);
  await fs.writeFile(path.join(elsewhere, 'x'), 'keep\n');
  await fs.symlink(elsewhere, path.join(dir, 'apps'));
  await t.throwsAsync(writeConfigFiles(dir, new Map([['apps/x', null]])), { message: /symbolic link/ });
  t.is(await fs.readFile(path.join(elsewhere, 'x'), 'utf8'), 'keep\n');
});

test('directories are created with mode 0755 whatever the umask', async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-cw-'));
  const old = process.umask(0o077);
  try {
    await writeConfigFiles(path.join(root, 'g'), renderConfigFiles({ ...spec, startOnBoot: true }));
    await mkdirMode(path.join(root, 'state/a/b'), 0o755);
  } finally {
    process.umask(old);
  }
  for (const d of ['g', 'g/apps', 'g/apps/init', 'state', 'state/a', 'state/a/b']) {
    t.is((await fs.stat(path.join(root, d))).mode & 0o777, 0o755, d);
  }
  t.is((await fs.stat(root)).mode & 0o777, 0o700, 'an existing directory is left as it was');
});
