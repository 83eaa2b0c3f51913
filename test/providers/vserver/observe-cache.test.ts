/**
 * The agent's incremental observe (issue 12): with a cache, a config dir is
 * re-read only when the stamp of its tree changed; the result must be the
 * result of a full observe, digest included, after every kind of change.
 *
 * The cache's clock is set 10 s ahead of the files' clock in most tests, so
 * no read counts as "racy" (a change in the same timestamp tick): a change is
 * then found by the stamp alone, which is what these tests check.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../src/providers/command-runner.js';
import { simHostPaths, type HostPaths } from '../../../src/providers/vserver/host-paths.js';
import { createObserveCache, observeHost, type ObserveCache } from '../../../src/providers/vserver/observe.js';
import { GuestConfigCache, RACY_MS } from '../../../src/providers/vserver/observe-cache.js';
import { stampConfigTreeSync } from '../../../src/providers/vserver/config-read.js';
import { seedSimHost } from '../../../src/sim/seed.js';
import { baseSpec } from '../../helpers/state-builder.js';

const noRunner: CommandRunner = {
  async run(argv) {
    throw new Error(`unexpected process: ${argv.join(' ')}`);
  },
};

function makeHost(n = 4): { paths: HostPaths; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-obscache-'));
  const specs = Array.from({ length: n }, (_, i) => {
    const s = baseSpec(`g${i}`, 1001 + i);
    if (i === n - 1) s.runState = 'stopped';
    return s;
  });
  seedSimHost(dir, specs);
  const paths = simHostPaths(dir);
  // a followed link below the top level: a shared interface dir outside the config dir
  const shared = path.join(dir, 'shared-if');
  fs.mkdirSync(shared);
  fs.writeFileSync(path.join(shared, 'ip'), '10.9.9.9\n');
  fs.writeFileSync(path.join(shared, 'prefix'), '24\n');
  fs.symlinkSync(shared, path.join(paths.etcVservers, 'g0', 'interfaces', '7'));
  for (const s of specs) fs.writeFileSync(path.join(paths.etcVservers, s.name, '.vsgitops'), '{"owner":"vsgitops"}\n');
  return { paths, dir };
}

/** Ahead of the file clock: nothing read here is "racy". */
const ahead = () => Date.now() + 10_000;

async function both(paths: HostPaths, cache: ObserveCache) {
  const inc = await observeHost(paths, { hostName: 'h', runner: noRunner, cache });
  const full = await observeHost(paths, { hostName: 'h', runner: noRunner });
  return { inc, full };
}

/** Writes `content` into an existing file in place (same inode, the dir's mtime untouched). */
function editInPlace(file: string, content: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, content, 0);
  } finally {
    fs.closeSync(fd);
  }
}

test('an unchanged host: the second observation reuses every read and equals a full observe', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  const first = await both(paths, cache);
  t.is(first.inc.digest, first.full.digest);
  t.like(cache.last, { full: true, reason: 'first', read: 4, reused: 0 });
  const second = await both(paths, cache);
  t.like(cache.last, { full: false, read: 0, reused: 4 });
  t.is(second.inc.digest, second.full.digest);
  t.deepEqual(second.inc, second.full);
});

test('a hand edit of a nested file (interfaces/0/ip, same size, dir mtimes untouched) is seen and only that guest is read', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  await both(paths, cache);
  const file = path.join(paths.etcVservers, 'g1', 'interfaces', '0', 'ip');
  const before = fs.readFileSync(file, 'utf8');
  const dirs = ['', 'interfaces', 'interfaces/0'].map((r) => path.join(paths.etcVservers, 'g1', r));
  const dirTimes = dirs.map((d) => fs.lstatSync(d).mtimeMs);
  const after = before.replace(/\d+(\s*)$/, (m, ws: string) => `${(Number(m.trim()) % 200) + 1}${ws}`.padStart(m.length, '1'));
  t.is(after.length, before.length);
  t.not(after, before);
  editInPlace(file, after);
  t.deepEqual(dirs.map((d) => fs.lstatSync(d).mtimeMs), dirTimes, 'the edit left every directory mtime as it was');
  const { inc, full } = await both(paths, cache);
  t.like(cache.last, { full: false, read: 1, reused: 3 });
  t.is(inc.digest, full.digest);
  const g1 = inc.guests.find((g) => g.spec.name === 'g1')!;
  t.true(JSON.stringify(g1.spec.interfaces).includes(after.trim()));
});

