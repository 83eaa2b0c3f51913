import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execaSync } from 'execa';
import git from 'isomorphic-git';
import { loadDesiredState } from '../../src/desired/load.js';
import { isVsError } from '../../src/errors.js';
import { redactUrl } from '../../src/source/git-source.js';
import { startGitHttpServer } from './git-http-server.js';

const author = { name: 'T', email: 't@example.org', timestamp: 1700000000, timezoneOffset: 0 };
const guest = (name: string, context: number) =>
  `apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: ${name}}\nspec:\n  context: ${context}\n  hosts: {names: [h1]}\n  build: {method: skeleton}\n`;

// tests are declared synchronously, so probe for the git CLI synchronously
const hasGit = (() => {
  try {
    return execaSync('git', ['--version'], { reject: false }).exitCode === 0;
  } catch {
    return false;
  }
})();
const maybe = hasGit ? test : test.skip;

maybe('an http(s) URL is cloned into the cache, then fetched on later reads', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-remote-'));
  const dir = path.join(root, 'fleet');
  await git.init({ fs, dir, defaultBranch: 'main' });
  const commit = async (file: string, text: string, message: string) => {
    fs.writeFileSync(path.join(dir, file), text);
    await git.add({ fs, dir, filepath: file });
    return git.commit({ fs, dir, message, author: { ...author, timestamp: author.timestamp + Math.floor(Math.random() * 1000) } });
  };
  const v1 = await commit('a.yaml', guest('one', 10), 'v1');
  await git.tag({ fs, dir, ref: 'v1' });
  const server = await startGitHttpServer(root);
  try {
    const cacheDir = path.join(root, 'cache');
    const url = `${server.url}/fleet/.git`;
    const first = await loadDesiredState({ kind: 'git', repo: url, cacheDir });
    t.is(first.revision, v1);
    t.deepEqual(first.guests.map((g) => g.spec.name), ['one']);
    const v2 = await commit('b.yaml', guest('two', 11), 'v2');
    const second = await loadDesiredState({ kind: 'git', repo: url, cacheDir });
    t.is(second.revision, v2, 'HEAD follows the remote after a fetch');
    t.deepEqual(second.guests.map((g) => g.spec.name), ['one', 'two']);
    const tagged = await loadDesiredState({ kind: 'git', repo: url, cacheDir, ref: 'v1' });
    t.is(tagged.revision, v1);
    const branch = await loadDesiredState({ kind: 'git', repo: url, cacheDir, ref: 'main' });
    t.is(branch.revision, v2);
    t.is(fs.readdirSync(cacheDir).length, 1, 'one cache entry per URL');
    const err = await t.throwsAsync(loadDesiredState({ kind: 'git', repo: `${server.url}/missing/.git`, cacheDir }));
    t.true(isVsError(err, 'SOURCE'));
    t.regex(err!.message, /cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\/\.git/);
  } finally {
    await server.close();
  }
});

test('credentials in a URL never reach messages', (t) => {
  t.is(redactUrl('https://user:s3cret@git.example.org/fleet.git'), 'https://***@git.example.org/fleet.git');
  t.is(redactUrl('https://git.example.org/fleet.git'), 'https://git.example.org/fleet.git');
});

maybe('a fetch that would download more than its limit is cut off with an error naming the limit', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-remote-big-'));
  const dir = path.join(root, 'fleet');
  await git.init({ fs, dir, defaultBranch: 'main' });
  // incompressible content: the pack is about as large as the file
  fs.writeFileSync(path.join(dir, 'a.yaml'), `# ${(await import('node:crypto')).randomBytes(60_000).toString('base64')}\n`);
  await git.add({ fs, dir, filepath: 'a.yaml' });
  await git.commit({ fs, dir, message: 'big', author });
  const server = await startGitHttpServer(root);
  try {
    const { readGitSource } = await import('../../src/source/git-source.js');
    const cacheDir = path.join(root, 'cache');
    const err = await t.throwsAsync(readGitSource({ repo: `${server.url}/fleet/.git`, cacheDir, maxFetchBytes: 20_000 }, { maxFileBytes: 1 << 20 }));
    t.true(isVsError(err, 'SOURCE'));
    t.regex(err!.message, /sent more than 20000 bytes \(the limit for one fetch\)/);
    const ok = await readGitSource({ repo: `${server.url}/fleet/.git`, cacheDir }, { maxFileBytes: 1 << 20 });
    t.is(ok.files.length, 1);
  } finally {
    await server.close();
  }
});
