import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * The git directory of a repository path: DIR/.git, the target of a `.git`
 * file (worktrees, submodules), DIR itself for a bare repository, or null
 * when DIR is a plain directory.
 */
export async function findGitDir(dir: string): Promise<string | null> {
  const dotgit = path.join(dir, '.git');
  const st = await fs.stat(dotgit).catch(() => null);
  if (st?.isDirectory()) return dotgit;
  if (st?.isFile()) {
    const m = /^gitdir:\s*(.+)$/m.exec(await fs.readFile(dotgit, 'utf8'));
    if (m) return path.resolve(dir, m[1]!.trim());
  }
  const bare = await Promise.all(['HEAD', 'objects', 'refs'].map((f) => fs.stat(path.join(dir, f)).catch(() => null)));
  if (bare.every((s) => s !== null)) return dir;
  return null;
}

/** refs/heads/main for "main"; full refs and HEAD (the repository's default branch) unchanged. */
export function branchRef(ref: string): string {
  return ref === 'HEAD' || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

/** The remote-tracking ref a fetch of `ref` from origin updates. */
export function remoteTrackingRef(ref: string): string {
  const short = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref.startsWith('refs/') ? null : ref;
  return short === null ? ref : `refs/remotes/origin/${short}`;
}
