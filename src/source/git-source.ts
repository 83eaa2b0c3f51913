import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { VsError } from '../errors.js';
import { isManifestFileName, type SourceFile, type SourceReadOptions, type SourceSnapshot } from './types.js';

export interface GitSourceSpec {
  repo: string;
  ref?: string;
  path?: string;
  cacheDir?: string;
  credentials?: { username: string | null; password: { reveal(): string } | null };
}

export function isRemoteUrl(repo: string): boolean {
  return /^https?:\/\//i.test(repo);
}

/** The URL without credentials, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(https?:\/\/)[^/@]*@/i, '$1***@');
}

export function defaultGitCacheDir(): string {
  return path.join(os.homedir(), '.cache', 'vsgitops', 'git');
}

export interface LocalGitDir {
  /** the directory holding objects and refs */
  gitdir: string;
  /** for a linked work tree (`git worktree add`): its own HEAD (a ref or a commit id) */
  head?: string;
}

/**
 * The git directory of a local repository: `<repo>/.git` for a work tree, the
 * repo itself when bare. A `.git` *file* (linked work tree) points at a
 * per-work-tree directory whose `commondir` holds the objects and refs.
 */
export function gitdirOf(repo: string): LocalGitDir {
  const dotGit = path.join(repo, '.git');
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dotGit);
  } catch {
    /* not a work tree: try bare */
  }
  if (st?.isDirectory()) return { gitdir: dotGit };
  if (st?.isFile()) {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (m) {
      const wtDir = path.resolve(repo, m[1]!);
      const common = path.join(wtDir, 'commondir');
      const gitdir = fs.existsSync(common) ? path.resolve(wtDir, fs.readFileSync(common, 'utf8').trim()) : wtDir;
      const headText = fs.readFileSync(path.join(wtDir, 'HEAD'), 'utf8').trim();
      return { gitdir, head: headText.startsWith('ref:') ? headText.slice(4).trim() : headText };
    }
  }
  if (fs.existsSync(path.join(repo, 'HEAD')) && fs.existsSync(path.join(repo, 'objects'))) return { gitdir: repo };
  throw new VsError('SOURCE', `${repo} is not a git repository`, { repo });
}

/**
 * isomorphic-git's object cache: without one, every read of a packed object
 * loads and parses the pack index (and pack) again — quadratic in the repository.
 * One cache per source read.
 */
type GitCache = object;

async function peelToCommit(gitdir: string, oid: string, cache: GitCache): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const obj = await git.readObject({ fs, gitdir, oid, format: 'parsed', cache });
    if (obj.type === 'commit') return obj.oid;
    if (obj.type === 'tag') {
      oid = (obj.object as { object: string }).object;
      continue;
    }
    throw new VsError('SOURCE', `${oid} is a ${obj.type}, not a commit`, { oid });
  }
  throw new VsError('SOURCE', `tag chain too long at ${oid}`, { oid });
}

/** Resolves a branch, tag, full or abbreviated commit id to a commit id. */
async function resolveCommit(gitdir: string, ref: string, remote: boolean, cache: GitCache): Promise<string> {
  // In the cache clone, local branches are never moved by fetch: read the remote-tracking refs.
  const candidates = !remote ? [ref] : ref === 'HEAD' ? ['refs/remotes/origin/HEAD'] : [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref];
  for (const c of candidates) {
    try {
      return await peelToCommit(gitdir, await git.resolveRef({ fs, gitdir, ref: c }), cache);
    } catch (err) {
      if (err instanceof VsError) throw err;
    }
  }
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    try {
      return await peelToCommit(gitdir, await git.expandOid({ fs, gitdir, oid: ref.toLowerCase(), cache }), cache);
    } catch (err) {
      if (err instanceof VsError) throw err;
    }
  }
  throw new VsError('SOURCE', `git ref '${ref}' not found`, { ref });
}

