import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { userAgent } from '../build-info.js';
import { boundedHttp } from './bounded-http.js';
import { VsError } from '../errors.js';
import { ObjectSizer, type ObjectHeader } from './git-object-size.js';
import { checkRevision, loadSignaturePolicy, type SignaturePolicySpec } from './signature-policy.js';
import { splitCommit, splitTag, tagTarget, type SignedObject } from './signed-object.js';
import { isManifestFileName, type SourceFile, type SourceReadOptions, type SourceSnapshot } from './types.js';

export interface GitSourceSpec {
  repo: string;
  ref?: string;
  path?: string;
  cacheDir?: string;
  /** cap on what one fetch may download (default 256 MiB) */
  maxFetchBytes?: number;
  /** require signed revisions (see signature-policy.ts) */
  signatures?: SignaturePolicySpec;
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

/** Size limits of the git objects a read may inflate (manifest blobs: SourceReadOptions.maxFileBytes). */
export const GIT_OBJECT_LIMITS = { commit: 4 * 1024 * 1024, tag: 4 * 1024 * 1024, tree: 16 * 1024 * 1024 };
/** Default limit on the manifest bytes one revision may hold in total. */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Reads objects only after their size, taken from the object header, is within the limit. */
class BoundedObjects {
  private readonly sizer: ObjectSizer;
  constructor(readonly gitdir: string, private readonly cache: GitCache) {
    this.sizer = new ObjectSizer(gitdir);
  }

  header(oid: string, what: string): ObjectHeader {
    let h: ObjectHeader | null;
    try {
      h = this.sizer.header(oid);
    } catch (err) {
      throw new VsError('SOURCE', `cannot read git object ${oid} (${what}): ${(err as Error).message}`, { oid });
    }
    if (!h) throw new VsError('SOURCE', `git object ${oid} (${what}) not found`, { oid });
    return h;
  }

  /** The raw content of a commit, tag or tree, refused when larger than its limit. */
  async raw(oid: string, what: string, expect?: 'commit' | 'tag' | 'tree'): Promise<{ type: string; data: Buffer }> {
    const h = this.header(oid, what);
    if (expect && h.type !== expect) throw new VsError('SOURCE', `${what}: ${oid} is a ${h.type}, not a ${expect}`, { oid });
    const limit = h.type === 'blob' ? 0 : GIT_OBJECT_LIMITS[h.type];
    if (h.size > limit) {
      throw new VsError('SOURCE', `${what}: git ${h.type} ${oid} is ${h.size} bytes, larger than the limit of ${limit} bytes for a ${h.type}; not read`, { oid, size: h.size, limit });
    }
    const obj = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.cache });
    return { type: obj.type, data: Buffer.from(obj.object as Uint8Array) };
  }

  async tree(oid: string, what: string): Promise<{ mode: string; path: string; oid: string }[]> {
    return parseTree((await this.raw(oid, what, 'tree')).data);
  }
}

/** A tree object: "<mode> <name>\0<20-byte id>" entries. */
function parseTree(data: Buffer): { mode: string; path: string; oid: string }[] {
  const out: { mode: string; path: string; oid: string }[] = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    const nul = data.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 21 > data.length) throw new VsError('SOURCE', 'malformed git tree object');
    out.push({ mode: data.subarray(i, sp).toString('latin1'), path: data.subarray(sp + 1, nul).toString('utf8'), oid: data.subarray(nul + 1, nul + 21).toString('hex') });
    i = nul + 21;
  }
  return out;
}

interface Resolved {
  commit: string;
  /** the commit object, and the outermost annotated tag when the ref names one */
  signed: (SignedObject & { oid: string })[];
}

async function peelToCommit(objects: BoundedObjects, oid: string): Promise<Resolved> {
  const signed: Resolved['signed'] = [];
  for (let i = 0; i < 10; i++) {
    const { type, data } = await objects.raw(oid, `ref target ${oid.slice(0, 12)}`);
    if (type === 'commit') return { commit: oid, signed: [{ ...splitCommit(data), oid }, ...signed.slice(0, 1)] };
    if (type === 'tag') {
      if (signed.length === 0) signed.push({ ...splitTag(data), oid });
      const target = tagTarget(data);
      if (!target) throw new VsError('SOURCE', `malformed tag object ${oid}`, { oid });
      oid = target.object;
      continue;
    }
    throw new VsError('SOURCE', `${oid} is a ${type}, not a commit`, { oid });
  }
  throw new VsError('SOURCE', `tag chain too long at ${oid}`, { oid });
}

/** Resolves a branch, tag, full or abbreviated commit id to a commit id. */
async function resolveCommit(objects: BoundedObjects, ref: string, remote: boolean, cache: GitCache): Promise<Resolved> {
  const gitdir = objects.gitdir;
  // In the cache clone, local branches are never moved by fetch: read the remote-tracking refs.
  const candidates = !remote ? [ref] : ref === 'HEAD' ? ['refs/remotes/origin/HEAD'] : [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref];
  for (const c of candidates) {
    let oid: string;
    try {
      oid = await git.resolveRef({ fs, gitdir, ref: c });
    } catch {
      continue;
    }
    return peelToCommit(objects, oid);
  }
  if (/^[0-9a-f]{4,40}$/i.test(ref)) {
    let oid: string | undefined;
    try {
      oid = await git.expandOid({ fs, gitdir, oid: ref.toLowerCase(), cache });
    } catch {
      /* not found */
    }
    if (oid) return peelToCommit(objects, oid);
  }
  throw new VsError('SOURCE', `git ref '${ref}' not found`, { ref });
}

