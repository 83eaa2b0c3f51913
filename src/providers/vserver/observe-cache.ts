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

/** A change this close (ms) to a read's start may share its timestamp tick: 2 s covers 1 s and 2 s granularities. */
export const RACY_MS = 2000;

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

export class GuestConfigCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
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

  /** Starts an observation; `contexts` is the list of context ids in /proc/virtual. */
  begin(contexts: readonly number[]): void {
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

  /** Ends an observation: guests no longer there are forgotten. */
  end(seen: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) if (!seen.has(name)) this.entries.delete(name);
  }

  get size(): number {
    return this.entries.size;
  }
}
