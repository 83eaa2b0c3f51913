/** a uniform random number in [0, 1), injected (Math.random in production) */
export type RandomFn = () => number;

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** growth per failure */
  factor: number;
  /** ± fraction of the delay, e.g. 0.2 → delay × [0.8, 1.2) */
  jitter: number;
}

export const defaultBackoffOptions = (): BackoffOptions => ({ minMs: 1000, maxMs: 15 * 60_000, factor: 2, jitter: 0.2 });

/**
 * Exponential backoff with a cap and jitter: min, min·f, min·f², … ≤ max.
 * Jitter spreads retries of many agents hitting the same broken server.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions, private readonly random: RandomFn = Math.random) {}

  /** Delay before the next retry; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.opts.maxMs, this.opts.minMs * Math.pow(this.opts.factor, this.failures));
    this.failures++;
    const spread = base * this.opts.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.opts.maxMs, Math.max(this.opts.minMs, base + spread)));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/** interval ± jitter fraction (poll timers). */
export function jittered(ms: number, jitter: number, random: RandomFn): number {
  return Math.max(0, Math.round(ms + ms * jitter * (2 * random() - 1)));
}
