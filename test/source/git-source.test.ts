import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa, execaSync } from 'execa';
import git from 'isomorphic-git';
import { loadDesiredState } from '../../src/desired/load.js';
import { isVsError } from '../../src/errors.js';
import { readGitSource } from '../../src/source/git-source.js';

const author = { name: 'Test', email: 'test@example.org', timestamp: 1700000000, timezoneOffset: 0 };

const guest = (name: string, context: number) => `apiVersion: vsgitops.io/v1
kind: VServer
metadata: {name: ${name}}
spec:
  context: ${context}
  hosts: {names: [h1]}
  build: {method: skeleton}
`;

async function commitFiles(dir: string, files: Record<string, string | null>, message: string): Promise<string> {
  for (const [p, content] of Object.entries(files)) {
    const full = path.join(dir, p);
    if (content === null) {
      fs.rmSync(full);
      await git.remove({ fs, dir, filepath: p });
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    await git.add({ fs, dir, filepath: p });
  }
  return git.commit({ fs, dir, message, author });
}

async function repo(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-git-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  return dir;
}

test('reads the committed tree, not the working copy', async (t) => {
  const dir = await repo();
  const v1 = await commitFiles(dir, { 'guests/web.yaml': guest('web1', 1001), 'README.md': 'x' }, 'v1');
  // uncommitted changes: an edited file, a new file, a deleted file
  fs.writeFileSync(path.join(dir, 'guests/web.yaml'), guest('changed', 1001));
  fs.writeFileSync(path.join(dir, 'guests/new.yaml'), guest('uncommitted', 1002));
  const state = await loadDesiredState({ kind: 'git', repo: dir });
  t.is(state.revision, v1);
  t.deepEqual(state.problems, []);
  t.deepEqual(state.guests.map((g) => g.spec.name), ['web1']);
  t.is(state.guests[0]!.origin.file, 'guests/web.yaml');
  t.is(state.files, 1);
});

test('reads a given ref: branch, tag, full and short commit id', async (t) => {
  const dir = await repo();
  const v1 = await commitFiles(dir, { 'a.yaml': guest('one', 10) }, 'v1');
  await git.tag({ fs, dir, ref: 'v1' });
  await git.annotatedTag({ fs, dir, ref: 'v1-annotated', message: 'release', tagger: author });
  await git.branch({ fs, dir, ref: 'stable' });
  const v2 = await commitFiles(dir, { 'b.yaml': guest('two', 11) }, 'v2');
  const names = async (ref?: string) => (await loadDesiredState({ kind: 'git', repo: dir, ...(ref ? { ref } : {}) })).guests.map((g) => g.spec.name);
  t.deepEqual(await names(), ['one', 'two']);
  t.deepEqual(await names('main'), ['one', 'two']);
  t.deepEqual(await names('stable'), ['one']);
  t.deepEqual(await names('v1'), ['one']);
  t.deepEqual(await names('v1-annotated'), ['one']);
  t.deepEqual(await names(v1), ['one']);
  t.deepEqual(await names(v2.slice(0, 8)), ['one', 'two']);
  t.is((await loadDesiredState({ kind: 'git', repo: dir, ref: 'v1-annotated' })).revision, v1);
});

test('--path limits reading to a sub-directory and reports repository-relative paths', async (t) => {
  const dir = await repo();
  await commitFiles(dir, { 'fleet/prod/a.yaml': guest('prod1', 10), 'fleet/test/b.yaml': guest('test1', 10), 'other.yaml': 'not: [valid' }, 'c');
  const state = await loadDesiredState({ kind: 'git', repo: dir, path: 'fleet/prod' });
  t.deepEqual(state.problems, []);
  t.deepEqual(state.guests.map((g) => [g.spec.name, g.origin.file]), [['prod1', 'fleet/prod/a.yaml']]);
});

test('problems in committed files carry repository paths and lines', async (t) => {
  const dir = await repo();
  await commitFiles(dir, { 'x/bad.yaml': guest('web1', 1).replace('{method: skeleton}', '{method: debootstrap}') }, 'bad');
  const state = await loadDesiredState({ kind: 'git', repo: dir });
  t.deepEqual(state.problems.map((p) => [p.file, p.line, p.path]), [['x/bad.yaml', 5, 'spec.context'], ['x/bad.yaml', 7, 'spec.build.distribution']]);
  t.deepEqual(state.guests, []);
});

test('oversized committed files are rejected', async (t) => {
  const dir = await repo();
  await commitFiles(dir, { 'big.yaml': '# ' + 'x'.repeat(200) }, 'big');
  const state = await loadDesiredState({ kind: 'git', repo: dir }, { maxFileBytes: 100 });
  t.deepEqual(state.problems.map((p) => [p.file, p.message]), [['big.yaml', 'file is too large (202 bytes; the limit is 100)']]);
});

test('a repository without manifests is empty, not invalid', async (t) => {
  const dir = await repo();
  await commitFiles(dir, { 'README.md': 'hi' }, 'docs');
  const state = await loadDesiredState({ kind: 'git', repo: dir });
  t.deepEqual([state.guests, state.problems, state.files], [[], [], 0]);
});

const sourceErrors: [string, (dir: string) => Parameters<typeof readGitSource>[0], RegExp][] = [
  ['unknown ref', (dir) => ({ repo: dir, ref: 'nope' }), /git ref 'nope' not found/],
  ['missing path', (dir) => ({ repo: dir, path: 'missing' }), /path 'missing' not found/],
  ['path escaping the repository', (dir) => ({ repo: dir, path: '../etc' }), /must stay inside the repository/],
  ['not a repository', () => ({ repo: os.tmpdir() }), /is not a git repository/],
];
for (const [title, spec, message] of sourceErrors) {
  test(`SOURCE error: ${title}`, async (t) => {
    const dir = await repo();
    await commitFiles(dir, { 'a.yaml': guest('one', 10) }, 'v1');
    const err = await t.throwsAsync(readGitSource(spec(dir), { maxFileBytes: 1000 }));
    t.true(isVsError(err, 'SOURCE'), String(err));
    t.regex(err!.message, message);
  });
}

test('a bare repository works', async (t) => {
  const dir = await repo();
  const c = await commitFiles(dir, { 'a.yaml': guest('one', 10) }, 'v1');
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-bare-'));
  fs.cpSync(path.join(dir, '.git'), bare, { recursive: true });
  const snap = await readGitSource({ repo: bare }, { maxFileBytes: 1000 });
  t.is(snap.revision, c);
  t.deepEqual(snap.files.map((f) => f.path), ['a.yaml']);
});

// tests are declared synchronously, so probe for the git CLI synchronously
const hasGit = (() => {
  try {
    return execaSync('git', ['--version'], { reject: false }).exitCode === 0;
  } catch {
    return false;
  }
})();

(hasGit ? test : test.skip)('a linked work tree (git worktree add) reads its own HEAD', async (t) => {
  const dir = await repo();
  const v1 = await commitFiles(dir, { 'a.yaml': guest('one', 10) }, 'v1');
  await git.branch({ fs, dir, ref: 'old' });
  const v2 = await commitFiles(dir, { 'b.yaml': guest('two', 11) }, 'v2');
  const wt = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-wt-')), 'wt');
  const r = await execa('git', ['-C', dir, 'worktree', 'add', wt, 'old'], { reject: false });
  t.is(r.exitCode, 0, r.stderr);
  const snap = await readGitSource({ repo: wt }, { maxFileBytes: 1000 });
  t.is(snap.revision, v1);
  t.deepEqual(snap.files.map((f) => f.path), ['a.yaml']);
  t.is((await readGitSource({ repo: wt, ref: 'main' }, { maxFileBytes: 1000 })).revision, v2);
});

test('a blob cache: known blob ids are not read again, changed ones are, and the cache holds the last read', async (t) => {
  const dir = await repo();
  await commitFiles(dir, { 'a.yaml': guest('a', 1001), 'b.yaml': guest('b', 1002) }, 'v1');
  const blobCache = new Map<string, Uint8Array>();
  const first = await readGitSource({ repo: dir }, { maxFileBytes: 4096, blobCache });
  t.is(blobCache.size, 2);
  const [oidA, oidB] = [...blobCache.keys()];
  t.deepEqual(first.files.map((f) => new TextDecoder().decode(f.bytes!)), [guest('a', 1001), guest('b', 1002)]);
  // stand-in content under a's id proves a known id is taken from the cache, not the object store
  const marker = new TextEncoder().encode('from the cache\n');
  blobCache.set(oidA!, marker);
  await commitFiles(dir, { 'b.yaml': guest('b', 2002) }, 'v2');
  const second = await readGitSource({ repo: dir }, { maxFileBytes: 4096, blobCache });
  t.deepEqual(second.files.map((f) => new TextDecoder().decode(f.bytes!)), ['from the cache\n', guest('b', 2002)]);
  t.is(second.files[0]!.size, marker.length);
  // b changed: its old blob is gone from the cache, its new one is in
  t.false(blobCache.has(oidB!));
  t.is(blobCache.size, 2);
  // without a cache nothing is kept and the store is read
  const plain = await readGitSource({ repo: dir }, { maxFileBytes: 4096 });
  t.is(new TextDecoder().decode(plain.files[0]!.bytes!), guest('a', 1001));
});
