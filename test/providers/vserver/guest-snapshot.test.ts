import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pruneSnapshots, restoreSnapshot, snapshotsOf, takeSnapshot } from '../../../src/providers/vserver/guest-snapshot.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';

function host() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-snap-'));
  const paths = simHostPaths(dir);
  const cfg = path.join(paths.etcVservers, 'web');
  const root = path.join(paths.vserversRoot, 'web');
  fs.mkdirSync(path.join(cfg, 'interfaces/0'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(cfg, 'context'), '1001\n');
  fs.writeFileSync(path.join(cfg, 'interfaces/0/ip'), '192.0.2.10\n');
  fs.symlinkSync(root, path.join(cfg, 'vdir'));
  fs.symlinkSync('/var/run/vservers/web', path.join(cfg, 'run'));
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'good\n');
  return { paths, cfg, root };
}

test('a snapshot keeps the config dir (links as links) and named root paths; restore puts them back', async (t) => {
  const { paths, cfg, root } = host();
  const snap = await takeSnapshot(paths, 'web', ['/etc/app.conf', '/etc/missing'], new Date('2026-12-03T10:00:00Z'));
  t.deepEqual(snap.saved, ['/etc/app.conf'], 'a path that does not exist is not saved');
  t.is(fs.readlinkSync(path.join(snap.dir, 'config/run')), '/var/run/vservers/web');
  fs.writeFileSync(path.join(cfg, 'interfaces/0/ip'), '192.0.2.11\n');
  fs.writeFileSync(path.join(cfg, 'new-file'), 'x');
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'broken\n');
  await restoreSnapshot(paths, snap);
  t.is(fs.readFileSync(path.join(cfg, 'interfaces/0/ip'), 'utf8'), '192.0.2.10\n');
  t.false(fs.existsSync(path.join(cfg, 'new-file')));
  t.is(fs.readlinkSync(path.join(cfg, 'vdir')), root);
  t.is(fs.readFileSync(path.join(root, 'etc/app.conf'), 'utf8'), 'good\n');
  t.deepEqual(fs.readdirSync(paths.etcVservers), ['web'], 'no restore leftovers');
});

test('a snapshot path that leads out of the root through a link is refused, and so are paths over 64 MiB; nothing is left behind', async (t) => {
  const { paths, root } = host();
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-outside-'));
  fs.writeFileSync(path.join(outside, 'secret'), 'host file\n');
  fs.symlinkSync(outside, path.join(root, 'escape'));
  await t.throwsAsync(takeSnapshot(paths, 'web', ['/escape/secret'], new Date()), { code: 'UNSAFE_PATH' } as never);
  fs.mkdirSync(path.join(root, 'big'));
  fs.writeFileSync(path.join(root, 'big/sparse'), '');
  fs.truncateSync(path.join(root, 'big/sparse'), 65 * 1024 * 1024); // sparse: 65 MiB by size
  await t.throwsAsync(takeSnapshot(paths, 'web', ['/big'], new Date()), { code: 'SNAPSHOT_FAILED', message: /more than 67108864 bytes.*spec\.snapshot\.paths, at \/big/ } as never);
  t.deepEqual(fs.existsSync(snapshotsOf(paths, 'web')) ? fs.readdirSync(snapshotsOf(paths, 'web')) : [], []);
});

test('pruning keeps the newest snapshots by count', async (t) => {
  const { paths } = host();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await takeSnapshot(paths, 'web', [], new Date(Date.UTC(2026, 11, 3, 10, i)))).id);
  t.deepEqual(await pruneSnapshots(paths, 'web', 2), ids.slice(0, 2));
  t.deepEqual(fs.readdirSync(snapshotsOf(paths, 'web')).sort(), ids.slice(2));
});
