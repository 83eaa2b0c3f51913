/**
 * The directories util-vserver's build functions insist on, as `vserver …
 * delete` resolves them (UV scripts/vserver.delete:32-36 → base.init →
 * _setRootDir / _setCacheDir, then pkgmgmt.initVariables → _setPkgCfgBase).
 * The simulated host's `/` is DIR, so the compiled-in defaults are under DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimHost } from '../store.js';

/** __DEFAULT_VSERVERPKGDIR (scripts/X:34: /vservers/.pkg) on the simulated host. */
export const pkgCfgBaseDefault = (host: SimHost) => path.join(host.dir, 'vservers', '.pkg');

const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Walks the candidates like `for item …; test ! -d "$X" || break; done`: the first directory, else the last candidate. */
function firstDir(candidates: string[]): { dir: string; ok: boolean } {
  for (const c of candidates) if (isDir(c)) return { dir: c, ok: true };
  return { dir: candidates[candidates.length - 1], ok: false };
}

export type DeleteDirs = { ok: true; rootDir: string; pkgCfgBase: string } | { ok: false; message: string };

/**
 * _setRootDir (vserver-build.functions:84-99), _setCacheDir (:101-116) and
 * pkgmgmt._setPkgCfgBase (vserver-build.functions.pkgmgmt:22-37); each fails
 * with "… does not exist or is invalid", exit 1.
 */
export function resolveDeleteDirs(host: SimHost): DeleteDirs {
  const defaults = path.join(host.paths.etcVservers, '.defaults');
  const root = firstDir([path.join(defaults, 'vdirbase'), path.join(host.dir, 'vservers')]);
  if (!root.ok) return { ok: false, message: `Root-directory '${root.dir}' does not exist or is invalid\n` };
  const cache = firstDir([path.join(defaults, 'cachebase'), path.join(host.dir, 'var/cache/vservers')]);
  if (!cache.ok) return { ok: false, message: `Cache-directory '${cache.dir}' does not exist or is invalid\n` };
  const pkg = firstDir([path.join(defaults, 'apps/pkgmgmt/base'), path.join(root.dir, '.pkg'), pkgCfgBaseDefault(host)]);
  if (!pkg.ok) return { ok: false, message: `pkgcfgbase-dir '${pkg.dir}' does not exist or is invalid\n` };
  return { ok: true, rootDir: root.dir, pkgCfgBase: pkg.dir };
}