test('every kind of config change gives the full observe digest', async (t) => {
  const { paths, dir } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  await both(paths, cache);
  const etc = paths.etcVservers;
  const changes: [string, () => void][] = [
    ['file added in a subdir', () => fs.writeFileSync(path.join(etc, 'g0', 'apps', 'init', 'extra-file'), 'x\n')],
    ['file removed', () => fs.rmSync(path.join(etc, 'g0', 'apps', 'init', 'extra-file'))],
    ['file renamed', () => fs.renameSync(path.join(etc, 'g2', 'uts', 'nodename'), path.join(etc, 'g2', 'uts', 'nodename.old'))],
    ['target of a followed link edited', () => editInPlace(path.join(dir, 'shared-if', 'ip'), '10.9.9.8\n')],
    ['link re-pointed', () => {
      fs.rmSync(path.join(etc, 'g0', 'interfaces', '7'));
      fs.symlinkSync(path.join(etc, 'g1', 'interfaces', '0'), path.join(etc, 'g0', 'interfaces', '7'));
    }],
    ['mode changed', () => fs.chmodSync(path.join(etc, 'g1', 'context'), 0o600)],
    ['marker removed', () => fs.rmSync(path.join(etc, 'g2', '.vsgitops'))],
    ['guest dir added', () => fs.cpSync(path.join(etc, 'g3'), path.join(etc, 'g9'), { recursive: true, verbatimSymlinks: true })],
    ['guest dir removed', () => fs.rmSync(path.join(etc, 'g3'), { recursive: true })],
  ];
  for (const [what, change] of changes) {
    change();
    const { inc, full } = await both(paths, cache);
    t.is(inc.digest, full.digest, what);
    t.deepEqual(inc, full, what);
    t.false(cache.last.full, what);
  }
});

test('runtime state is read on every observation: a stopped context, a changed limit, a new address', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  await both(paths, cache);
  const limit = path.join(paths.proc, 'virtual', '1001', 'limit');
  fs.writeFileSync(limit, fs.readFileSync(limit, 'utf8').replace(/^(PROC:.*?)-1\/\s+-1/m, '$1123/123'));
  let { inc, full } = await both(paths, cache);
  t.false(cache.last.full);
  t.is(inc.digest, full.digest);
  t.deepEqual(inc.guests[0]!.runtime?.limits.nproc, { soft: 123, hard: 123 });
  // the run file's target changes without the config dir changing
  fs.writeFileSync(path.join(paths.runDir, 'g1'), '1999\n');
  ({ inc, full } = await both(paths, cache));
  t.is(inc.digest, full.digest);
  t.deepEqual(inc.guests[1]!.problems, full.guests[1]!.problems);
});

test('a context that starts or stops makes the next observation a full one', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  await both(paths, cache);
  fs.rmSync(path.join(paths.proc, 'virtual', '1002'), { recursive: true });
  const { inc, full } = await both(paths, cache);
  t.like(cache.last, { full: true, reason: 'contexts changed' });
  t.is(inc.digest, full.digest);
  await both(paths, cache);
  t.like(cache.last, { full: false, reused: 4 });
});

test('every guest is read again once the full-observe interval has passed, and when the clock goes back', async (t) => {
  const { paths } = makeHost();
  let now = Date.now() + 10_000;
  const cache = createObserveCache({ fullEveryMs: 60_000, now: () => now });
  await both(paths, cache);
  now += 59_000;
  await both(paths, cache);
  t.like(cache.last, { full: false, reused: 4 });
  now += 1_000;
  await both(paths, cache);
  t.like(cache.last, { full: true, reason: 'interval', read: 4 });
  now -= 5_000;
  await both(paths, cache);
  t.like(cache.last, { full: true, reason: 'clock went back' });
});

test('a read that began within RACY_MS of a file time is not trusted next time', async (t) => {
  const { paths } = makeHost();
  // the cache's clock is the files' clock: everything was just written, so every read is racy
  const cache = createObserveCache({ fullEveryMs: 3_600_000 });
  await both(paths, cache);
  await both(paths, cache);
  t.like(cache.last, { full: false, reused: 0, read: 4 });
});