/** Clones (or fetches) a remote repository into the cache; returns its git directory. */
async function syncRemote(url: string, ref: string | undefined, cacheDir: string, credentials?: GitSourceSpec['credentials']): Promise<string> {
  if (/^https?:\/\/[^/@]*@/i.test(url)) {
    throw new VsError('SOURCE', `${redactUrl(url)}: the URL must not contain credentials; give them from an environment variable or a file`, { repo: redactUrl(url) });
  }
  const onAuth = credentials && (credentials.username || credentials.password)
    ? () => ({ username: credentials.username ?? 'git', password: credentials.password?.reveal() ?? '' })
    : undefined;
  const auth = onAuth ? { onAuth, onAuthFailure: () => ({ cancel: true as const }) } : {};
  const dir = path.join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 32));
  const gitdir = path.join(dir, '.git');
  const hadCache = fs.existsSync(gitdir);
  try {
    if (hadCache) {
      await git.fetch({ fs, http, gitdir, url, ...auth, ...(ref && ref !== 'HEAD' ? { ref } : {}), singleBranch: false, tags: true });
    } else {
      fs.mkdirSync(dir, { recursive: true });
      await git.clone({ fs, http, dir, url, ...auth, noCheckout: true, ...(ref && ref !== 'HEAD' ? { ref } : {}) });
    }
  } catch (err) {
    if (!hadCache) fs.rmSync(dir, { recursive: true, force: true }); // no half-cloned cache entries
    const shown = redactUrl(url);
    let message = (err as Error).message.split(url).join(shown);
    const secret = credentials?.password?.reveal();
    if (secret && secret.length >= 4) message = message.split(secret).join('[redacted]');
    throw new VsError('SOURCE', `cannot fetch ${shown}: ${message}`, { repo: shown }, { cause: err });
  }
  return gitdir;
}

/**
 * Reads the manifest files of a git repository at a ref: the tree of the
 * resolved commit (never the work tree), below `path`.
 */
export async function readGitSource(spec: GitSourceSpec, opts: SourceReadOptions): Promise<SourceSnapshot> {
  const remote = isRemoteUrl(spec.repo);
  const local = remote ? { gitdir: await syncRemote(spec.repo, spec.ref, spec.cacheDir ?? defaultGitCacheDir(), spec.credentials) } : gitdirOf(spec.repo);
  const gitdir = local.gitdir;
  const ref = spec.ref ?? 'HEAD';
  const cache: GitCache = {};
  const commit = await resolveCommit(gitdir, ref === 'HEAD' && local.head ? local.head : ref, remote, cache);
  const sub = (spec.path ?? '').split('/').filter((s) => s !== '' && s !== '.');
  if (sub.includes('..')) throw new VsError('SOURCE', `--path must stay inside the repository (got '${spec.path}')`, { path: spec.path });
  let rootTree: string;
  try {
    rootTree = (await git.readTree({ fs, gitdir, oid: commit, cache, ...(sub.length ? { filepath: sub.join('/') } : {}) })).oid;
  } catch (err) {
    throw new VsError('SOURCE', `path '${sub.join('/')}' not found as a directory at ${ref} (${commit.slice(0, 12)})`, { path: spec.path, commit }, { cause: err });
  }
  const files: SourceFile[] = [];
  const skipped: SourceSnapshot['skipped'] = [];
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
    const entries = [...tree].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const e of entries) {
      if (e.path.startsWith('.')) continue;
      const p = prefix === '' ? e.path : `${prefix}/${e.path}`;
      if (e.type === 'tree') {
        await walk(e.oid, p);
      } else if (e.type === 'blob' && isManifestFileName(e.path)) {
        if (e.mode === '120000') {
          skipped.push({ path: p, reason: 'symbolic links are not followed' });
          continue;
        }
        const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
        files.push({ path: p, size: blob.length, bytes: blob.length > opts.maxFileBytes ? null : blob });
      }
    }
  };
  await walk(rootTree, sub.join('/'));
  return { revision: commit, files, skipped };
}
