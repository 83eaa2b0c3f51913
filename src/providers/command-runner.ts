import { execa } from 'execa';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** the command was killed because it ran past its timeout (exitCode is then 124) */
  timedOut?: boolean;
}

/**
 * Runs one external command given as an argv array (never a shell string).
 * Injected everywhere a provider needs a process, so tests can record or forbid calls.
 */
export interface CommandRunner {
  run(argv: string[], opts?: { timeoutMs?: number; input?: string; signal?: AbortSignal }): Promise<CommandResult>;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** The real runner: execa with argument arrays, no shell, no throw on non-zero exit. */
export function execaRunner(defaults: { timeoutMs?: number; env?: Record<string, string> } = {}): CommandRunner {
  return {
    async run(argv, opts = {}) {
      if (argv.length === 0) throw new Error('execaRunner: empty argv');
      const started = Date.now();
      const r = await execa(argv[0]!, argv.slice(1), {
        reject: false,
        timeout: opts.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        input: opts.input,
        stdin: opts.input === undefined ? 'ignore' : undefined,
        env: defaults.env,
        stripFinalNewline: false,
        cancelSignal: opts.signal,
      });
      // execa reports spawn failures (ENOENT) and timeouts without an exit code.
      let exitCode = typeof r.exitCode === 'number' ? r.exitCode : 127;
      let stderr = typeof r.stderr === 'string' ? r.stderr : '';
      if (r.timedOut) {
        exitCode = 124;
        stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}timed out after ${opts.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms\n`;
      } else if (r.failed && r.exitCode === undefined && r.cause instanceof Error) {
        stderr += r.cause.message + '\n';
      }
      return {
        exitCode,
        stdout: typeof r.stdout === 'string' ? r.stdout : '',
        stderr,
        durationMs: Date.now() - started,
        timedOut: r.timedOut || undefined,
      };
    },
  };
}