test('GuestConfigCache: the same stamp is reused only when the read was not racy', (t) => {
  const c = new GuestConfigCache<string>({ fullEveryMs: 1000, now: () => 100_000 });
  t.true(c.begin([1]));
  c.store('a', 's1', 100_000 - RACY_MS - 1, 100_000, 'old read');
  c.store('b', 's1', 100_000 - RACY_MS, 100_000, 'racy read');
  t.false(c.begin([1]), 'held by the observation under way');
  c.release();
  t.true(c.begin([1]));
  t.is(c.reuse('a', 's1'), 'old read');
  t.is(c.reuse('a', 's2'), undefined);
  t.is(c.reuse('b', 's1'), undefined);
  c.end(new Set(['b']));
  t.is(c.size, 1);
});

test('a caller changing an observed guest does not change the next observation', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  const first = await observeHost(paths, { hostName: 'h', runner: noRunner, cache });
  first.guests[0]!.spec.interfaces.length = 0;
  first.guests[0]!.problems?.push({ file: 'x', line: 0, column: 0, path: '', message: 'added by a caller' });
  const { inc, full } = await both(paths, cache);
  t.is(cache.last.reused, 4);
  t.deepEqual(inc, full);
});

test('stampConfigTreeSync: an in-place edit changes the stamp; reading does not', (t) => {
  const { paths } = makeHost();
  const dir = path.join(paths.etcVservers, 'g0');
  const a = stampConfigTreeSync(dir);
  fs.readFileSync(path.join(dir, 'context'));
  t.is(stampConfigTreeSync(dir).stamp, a.stamp);
  editInPlace(path.join(dir, 'uts', 'nodename'), 'g0x\n');
  t.not(stampConfigTreeSync(dir).stamp, a.stamp);
  t.true(a.newest > 0);
});

test('stampConfigTreeSync with a listing memo: an unchanged directory is not listed again, unless it changed within RACY_MS of its listing', (t) => {
  const { paths } = makeHost();
  const dir = path.join(paths.etcVservers, 'g0');
  let lists = 0;
  const countingFs = { ...fs, readdirSync: ((p: fs.PathLike) => ((lists += 1), fs.readdirSync(p))) as typeof fs.readdirSync };
  const memoOf = (now: () => number) => {
    const m = new Map<string, { key: string; names: string[]; listedAt: number }>();
    return { now, get: (d: string) => m.get(d), set: (d: string, l: { key: string; names: string[]; listedAt: number }) => void m.set(d, l) };
  };
  const settled = memoOf(ahead);
  const a = stampConfigTreeSync(dir, countingFs, settled);
  const listed = lists;
  t.true(listed >= 5);
  lists = 0;
  t.is(stampConfigTreeSync(dir, countingFs, settled).stamp, a.stamp);
  t.is(lists, 0, 'every listing reused');
  fs.writeFileSync(path.join(dir, 'uts', 'extra'), 'x\n');
  const b = stampConfigTreeSync(dir, countingFs, settled);
  t.not(b.stamp, a.stamp);
  t.is(lists, 1, 'only the changed directory listed again');
  // the files were just written: a listing taken now may share their timestamp tick
  const racy = memoOf(() => Date.now());
  stampConfigTreeSync(dir, countingFs, racy);
  lists = 0;
  stampConfigTreeSync(dir, countingFs, racy);
  t.is(lists, listed);
});

test('two overlapping observations: the second reads without the cache and both equal a full observe', async (t) => {
  const { paths } = makeHost();
  const cache = createObserveCache({ fullEveryMs: 3_600_000, now: ahead });
  await observeHost(paths, { hostName: 'h', runner: noRunner, cache });
  const [a, b] = await Promise.all([1, 2].map(() => observeHost(paths, { hostName: 'h', runner: noRunner, cache, batch: 1 })));
  const full = await observeHost(paths, { hostName: 'h', runner: noRunner });
  t.is(a!.digest, full.digest);
  t.is(b!.digest, full.digest);
  await observeHost(paths, { hostName: 'h', runner: noRunner, cache });
  t.like(cache.last, { full: false, reused: 4 }, 'the cache is free again');
});
