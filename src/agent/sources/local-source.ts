import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { watch, type FSWatcher } from 'chokidar';
import { VsError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Clock, TimerHandle } from '../types.js';
import { branchRef, findGitDir } from './git-dir.js';
import type { AgentSource, RefreshResult, SourceChange, SourceLocation } from './types.js';

export interface LocalSourceOptions {
  /** repository (or plain directory) path */
  dir: string;
  ref: string;
  debounceMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * A repository on this machine. chokidar watches HEAD, packed-refs and
 * refs/heads (never objects/), so a commit, a merge or a push into it
 * reports the new tip at once; bursts are debounced. A directory that is not
 * a repository is watched as a whole and reports every change.
 */
export async function openLocalSource(opts: LocalSourceOptions): Promise<AgentSource> {
  const st = await fs.promises.stat(opts.dir).catch(() => null);
  if (!st?.isDirectory()) throw new VsError('SOURCE', `source ${opts.dir} is not a directory`, { dir: opts.dir });
  const gitdir = await findGitDir(opts.dir);
  return new LocalSource(opts, gitdir);
}

class LocalSource implements AgentSource {
  readonly kind: 'local' | 'directory';
  readonly location: SourceLocation;
  private watcher: FSWatcher | null = null;
  private debounce: TimerHandle | null = null;
  private last: string | null = null;
  private onChange: ((c: SourceChange) => void) | null = null;
  private closed = false;

  constructor(private readonly opts: LocalSourceOptions, private readonly gitdir: string | null) {
    this.kind = gitdir ? 'local' : 'directory';
    this.location = { dir: opts.dir, gitdir, ref: branchRef(opts.ref) };
  }

  async currentRevision(): Promise<string | null> {
    if (!this.gitdir) return null;
    try {
      return await git.resolveRef({ fs, dir: this.opts.dir, gitdir: this.gitdir, ref: this.location.ref });
    } catch (err) {
      throw new VsError('SOURCE', `cannot resolve ${this.location.ref} in ${this.opts.dir}: ${(err as Error).message}`, { dir: this.opts.dir, ref: this.location.ref }, { cause: err });
    }
  }

  async refresh(): Promise<RefreshResult> {
    const revision = await this.currentRevision();
    const changed = this.gitdir === null || revision !== this.last;
    this.last = revision;
    return { revision, changed };
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.onChange = onChange;
    this.last = await this.currentRevision().catch(() => null);
    const gitdir = this.gitdir;
    const ignored = gitdir
      ? (p: string) => {
          const rel = path.relative(gitdir, p).split(path.sep).join('/');
          if (rel === '' || rel === 'HEAD' || rel === 'packed-refs' || rel === 'refs' || rel === 'refs/heads') return false;
          return !(rel.startsWith('refs/heads/') && !rel.endsWith('.lock'));
        }
      : (p: string) => p.split(path.sep).includes('.git');
    this.watcher = watch(gitdir ?? this.opts.dir, { ignoreInitial: true, ignored, persistent: true });
    this.watcher.on('all', () => this.schedule());
    this.watcher.on('error', (err) => this.opts.log.warn('source watcher error', { dir: this.opts.dir, error: (err as Error).message }));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.opts.log.info('watching source', { dir: this.opts.dir, kind: this.kind, ref: this.location.ref, revision: this.last });
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce) this.opts.clock.clearTimeout(this.debounce);
    this.debounce = this.opts.clock.setTimeout(() => {
      this.debounce = null;
      this.refresh().then(
        (r) => {
          if (r.changed && !this.closed) this.onChange?.({ trigger: this.gitdir ? 'git' : 'files', revision: r.revision, sourceChanged: true });
        },
        // a ref mid-update can be unreadable for a moment; the next event or the resync catches up
        (err) => this.opts.log.warn('source change not readable yet', { error: (err as Error).message }),
      );
    }, this.opts.debounceMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce) this.opts.clock.clearTimeout(this.debounce);
    await this.watcher?.close();
  }
}
