import { VsError } from '../../../errors.js';

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
}

export const DEFAULT_POST_OPTIONS: PostOptions = { timeoutMs: 5000, retries: 3, backoffMs: 500, maxBackoffMs: 30_000 };

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
 * POSTs a body with retries and exponential backoff. Retries network errors,
 * timeouts, 429 and 5xx; other statuses are the receiver saying no, so they
 * fail at once. `signal` (shutdown) ends the attempt in flight and any further
 * retries.
 */
export async function postWithRetry(url: string, body: string, headers: Record<string, string>, opts: PostOptions, signal?: AbortSignal): Promise<{ status: number; attempts: number }> {
  const sleep = opts.sleep ?? realSleep;
  let lastError = '';
  const abandoned = () => new VsError('ALERT_SINK', `POST ${redact(url)} abandoned: shutting down${lastError ? ` (last error: ${lastError})` : ''}`, { url: redact(url) });
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleepUnless(sleep, Math.min(opts.backoffMs * 2 ** (attempt - 1), opts.maxBackoffMs), signal);
    if (signal?.aborted) throw abandoned();
    let status: number;
    try {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await fetch(url, { method: 'POST', body, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      if (signal?.aborted) throw abandoned();
      const e = err as Error;
      lastError = e.name === 'TimeoutError' ? `timed out after ${opts.timeoutMs} ms` : `${e.message}${(e.cause as Error | undefined)?.message ? ': ' + (e.cause as Error).message : ''}`;
      continue;
    }
    if (status >= 200 && status < 300) return { status, attempts: attempt + 1 };
    lastError = `HTTP ${status}`;
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
