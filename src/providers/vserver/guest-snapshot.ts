/**
 * Snapshots of a guest before a risky change (issue 14: a restart or replace
 * of a running guest): STATE_DIR/snapshots/NAME/<id>/ holds `config/` (a copy
 * of /etc/vservers/NAME, symbolic links kept as links), `root/` (the paths the
 * manifest names, as they are in the guest root; at most
 * MAX_SNAPSHOT_PATH_BYTES in all) and `snapshot.json`. Restoring puts the
 * configuration back in one rename and the named paths back in place.
 * Snapshots are pruned by count (oldest first).
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VsError } from '../../errors.js';
import { mkdirMode } from '../../fs/mkdir-mode.js';
import { MAX_SNAPSHOT_PATH_BYTES } from '../../model/guest.js';
import type { HostPaths } from './host-paths.js';

export const SNAPSHOTS_DIR = 'snapshots';

export interface GuestSnapshot {
  guest: string;
  id: string;
  dir: string;
  /** named root paths that existed (and were copied) */
  saved: string[];
}

export const snapshotsOf = (paths: HostPaths, guest: string) => path.join(paths.stateDir, SNAPSHOTS_DIR, guest);

const cp = (from: string, to: string) => fsp.cp(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true, errorOnExist: false });

/** The guest's root directory (its vdir link), resolved. */
async function guestRoot(paths: HostPaths, guest: string): Promise<string> {
  const cfg = path.join(paths.etcVservers, guest);
  return fsp.realpath(path.join(cfg, 'vdir')).catch(() => fsp.realpath(path.join(paths.vserversRoot, guest)));
}

/**
 * A path inside the root, refusing anything that leaves it: every directory
 * on the way is resolved and must stay under the root; the last component
 * itself is not followed (a link is copied as a link).
 */
async function insideRoot(root: string, p: string): Promise<string> {
  const rel = p.replace(/^\/+/, '');
  const parent = await fsp.realpath(path.join(root, path.dirname(rel))).catch(() => undefined);
  if (parent === undefined) return path.join(root, rel); // does not exist: nothing to copy
  if (parent !== root && !parent.startsWith(root + path.sep)) {
    throw new VsError('UNSAFE_PATH', `snapshot path ${p} leads out of the guest root ${root} through a symbolic link`, { path: p });
  }
  return path.join(parent, path.basename(rel));
}

async function sizeOf(p: string, limit: number): Promise<number> {
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await fsp.readdir(p)) {
    total += await sizeOf(path.join(p, e), limit - total);
    if (total > limit) return total;
  }
  return total;
}

export async function takeSnapshot(paths: HostPaths, guest: string, rootPaths: string[], now: Date): Promise<GuestSnapshot> {
  const id = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const dir = path.join(snapshotsOf(paths, guest), id);
  try {
    const root = rootPaths.length > 0 ? await guestRoot(paths, guest) : '';
    const sources: { p: string; abs: string }[] = [];
    let total = 0;
    for (const p of rootPaths) {
      const abs = await insideRoot(root, p);
      const exists = await fsp.lstat(abs).then(() => true, () => false);
      if (!exists) continue;
      total += await sizeOf(abs, MAX_SNAPSHOT_PATH_BYTES - total);
      if (total > MAX_SNAPSHOT_PATH_BYTES) {
        throw new VsError('SNAPSHOT_FAILED', `${guest}: the snapshot paths hold more than ${MAX_SNAPSHOT_PATH_BYTES} bytes (spec.snapshot.paths, at ${p}); name fewer or smaller paths`, { guest, path: p });
      }
      sources.push({ p, abs });
    }
    await mkdirMode(dir, 0o700);
    await cp(path.join(paths.etcVservers, guest), path.join(dir, 'config'));
    for (const s of sources) await cp(s.abs, path.join(dir, 'root', s.p));
    const snap: GuestSnapshot = { guest, id, dir, saved: sources.map((s) => s.p) };
    await fsp.writeFile(path.join(dir, 'snapshot.json'), JSON.stringify({ guest, id, at: now.toISOString(), paths: rootPaths, saved: snap.saved }, null, 2) + '\n', { mode: 0o600 });
    return snap;
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true });
    if (err instanceof VsError) throw err;
    throw new VsError('SNAPSHOT_FAILED', `${guest}: cannot take a snapshot before the change (${(err as Error).message}); nothing was changed`, { guest }, { cause: err });
  }
}

/** Puts the snapshot's configuration (one rename) and named root paths back. Call with the guest stopped. */
export async function restoreSnapshot(paths: HostPaths, snap: GuestSnapshot): Promise<void> {
  const cfg = path.join(paths.etcVservers, snap.guest);
  const tmp = path.join(paths.etcVservers, `.${snap.guest}.restore-${snap.id}`);
  const failed = path.join(paths.etcVservers, `.${snap.guest}.failed-${snap.id}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await cp(path.join(snap.dir, 'config'), tmp);
  await fsp.rename(cfg, failed).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await fsp.rename(tmp, cfg);
  await fsp.rm(failed, { recursive: true, force: true });
  if (snap.saved.length === 0) return;
  const root = await guestRoot(paths, snap.guest);
  for (const p of snap.saved) {
    const abs = await insideRoot(root, p);
    await fsp.rm(abs, { recursive: true, force: true });
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    await cp(path.join(snap.dir, 'root', p), abs);
  }
}

/** Keeps the newest `keep` snapshots of a guest. Returns the ids removed. */
export async function pruneSnapshots(paths: HostPaths, guest: string, keep: number): Promise<string[]> {
  const dir = snapshotsOf(paths, guest);
  const ids = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  const drop = ids.slice(0, Math.max(0, ids.length - keep));
  for (const id of drop) await fsp.rm(path.join(dir, id), { recursive: true, force: true });
  return drop;
}
