/** Revisions of a local repository for diff and promote (isomorphic-git). */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { VsError } from '../errors.js';
import { gitdirOf, isRemoteUrl } from '../source/git-source.js';

export interface LocalRepo {
  /** the path given */
  repo: string;
  gitdir: string;
  /** a linked work tree's own HEAD */
  head?: string;
}

export function openLocalRepo(repo: string, flag = '--repo'): LocalRepo {
  if (isRemoteUrl(repo)) throw new VsError('USAGE', `${flag} must be a local clone (CI checks the repository out), not a URL`);
  const d = gitdirOf(repo);
  return { repo, gitdir: d.gitdir, ...(d.head ? { head: d.head } : {}) };
}

async function peel(gitdir: string, oid: string): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const o = await git.readObject({ fs, gitdir, oid, format: 'parsed' });
    if (o.type === 'commit') return o.oid;
    if (o.type === 'tag') {
      oid = (o.object as { object: string }).object;
      continue;
    }
    throw new VsError('SOURCE', `${oid} is a ${o.type}, not a commit`);
  }
  throw new VsError('SOURCE', `tag chain too long at ${oid}`);
}

/** A branch (local, else origin's), tag, HEAD or (abbreviated) commit id as a commit id; undefined when absent. */
export async function findCommit(r: LocalRepo, ref: string): Promise<string | undefined> {
  const candidates = ref === 'HEAD' ? [r.head ?? 'HEAD'] : [ref, `refs/heads/${ref}`, `refs/remotes/origin/${ref}`, `refs/tags/${ref}`];
  for (const c of candidates) {
    try {
      return await peel(r.gitdir, /^[0-9a-f]{40}$/.test(c) ? c : await git.resolveRef({ fs, gitdir: r.gitdir, ref: c }));
    } catch {
      /* next candidate */
    }
  }
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    try {
      return await peel(r.gitdir, await git.expandOid({ fs, gitdir: r.gitdir, oid: ref.toLowerCase() }));
    } catch {
      /* not found */
    }
  }
  return undefined;
}

export async function resolveCommit(r: LocalRepo, ref: string, what: string): Promise<string> {
  const c = await findCommit(r, ref);
  if (!c) throw new VsError('SOURCE', `${what}: git ref '${ref}' not found in ${r.repo}`, { ref });
  return c;
}

export async function mergeBase(r: LocalRepo, a: string, b: string): Promise<string> {
  const bases = (await git.findMergeBase({ fs, gitdir: r.gitdir, oids: [a, b] })) as string[];
  if (bases.length === 0) throw new VsError('SOURCE', `${a.slice(0, 12)} and ${b.slice(0, 12)} have no common ancestor; give --from`);
  return bases[0]!;
}

/** Is `ancestor` reachable from `commit` (or the same commit)? */
export async function isAncestor(r: LocalRepo, ancestor: string, commit: string): Promise<boolean> {
  if (ancestor === commit) return true;
  return git.isDescendent({ fs, gitdir: r.gitdir, oid: commit, ancestor, depth: -1 });
}
