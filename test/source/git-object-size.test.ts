import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { ObjectSizer } from '../../src/source/git-object-size.js';
import { readGitSource } from '../../src/source/git-source.js';

async function repoWithHistory(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vsg-objsize-'));
  const g = (args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], { cwd: dir });
  await g(['init', '-q', '-b', 'main']);
  await fsp.mkdir(path.join(dir, 'm'));
  // similar versions of a file: git gc stores most of them as deltas (OFS_DELTA)
  const base = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'x'.repeat(i % 50)}`).join('\n');
  for (let v = 0; v < 8; v++) {
    await fsp.writeFile(path.join(dir, 'm', 'web.yaml'), `${base}\nversion ${v}\n${'y'.repeat(v * 100)}`);
    await fsp.writeFile(path.join(dir, 'm', `f${v}.yaml`), `v: ${v}\n`);
    await g(['add', '-A']);
    await g(['commit', '-q', '-m', `v${v}`]);
  }
  await g(['tag', '-a', '-m', 'release', 'v1']);
  return dir;
}

/** git's own answer: "<oid> <type> <size>" for every object. */
async function gitSizes(dir: string): Promise<string[]> {
  const r = await execa('git', ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { cwd: dir });
  return r.stdout.split('\n').filter(Boolean);
}

test('object type and size from headers match git, for loose objects and for packs with deltas', async (t) => {
  const dir = await repoWithHistory();
  const check = async (label: string) => {
    const sizer = new ObjectSizer(path.join(dir, '.git'));
    const want = await gitSizes(dir);
    t.true(want.length > 30, label);
    for (const line of want) {
      const [oid, type, size] = line.split(' ');
      t.deepEqual(sizer.header(oid!), { type: type as 'blob', size: Number(size) }, `${label} ${line}`);
    }
    t.is(sizer.header('0'.repeat(40)), null);
  };
  await check('loose');
  await execa('git', ['gc', '-q', '--aggressive'], { cwd: dir });
  const deltas = (await execa('git', ['verify-pack', '-v', ...(await fsp.readdir(path.join(dir, '.git/objects/pack'))).filter((f) => f.endsWith('.idx')).map((f) => path.join(dir, '.git/objects/pack', f))], { cwd: dir })).stdout;
  t.regex(deltas, /chain length = [1-9]/, 'the pack holds deltas');
  await check('packed');
  // and the whole read path works on the packed repository
  const snap = await readGitSource({ repo: dir, path: 'm' }, { maxFileBytes: 1024 * 1024 });
  t.is(snap.files.length, 9);
});

test('a blob over the file limit is listed without being read; a revision over the total limit is refused', async (t) => {
  const dir = await repoWithHistory();
  const snap = await readGitSource({ repo: dir, path: 'm' }, { maxFileBytes: 1000 });
  const web = snap.files.find((f) => f.path === 'm/web.yaml')!;
  t.is(web.bytes, null);
  t.true(web.size > 1000);
  t.true(snap.files.filter((f) => f.path !== 'm/web.yaml').every((f) => f.bytes !== null));
  const err = await t.throwsAsync(readGitSource({ repo: dir, path: 'm' }, { maxFileBytes: 1024 * 1024, maxTotalBytes: 5000 }));
  t.regex(err!.message, /hold more than 5000 bytes \(the limit for one revision\)/);
});

test('a blob whose header says 300 MB is never inflated: its size comes from the header alone', async (t) => {
  const dir = await repoWithHistory();
  // a loose object that claims 300 MB (its body is short: reading it whole would fail the checksum)
  const oid = 'ab'.repeat(20);
  await fsp.mkdir(path.join(dir, '.git/objects/ab'), { recursive: true });
  await fsp.writeFile(path.join(dir, '.git/objects/ab', oid.slice(2)), zlib.deflateSync(Buffer.from('blob 300000000\0apiVersion: vsgitops.io/v1\n')));
  const tree = (await execa('git', ['mktree', '--missing'], { cwd: dir, input: `100644 blob ${oid}\thuge.yaml\n` })).stdout;
  const commit = (await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', 'commit-tree', tree, '-m', 'huge'], { cwd: dir })).stdout;
  const snap = await readGitSource({ repo: dir, ref: commit }, { maxFileBytes: 1024 * 1024 });
  t.deepEqual(snap.files, [{ path: 'huge.yaml', size: 300_000_000, bytes: null }]);
});
