import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import git from 'isomorphic-git';
import { realClock } from '../../src/agent/clock.js';
import { openLocalSource } from '../../src/agent/sources/local-source.js';
import { openRemoteSource, stillRunningNotice } from '../../src/agent/sources/remote-source.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/log.js';
import type { SourceChange } from '../../src/agent/sources/types.js';
import { Secret } from '../../src/agent/secret.js';
import { isVsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { commitFile, initRepo } from './helpers/git-repo.js';
import { FakeClock } from './helpers/fake-clock.js';
import { startGitHttpServer } from './helpers/git-http-server.js';

const tmp = (p: string) => fs.promises.mkdtemp(path.join(os.tmpdir(), p));

function waitFor(changes: SourceChange[], pred: (c: SourceChange) => boolean, ms = 30_000): Promise<SourceChange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const hit = changes.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error(`no matching change within ${ms} ms: ${JSON.stringify(changes)}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test('local source: a new commit is reported at once with its revision (debounced)', async (t) => {
  const dir = await tmp('vsgitops-local-');
  const first = await initRepo(dir);
  const source = await openLocalSource({ dir, ref: 'main', debounceMs: 50, clock: realClock, log: silentLogger() });
  t.teardown(() => source.close());
  t.is(source.kind, 'local');
  t.is(await source.currentRevision(), first);
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  let last = '';
  for (let i = 0; i < 3; i++) last = await commitFile(dir, 'guests/a.yaml', `name: a\nn: ${i}\n`, `change ${i}`);
  const c = await waitFor(changes, (x) => x.revision === last);
  t.deepEqual(c, { trigger: 'git', revision: last, sourceChanged: true });
});

test('local source: a burst of commits inside the debounce window is one report of the last tip', async (t) => {
  const dir = await tmp('vsgitops-burst-');
  await initRepo(dir);
  const clock = new FakeClock();
  const source = await openLocalSource({ dir, ref: 'main', debounceMs: 250, clock, log: silentLogger() });
  t.teardown(() => source.close());
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  let last = '';
  for (let i = 0; i < 5; i++) last = await commitFile(dir, 'guests/a.yaml', `n: ${i}\n`, `change ${i}`);
  // let the file events arrive (fake time stands still)
  for (let i = 0; i < 1500 && clock.pending().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(clock.pending(), [250], 'each event restarted the one debounce timer');
  t.deepEqual(changes, []);
  await clock.advance(250);
  await waitFor(changes, () => true);
  t.deepEqual(changes, [{ trigger: 'git', revision: last, sourceChanged: true }]);
});

test('local source: a commit with the git CLI (packed refs, lock+rename) is noticed', async (t) => {
  const dir = await tmp('vsgitops-local-cli-');
  await initRepo(dir);
  await execa('git', ['pack-refs', '--all'], { cwd: dir });
  const source = await openLocalSource({ dir, ref: 'main', debounceMs: 30, clock: realClock, log: silentLogger() });
  t.teardown(() => source.close());
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  await fs.promises.writeFile(path.join(dir, 'b.yaml'), 'b\n');
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@e.invalid', 'commit', '-q', '-a', '--allow-empty', '-m', 'cli'], { cwd: dir });
  const tip = (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
  const c = await waitFor(changes, (x) => x.revision === tip);
  t.is(c.trigger, 'git');
});

test('local source: a plain directory reports file changes without a revision', async (t) => {
  const dir = await tmp('vsgitops-dir-');
  await fs.promises.writeFile(path.join(dir, 'a.yaml'), 'a\n');
  const source = await openLocalSource({ dir, ref: 'main', debounceMs: 30, clock: realClock, log: silentLogger() });
  t.teardown(() => source.close());
  t.is(source.kind, 'directory');
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  await fs.promises.writeFile(path.join(dir, 'a.yaml'), 'a: 2\n');
  const c = await waitFor(changes, () => true);
  t.deepEqual(c, { trigger: 'files', revision: null, sourceChanged: true });
});

test('local source: a missing path is a SOURCE error', async (t) => {
  const err = await t.throwsAsync(openLocalSource({ dir: '/nonexistent/repo', ref: 'main', debounceMs: 30, clock: realClock, log: silentLogger() }));
  t.true(isVsError(err, 'SOURCE'));
});

async function bareRepoWithCommit(root: string): Promise<{ bare: string; work: string; first: string }> {
  const work = path.join(root, 'work');
  const first = await initRepo(work);
  const bare = path.join(root, 'srv', 'hosts.git');
  await execa('git', ['clone', '-q', '--bare', work, bare]);
  await execa('git', ['remote', 'add', 'origin', bare], { cwd: work });
  return { bare, work, first };
}

test('remote source: clone over http (git http-backend), then fetch the new tip after a push', async (t) => {
  const root = await tmp('vsgitops-remote-');
  const { work, first } = await bareRepoWithCommit(root);
  const server = await startGitHttpServer(path.join(root, 'srv'));
  t.teardown(() => server.close());
  const stateDir = path.join(root, 'state');
  const source = openRemoteSource({
    url: `${server.url}/hosts.git`, ref: 'main', stateDir, username: null, password: null,
    pollMs: 3_600_000, pollJitter: 0, clock: realClock, random: Math.random, log: silentLogger(),
  });
  t.teardown(() => source.close());
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  t.deepEqual(changes, [{ trigger: 'fetch', revision: first, sourceChanged: true }]);
  t.is(await source.currentRevision(), first);
  t.true(source.location.gitdir!.startsWith(stateDir), 'the cache lives in the state directory');
  t.is(source.location.ref, 'refs/remotes/origin/main');
  t.is(await git.resolveRef({ fs, gitdir: source.location.gitdir!, ref: source.location.ref }), first);

  t.deepEqual(await source.refresh(), { revision: first, changed: false });
  const second = await commitFile(work, 'guests/b.yaml', 'name: b\n', 'add b');
  await execa('git', ['push', '-q', 'origin', 'main'], { cwd: work });
  t.deepEqual(await source.refresh(), { revision: second, changed: true });
  t.is(await source.currentRevision(), second);
  const blob = await git.readBlob({ fs, gitdir: source.location.gitdir!, oid: second, filepath: 'guests/b.yaml' });
  t.is(Buffer.from(blob.blob).toString(), 'name: b\n', 'the fetched objects are readable from the cache');
});

test('remote source: polling reports a pushed commit', async (t) => {
  const root = await tmp('vsgitops-poll-');
  const { work } = await bareRepoWithCommit(root);
  const server = await startGitHttpServer(path.join(root, 'srv'));
  t.teardown(() => server.close());
  const source = openRemoteSource({
    url: `${server.url}/hosts.git`, ref: 'main', stateDir: path.join(root, 'state'), username: null, password: null,
    pollMs: 100, pollJitter: 0.5, clock: realClock, random: Math.random, log: silentLogger(),
  });
  t.teardown(() => source.close());
  const changes: SourceChange[] = [];
  await source.start((c) => changes.push(c));
  const second = await commitFile(work, 'x.yaml', 'x\n', 'x');
  await execa('git', ['push', '-q', 'origin', 'main'], { cwd: work });
  const c = await waitFor(changes, (x) => x.revision === second);
  t.is(c.trigger, 'poll');
});

test('remote source: credentials are sent through onAuth, and a wrong password is a redacted SOURCE error', async (t) => {
  const root = await tmp('vsgitops-auth-');
  const { first } = await bareRepoWithCommit(root);
  const server = await startGitHttpServer(path.join(root, 'srv'), { username: 'deploy', password: 'right-password-1' });
  t.teardown(() => server.close());
  const open = (password: string, stateDir: string) =>
    openRemoteSource({
      url: `${server.url}/hosts.git`, ref: 'main', stateDir, username: 'deploy', password: new Secret(password),
      pollMs: 3_600_000, pollJitter: 0, clock: realClock, random: Math.random, log: silentLogger(),
    });
  const good = open('right-password-1', path.join(root, 'state1'));
  t.teardown(() => good.close());
  t.deepEqual(await good.refresh(), { revision: first, changed: true });

  const bad = open('wrong-password-2', path.join(root, 'state2'));
  t.teardown(() => bad.close());
  const err = await t.throwsAsync(bad.refresh());
  t.true(isVsError(err, 'SOURCE'), String(err));
  t.false(JSON.stringify({ m: err!.message, d: (err as unknown as { data: unknown }).data }).includes('wrong-password-2'));
});

test('local source: ref HEAD follows the default branch of a repository on master', async (t) => {
  const dir = await tmp('vsgitops-master-');
  const first = await initRepo(dir, 'master');
  const source = await openLocalSource({ dir, ref: 'HEAD', debounceMs: 30, clock: realClock, log: silentLogger() });
  t.teardown(() => source.close());
  t.is(source.location.ref, 'HEAD');
  t.is(await source.currentRevision(), first);
  const second = await commitFile(dir, 'x.yaml', 'x\n', 'x');
  t.deepEqual(await source.refresh(), { revision: second, changed: true });
});

test('remote source: ref HEAD clones and fetches the remote default branch (master)', async (t) => {
  const root = await tmp('vsgitops-remote-head-');
  const work = path.join(root, 'work');
  const first = await initRepo(work, 'master');
  const bare = path.join(root, 'srv', 'hosts.git');
  await execa('git', ['clone', '-q', '--bare', work, bare]);
  await execa('git', ['remote', 'add', 'origin', bare], { cwd: work });
  const server = await startGitHttpServer(path.join(root, 'srv'));
  t.teardown(() => server.close());
  const source = openRemoteSource({
    url: `${server.url}/hosts.git`, ref: 'HEAD', stateDir: path.join(root, 'state'), username: null, password: null,
    pollMs: 3_600_000, pollJitter: 0, clock: realClock, random: Math.random, log: silentLogger(),
  });
  t.teardown(() => source.close());
  t.deepEqual(await source.refresh(), { revision: first, changed: true });
  t.is(source.location.ref, 'refs/remotes/origin/master');
  const second = await commitFile(work, 'x.yaml', 'x\n', 'x');
  await execa('git', ['push', '-q', 'origin', 'master'], { cwd: work });
  t.deepEqual(await source.refresh(), { revision: second, changed: true });
});

test('remote source: a clone that takes long is logged as still running, with git\'s progress, every interval; nothing after it ends', async (t) => {
  const clock = new FakeClock();
  const lines: string[] = [];
  const notice = stillRunningNotice(clock, 5_000, (line) => void lines.push(`clone of https://git.example/hosts.git (main) ${line}`));
  await clock.advance(4_999);
  t.deepEqual(lines, [], 'nothing before the interval');
  notice.onProgress({ phase: 'Receiving objects', loaded: 120, total: 400 });
  await clock.advance(1);
  t.deepEqual(lines, ['clone of https://git.example/hosts.git (main) still running (5s): Receiving objects 120/400']);
  notice.onProgress({ phase: 'Resolving deltas', loaded: 7 });
  await clock.advance(5_000);
  t.is(lines[1], 'clone of https://git.example/hosts.git (main) still running (10s): Resolving deltas 7');
  notice.stop();
  await clock.advance(60_000);
  t.is(lines.length, 2, 'stopped with the transfer');
});

test('remote source: a hanging remote gets "still running" lines from the source itself (injected clock)', async (t) => {
  const server = http.createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vsg-hang-'));
  const clock = new FakeClock();
  const lines: string[] = [];
  const log = silentLogger();
  log.info = ((m: string) => {
    lines.push(m);
    return log;
  }) as Logger['info'];
  const source = openRemoteSource({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hosts.git`, ref: 'main', stateDir: root, username: null, password: null,
    pollMs: 3_600_000, pollJitter: 0, clock, random: Math.random, log, progressIntervalMs: 1_000,
  });
  const fetching = source.refresh().catch((e: unknown) => e);
  for (let i = 0; i < 50 && lines.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    await clock.advance(1_000);
  }
  t.regex(lines[0] ?? '', /^clone of http:\/\/127\.0\.0\.1:\d+\/hosts\.git \(main\) still running \(\d+s\)/);
  server.closeAllConnections();
  server.close();
  t.true(isVsError(await fetching, 'SOURCE'));
  await source.close();
});
