import { VsError } from '../../../errors.js';
import { Backoff, type BackoffOptions } from '../../../process/backoff.js';

export interface PostOptions {
  /** per attempt */
  timeoutMs: number;
  /** attempts after the first */
  retries: number;
  /** delay before the first retry; doubles each time */
  backoffMs: number;
  maxBackoffMs: number;
  /** injected for tests; default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The agent's backoff (its configuration's `backoff`: min, max, factor, jitter): retries then
   * wait as the agent's own retries do. Absent: backoffMs doubling up to maxBackoffMs, no jitter.
   */
  backoff?: BackoffOptions;
  /** longest Retry-After honoured; a receiver asking for more fails the delivery at once (default 5 min) */
  maxRetryAfterMs?: number;
  /** wall clock, ms since epoch (Retry-After as an HTTP date); injected for tests */
  now?: () => number;
}

export const DEFAULT_POST_OPTIONS: PostOptions = { timeoutMs: 5000, retries: 3, backoffMs: 500, maxBackoffMs: 30_000 };
const DEFAULT_MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * A Retry-After header value (RFC 9110 §10.2.3) as milliseconds from `now`: delay-seconds or an
 * HTTP-date (a date in the past is 0). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // IMF-fixdate (and the obsolete forms Date.parse reads); a bare number was handled above
  if (!/[A-Za-z]/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeps, but wakes early when the signal aborts. */
function sleepUnless(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms);
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms).then(done, done);
  });
}

/**
 * POSTs a body with retries and exponential backoff (the agent's Backoff). Retries network errors,
 * timeouts, 429 and 5xx, waiting at least what a 429's or 503's Retry-After asks; other statuses are the receiver saying no, so they
 * fail at once. `signal` (shutdown) ends the attempt in flight and any further
 * retries.
 */
export async function postWithRetry(url: string, body: string, headers: Record<string, string>, opts: PostOptions, signal?: AbortSignal): Promise<{ status: number; attempts: number }> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const backoff = new Backoff(opts.backoff ?? { minMs: opts.backoffMs, maxMs: opts.maxBackoffMs, factor: 2, jitter: 0 });
  const maxRetryAfter = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  let lastError = '';
  /** the receiver's Retry-After for the next attempt, when it sent one */
  let retryAfter: number | undefined;
  const abandoned = () => new VsError('ALERT_SINK', `POST ${redact(url)} abandoned: shutting down${lastError ? ` (last error: ${lastError})` : ''}`, { url: redact(url) });
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) {
      // the backoff advances either way; a Retry-After is honoured when it asks for longer
      const delay = backoff.next();
      await sleepUnless(sleep, retryAfter !== undefined ? Math.max(retryAfter, delay) : delay, signal);
    }
    retryAfter = undefined;
    if (signal?.aborted) throw abandoned();
    let status: number;
    try {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(url, { method: 'POST', body, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      status = res.status;
      if (status === 429 || status === 503) retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      if (signal?.aborted) throw abandoned();
      const e = err as Error;
      lastError = e.name === 'TimeoutError' ? `timed out after ${opts.timeoutMs} ms` : `${e.message}${(e.cause as Error | undefined)?.message ? ': ' + (e.cause as Error).message : ''}`;
      continue;
    }
    if (status >= 200 && status < 300) return { status, attempts: attempt + 1 };
    lastError = `HTTP ${status}`;
    if (retryAfter !== undefined && retryAfter > maxRetryAfter) {
      // waiting that long would hold this sink's queue; retrying sooner would ignore the receiver
      lastError += `, Retry-After ${Math.ceil(retryAfter / 1000)}s is more than the ${Math.round(maxRetryAfter / 1000)}s this sink waits`;
      break;
    }
    if (status !== 429 && status < 500) break;
  }
  throw new VsError('ALERT_SINK', `POST ${redact(url)} failed: ${lastError}`, { url: redact(url) });
}

/** Incoming-webhook URLs carry their secret in the path: never log it whole. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : '/'}`;
  } catch {
    return '(invalid url)';
  }
}
