/**
 * On a real vs2.3.9.13 host a dead context's /proc/virtual/XID may still
 * resolve (its files read as empty) although readdir no longer lists it
 * (reference §10 LIVE). The simulated host removes the directory outright, so
 * it cannot show this; here an fs wrapper hides a stale, still readable XID
 * directory from the listing, and a run file names that dead xid: observe must
 * only trust the listing.
 */
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { observeHost, readContextRuntime } from '../../../src/providers/vserver/observe.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import type { ReadFs } from '../../../src/providers/vserver/config-read.js';
import type { CommandRunner } from '../../../src/providers/command-runner.js';
import { seedSimHost } from '../../../src/sim/seed.js';
import { baseSpec } from '../../helpers/state-builder.js';

const noRunner: CommandRunner = {
  async run(argv) {
    return { exitCode: 1, stdout: '', stderr: `not expected: ${argv.join(' ')}`, durationMs: 0 };
  },
};

/** fs whose readdir of `dir` leaves out `hidden` (the kernel's listing of a dead context). */
function unlisting(dir: string, hidden: string): ReadFs {
  const readdirSync = ((p: fs.PathLike, opts?: unknown) => {
    const entries = fs.readdirSync(p, opts as never) as unknown as (string | fs.Dirent)[];
    if (path.resolve(String(p)) !== dir) return entries;
    return entries.filter((e) => (typeof e === 'string' ? e : e.name) !== hidden);
  }) as unknown as ReadFs['readdirSync'];
  return { readFileSync: fs.readFileSync, readdirSync, lstatSync: fs.lstatSync, statSync: fs.statSync, readlinkSync: fs.readlinkSync };
}

test('observe trusts only the /proc/virtual listing: a dead xid whose directory still resolves is not running', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-listing-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  seedSimHost(dir, [baseSpec('web', 1001)]);
  const paths = simHostPaths(dir);
  const virtual = path.join(paths.proc, 'virtual');
  // the same host with the directory listed: running (proves the fixture is otherwise sound)
  const listed = await observeHost(paths, { hostName: 'h', runner: noRunner });
  t.true(listed.guests.find((g) => g.spec.name === 'web')!.running);
  t.truthy(await readContextRuntime(paths, 1001));
  // the context died: its files still resolve, but readdir leaves 1001 out; the run file still names it
  const fsHidden = unlisting(virtual, '1001');
  t.true(fs.existsSync(path.join(virtual, '1001/status')));
  const host = await observeHost(paths, { hostName: 'h', runner: noRunner, fs: fsHidden });
  const web = host.guests.find((g) => g.spec.name === 'web')!;
  t.false(web.running);
  t.true(web.staleRunFile);
  t.is(await readContextRuntime(paths, 1001, fsHidden), undefined);
});
