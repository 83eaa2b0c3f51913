/**
 * What a long-running observer (the agent) keeps between observations
 * (issue 12): each guest's config read, with a stamp of its config tree
 * (`stampConfigTreeSync`). The next observation stamps the tree again and
 * reuses the read only when the stamp is the same and nothing casts doubt on
 * it; otherwise it reads the dir. The agent owns the cache (one per running
 * configuration); observe decides with it; the planner never sees it.
 *
 * Doubt means a full read, or a re-read of the guest:
 * - no full read yet, or the last one is `fullEveryMs` old (the agent: its
 *   resync interval unless configured): every guest is read;
 * - the set of contexts in /proc/virtual changed since the last observation
 *   (a guest started or stopped): every guest is read;
 * - the wall clock went backwards since the last observation: every guest is read;
 * - a guest whose stamp differs, that is new, or whose tree could not be stamped;
 * - a guest whose newest mtime/ctime was within `RACY_MS` of (or after) the
 *   moment its previous read began: a change in the same timestamp tick as
 *   that read (1 s on some file systems) would leave the stamp unchanged, so
 *   such a read is never trusted again.
 * What changes without the config dir changing — /proc/virtual, /proc/virtnet,
 * run file targets, live cgroup values — is read on every observation.
 */

import { RACY_MS, type ListingMemo } from './config-read.js';

export { RACY_MS };

export interface ObserveCacheOptions {
  /** read every guest at least this often (ms) */
  fullEveryMs: number;
  /** wall clock, ms (default Date.now): compared with file times */
  now?: () => number;
}

/** What the last observation did with the cache (logs, tests, the bench). */
export interface ObserveCacheStats {
  full: boolean;
  /** why the observation read every guest */
  reason?: 'first' | 'interval' | 'contexts changed' | 'clock went back';
  /** guests whose previous read was reused */
  reused: number;
  /** guests read */
  read: number;
}

interface Entry<T> {
  stamp: string;
  /** the read may have missed a change in the same timestamp tick: read again next time */
  racy: boolean;
  value: T;
}

interface Listing {
  key: string;
  names: string[];
  listedAt: number;
  /** the observation that last used it */
  pass: number;
}

export class GuestConfigCache<T> implements ListingMemo {
  private readonly entries = new Map<string, Entry<T>>();
  /** directory listings of the stamps (see ListingMemo) */
  private readonly listings = new Map<string, Listing>();
  private pass = 0;
  private lastFullAt: number | undefined;
  private lastPassAt: number | undefined;
  private contexts: string | undefined;
  private full = true;
  private readonly fullEveryMs: number;
  readonly now: () => number;
  last: ObserveCacheStats = { full: true, reused: 0, read: 0 };

  constructor(opts: ObserveCacheOptions) {
    if (!(opts.fullEveryMs >= 0)) throw new RangeError('fullEveryMs must be >= 0');
    this.fullEveryMs = opts.fullEveryMs;
    this.now = opts.now ?? Date.now;
  }

  private busy = false;

  /**
   * Starts an observation; `contexts` is the list of context ids in
   * /proc/virtual. False while another observation holds the cache: that one
   * then reads without it. `release` ends the hold.
   */
  begin(contexts: readonly number[]): boolean {
    if (this.busy) return false;
    this.busy = true;
    this.pass++;
    const now = this.now();
    const ctx = contexts.join(',');
    let reason: ObserveCacheStats['reason'];
    if (this.lastFullAt === undefined) reason = 'first';
    else if (this.lastPassAt !== undefined && now < this.lastPassAt) reason = 'clock went back';
    else if (now - this.lastFullAt >= this.fullEveryMs) reason = 'interval';
    else if (ctx !== this.contexts) reason = 'contexts changed';
    this.full = reason !== undefined;
    if (this.full) this.lastFullAt = now;
    this.lastPassAt = now;
    this.contexts = ctx;
    this.last = { full: this.full, ...(reason ? { reason } : {}), reused: 0, read: 0 };
    return true;
  }

  release(): void {
    this.busy = false;
  }

  /** The previous read of `name` if its tree still has `stamp` and may be trusted. */
  reuse(name: string, stamp: string): T | undefined {
    if (this.full) return undefined;
    const e = this.entries.get(name);
    if (!e || e.racy || e.stamp !== stamp) return undefined;
    this.last.reused++;
    return e.value;
  }

  /** Records a read of `name` whose stamp was taken at `startedAt` (before the read) and whose newest file time is `newest`. */
  store(name: string, stamp: string, newest: number, startedAt: number, value: T): void {
    this.last.read++;
    this.entries.set(name, { stamp, racy: newest >= startedAt - RACY_MS, value });
  }

  /** A guest read without a stamp (or that failed): nothing is kept. */
  drop(name: string): void {
    this.last.read++;
    this.entries.delete(name);
  }

  /** A guest that could not be read at all: nothing is kept. */
  forget(name: string): void {
    this.entries.delete(name);
  }

  get(dir: string): Listing | undefined {
    const l = this.listings.get(dir);
    if (l) l.pass = this.pass;
    return l;
  }

  set(dir: string, listing: { key: string; names: string[]; listedAt: number }): void {
    this.listings.set(dir, { ...listing, pass: this.pass });
  }

  /** Ends an observation: guests and directories no longer there are forgotten. */
  end(seen: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) if (!seen.has(name)) this.entries.delete(name);
    for (const [dir, l] of this.listings) if (l.pass !== this.pass) this.listings.delete(dir);
  }

  get size(): number {
    return this.entries.size;
  }
}