/** Clones (or fetches) a remote repository into the cache; returns its git directory. */
async function syncRemote(url: string, ref: string | undefined, cacheDir: string, credentials?: GitSourceSpec['credentials'], maxFetchBytes?: number): Promise<string> {
  const http = boundedHttp(maxFetchBytes);
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
      await git.fetch({ fs, http, gitdir, url, ...auth, ...(ref && ref !== 'HEAD' ? { ref } : {}), singleBranch: false, tags: true, headers: { 'user-agent': userAgent() } });
    } else {
      fs.mkdirSync(dir, { recursive: true });
      await git.clone({ fs, http, dir, url, ...auth, noCheckout: true, headers: { 'user-agent': userAgent() }, ...(ref && ref !== 'HEAD' ? { ref } : {}) });
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
 * resolved commit (never the work tree), below `path`. Every object's size is
 * checked from its header before it is inflated; with `signatures`, the revision
 * is verified (after the tree walk, before any manifest is read).
 */
export async function readGitSource(spec: GitSourceSpec, opts: SourceReadOptions): Promise<SourceSnapshot> {
  const remote = isRemoteUrl(spec.repo);
  const local = remote ? { gitdir: await syncRemote(spec.repo, spec.ref, spec.cacheDir ?? defaultGitCacheDir(), spec.credentials, spec.maxFetchBytes) } : gitdirOf(spec.repo);
  const gitdir = local.gitdir;
  const ref = spec.ref ?? 'HEAD';
  const cache: GitCache = {};
  const objects = new BoundedObjects(gitdir, cache);
  const resolved = await resolveCommit(objects, ref === 'HEAD' && local.head ? local.head : ref, remote, cache);
  const commit = resolved.commit;
  const sub = (spec.path ?? '').split('/').filter((s) => s !== '' && s !== '.');
  if (sub.includes('..')) throw new VsError('SOURCE', `--path must stay inside the repository (got '${spec.path}')`, { path: spec.path });
  const commitTree = /^tree ([0-9a-f]{40})$/m.exec(resolved.signed[0]!.payload.subarray(0, 100).toString('latin1'))?.[1];
  if (!commitTree) throw new VsError('SOURCE', `malformed commit ${commit}`, { commit });
  let rootTree = commitTree;
  for (const [i, seg] of sub.entries()) {
    const entry = (await objects.tree(rootTree, `tree of ${sub.slice(0, i).join('/') || '/'}`)).find((e) => e.path === seg);
    if (!entry || entry.mode !== '40000') {
      throw new VsError('SOURCE', `path '${sub.join('/')}' not found as a directory at ${ref} (${commit.slice(0, 12)})`, { path: spec.path, commit });
    }
    rootTree = entry.oid;
  }
  const blobs: { path: string; oid: string }[] = [];
  const skipped: SourceSnapshot['skipped'] = [];
  const walk = async (treeOid: string, prefix: string): Promise<void> => {
    const tree = await objects.tree(treeOid, `tree of ${prefix || '/'}`);
    const entries = [...tree].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const e of entries) {
      if (e.path.startsWith('.')) continue;
      const p = prefix === '' ? e.path : `${prefix}/${e.path}`;
      if (e.mode === '40000') {
        await walk(e.oid, p);
      } else if (e.mode === '120000' && isManifestFileName(e.path)) {
        skipped.push({ path: p, reason: 'symbolic links are not followed' });
      } else if ((e.mode === '100644' || e.mode === '100755') && isManifestFileName(e.path)) {
        blobs.push({ path: p, oid: e.oid });
      }
    }
  };
  await walk(rootTree, sub.join('/'));

  let signers: string[] | undefined;
  if (spec.signatures) {
    const rules = await loadSignaturePolicy(spec.signatures);
    signers = await checkRevision(rules, { commit, ref, objects: resolved.signed, paths: [sub.join('/'), ...blobs.map((b) => b.path), ...skipped.map((s) => s.path)] });
  }

  const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  let total = 0;
  const files: SourceFile[] = [];
  const used = new Map<string, Uint8Array>();
  for (const b of blobs) {
    // a blob id names its content: a blob read before is that same content
    const known = opts.blobCache?.get(b.oid);
    if (known && known.length <= opts.maxFileBytes) {
      total += known.length;
      if (total > maxTotal) {
        throw new VsError('SOURCE', `the manifests under '${sub.join('/') || '/'}' at ${commit.slice(0, 12)} hold more than ${maxTotal} bytes (the limit for one revision); not read`, { commit, limit: maxTotal });
      }
      used.set(b.oid, known);
      files.push({ path: b.path, size: known.length, bytes: known });
      continue;
    }
    const { size } = objects.header(b.oid, b.path);
    if (size > opts.maxFileBytes) {
      files.push({ path: b.path, size, bytes: null });
      continue;
    }
    total += size;
    if (total > maxTotal) {
      throw new VsError('SOURCE', `the manifests under '${sub.join('/') || '/'}' at ${commit.slice(0, 12)} hold more than ${maxTotal} bytes (the limit for one revision); not read`, { commit, limit: maxTotal });
    }
    const { blob } = await git.readBlob({ fs, gitdir, oid: b.oid, cache });
    if (blob.length <= opts.maxFileBytes) used.set(b.oid, blob);
    files.push({ path: b.path, size: blob.length, bytes: blob.length > opts.maxFileBytes ? null : blob });
  }
  if (opts.blobCache) {
    opts.blobCache.clear();
    for (const [k, v] of used) opts.blobCache.set(k, v);
  }
  return { revision: commit, files, skipped, ...(signers ? { signers } : {}) };
}
