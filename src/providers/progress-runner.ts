/**
 * A CommandRunner that says when a command runs long (issue 13: "never a
 * silent 25 s"): once a command has run `intervalMs`, and again every
 * `intervalMs` after that, `say` gets "still running: ARGV (Ns)" (after "GUEST: "
 * when the command carries a label: apply running actions concurrently). The wrapped
 * runner does the work; timers are injected for tests.
 */
import type { CommandRunner } from './command-runner.js';

export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

export interface ProgressRunnerOptions {
  /** first notice after this long, then again every this long (default 5 s) */
  intervalMs?: number;
  say: (line: string, info: { argv: string[]; elapsedMs: number }) => void;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  /** milliseconds, monotonic */
  now?: () => number;
}

/** The argv as one line for a person: at most 120 characters, arguments with spaces quoted. */
export function commandLine(argv: string[]): string {
  const line = argv.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return line.length > 120 ? line.slice(0, 119) + '…' : line;
}

export function progressRunner(inner: CommandRunner, opts: ProgressRunnerOptions): CommandRunner {
  const intervalMs = opts.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const every = opts.setInterval ?? ((fn: () => void, ms: number) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  });
  const stop = opts.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
  const now = opts.now ?? (() => performance.now());
  return {
    async run(argv, runOpts) {
      const started = now();
      const handle = intervalMs > 0
        ? every(() => {
            const elapsedMs = now() - started;
            const who = runOpts?.label !== undefined ? `${runOpts.label}: ` : '';
            opts.say(`${who}still running: ${commandLine(argv)} (${Math.round(elapsedMs / 1000)}s)`, { argv, elapsedMs });
          }, intervalMs)
        : undefined;
      try {
        return await inner.run(argv, runOpts);
      } finally {
        if (handle !== undefined) stop(handle);
      }
    },
  };
}
