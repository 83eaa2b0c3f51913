import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import git from 'isomorphic-git';
import { userAgent } from '../../build-info.js';
import { boundedHttp } from '../../source/bounded-http.js';
import { VsError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { jittered } from '../../process/backoff.js';
import { redactText, redactUrl, type Secret } from '../secret.js';
import type { Clock, RandomFn, TimerHandle } from '../types.js';
import { branchRef, remoteTrackingRef } from './git-dir.js';
import type { AgentSource, RefreshResult, SourceChange, SourceLocation } from './types.js';

export interface RemoteSourceOptions {
  url: string;
  ref: string;
  /** the agent's state directory: the clone lives under git-cache/ */
  stateDir: string;
  username: string | null;
  password: Secret | null;
  pollMs: number;
  pollJitter: number;
  clock: Clock;
  random: RandomFn;
  log: Logger;
  /** a clone or fetch running this long is logged as still running (with git's progress), and again as often; 0: never (default 5 s) */
  progressIntervalMs?: number;
}

/** Cache directory for a URL: stable, and different for different URLs. */
export function cacheDirFor(stateDir: string, url: string): string {
  const host = (() => {
    try {
      return new URL(url).host.replace(/[^A-Za-z0-9.-]/g, '_');
    } catch {
      return 'repo';
    }
  })();
  return path.join(stateDir, 'git-cache', `${host}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`);
}

/**
 * A repository over http(s), cloned into the state directory and fetched
 * on a jittered interval (and on demand, e.g. from the webhook). Fetches are
 * serialized; credentials come from the config (env or file) through onAuth
 * and are scrubbed from every error message.
 */
export function openRemoteSource(opts: RemoteSourceOptions): AgentSource {
  return new RemoteSource(opts);
}

class RemoteSource implements AgentSource {
  readonly kind = 'remote' as const;
  private readonly dir: string;
  /** with ref HEAD: the remote's default branch, learnt from the clone (its HEAD) */
  private defaultBranch: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private last: string | null = null;
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(private readonly opts: RemoteSourceOptions) {
    this.dir = cacheDirFor(opts.stateDir, opts.url);
  }

  /** The branch fetched: the configured one, or for HEAD the remote's default branch once known. */
  private branch(): string {
    return this.opts.ref !== 'HEAD' ? branchRef(this.opts.ref).replace(/^refs\/heads\//, '') : (this.defaultBranch ?? 'HEAD');
  }

  get location(): SourceLocation {
    const b = this.branch();
    return { dir: this.dir, gitdir: path.join(this.dir, '.git'), ref: remoteTrackingRef(b === 'HEAD' ? 'HEAD' : branchRef(b)) };
  }

  async currentRevision(): Promise<string | null> {
    try {
      return await git.resolveRef({ fs, dir: this.dir, ref: this.location.ref });
    } catch {
      return null;
    }
  }

  refresh(): Promise<RefreshResult> {
    const run = this.chain.then(() => this.fetchNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private auth() {
    const { username, password } = this.opts;
    if (!password && !username) return {};
    return {
      onAuth: () => ({ username: username ?? 'git', password: password?.reveal() ?? '' }),
      // wrong credentials: fail once instead of prompting in a loop
      onAuthFailure: () => ({ cancel: true }),
    };
  }

  private async fetchNow(): Promise<RefreshResult> {
    const started = this.opts.clock.now();
    const http = boundedHttp();
    try {
      const cloned = await fs.promises.stat(path.join(this.dir, '.git', 'HEAD')).then(() => true, () => false);
      // ref HEAD: clone the remote's default branch; the clone's own HEAD then names it
      if (cloned && this.opts.ref === 'HEAD' && this.defaultBranch === null) this.defaultBranch = (await git.currentBranch({ fs, dir: this.dir })) ?? null;
      const ref = this.branch();
      const notice = stillRunningNotice(this.opts.clock, this.opts.progressIntervalMs ?? DEFAULT_FETCH_PROGRESS_MS, (line, fields) =>
        this.opts.log.info(`${cloned ? 'fetch' : 'clone'} of ${redactUrl(this.opts.url)} (${this.opts.ref}) ${line}`, fields),
      );
      try {
        if (!cloned) {
          await fs.promises.rm(this.dir, { recursive: true, force: true });
          await fs.promises.mkdir(this.dir, { recursive: true });
          await git.clone({ fs, http, dir: this.dir, url: this.opts.url, ...(ref === 'HEAD' ? {} : { ref }), singleBranch: true, noCheckout: true, noTags: true, headers: { 'user-agent': userAgent() }, onProgress: notice.onProgress, ...this.auth() });
          if (ref === 'HEAD') this.defaultBranch = (await git.currentBranch({ fs, dir: this.dir })) ?? null;
        } else {
          await git.fetch({ fs, http, dir: this.dir, url: this.opts.url, ...(ref === 'HEAD' ? {} : { ref }), singleBranch: true, tags: false, prune: false, headers: { 'user-agent': userAgent() }, onProgress: notice.onProgress, ...this.auth() });
        }
      } finally {
        notice.stop();
      }
    } catch (err) {
      const message = redactText((err as Error).message, [this.opts.password]);
      throw new VsError('SOURCE', `fetch of ${redactUrl(this.opts.url)} (${this.opts.ref}) failed: ${message}`, { url: redactUrl(this.opts.url), ref: this.opts.ref });
    }
    const revision = await this.currentRevision();
    if (revision === null) throw new VsError('SOURCE', `${redactUrl(this.opts.url)} has no branch ${this.opts.ref}`, { url: redactUrl(this.opts.url), ref: this.opts.ref });
    const changed = revision !== this.last;
    this.last = revision;
    this.opts.log.debug('fetched source', { url: redactUrl(this.opts.url), ref: this.opts.ref, revision, changed, durationMs: this.opts.clock.now() - started });
    return { revision, changed };
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.last = await this.currentRevision();
    try {
      const r = await this.refresh();
      if (r.changed) onChange({ trigger: 'fetch', revision: r.revision, sourceChanged: true });
    } catch (err) {
      // keep running on the cached revision; the poll retries
      this.opts.log.warn('initial fetch failed', { error: (err as Error).message });
    }
    const poll = () => {
      if (this.closed) return;
      this.timer = this.opts.clock.setTimeout(() => {
        this.timer = null;
        this.refresh().then(
          (r) => {
            if (r.changed && !this.closed) onChange({ trigger: 'poll', revision: r.revision, sourceChanged: true });
          },
          (err) => this.opts.log.warn('poll fetch failed', { error: (err as Error).message }),
        ).finally(poll);
      }, jittered(this.opts.pollMs, this.opts.pollJitter, this.opts.random));
    };
    poll();
    this.opts.log.info('polling source', { url: redactUrl(this.opts.url), ref: this.opts.ref, everyMs: this.opts.pollMs, cache: this.dir, revision: this.last });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    await this.chain;
  }
}

/** How often a long clone or fetch is reported (as apply's "still running" lines). */
export const DEFAULT_FETCH_PROGRESS_MS = 5_000;

interface GitProgress {
  phase: string;
  loaded: number;
  total?: number;
}

/**
 * "still running (Ns): PHASE LOADED/TOTAL" every `intervalMs` while a git
 * transfer runs, from isomorphic-git's onProgress events (the last one seen).
 * Timers come from the injected clock.
 */
export function stillRunningNotice(clock: Clock, intervalMs: number, say: (line: string, fields: Record<string, unknown>) => void): { onProgress: (p: GitProgress) => void; stop: () => void } {
  const started = clock.now();
  let last: GitProgress | undefined;
  let timer: ReturnType<Clock['setTimeout']> | null = null;
  const tick = () => {
    const elapsedMs = clock.now() - started;
    const where = last ? `: ${last.phase} ${last.loaded}${last.total ? `/${last.total}` : ''}` : '';
    say(`still running (${Math.round(elapsedMs / 1000)}s)${where}`, { elapsedMs, ...(last ? { phase: last.phase, loaded: last.loaded, ...(last.total ? { total: last.total } : {}) } : {}) });
    timer = clock.setTimeout(tick, intervalMs);
  };
  if (intervalMs > 0) timer = clock.setTimeout(tick, intervalMs);
  return {
    onProgress: (p) => {
      last = { phase: p.phase, loaded: p.loaded, ...(p.total ? { total: p.total } : {}) };
    },
    stop: () => {
      if (timer) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
