import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Options } from 'execa';
import { minimalChildEnv } from '../process/child-env.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** the command was killed because it ran past its timeout (exitCode is then 124) */
  timedOut?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
  /** whom the command is for (the guest, when apply runs actions concurrently): named in progress lines */
  label?: string;
}

/**
 * Runs one external command given as an argv array (never a shell string).
 * Injected everywhere a provider needs a process, so tests can record or forbid calls.
 */
export interface CommandRunner {
  run(argv: string[], opts?: RunOptions): Promise<CommandResult>;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/** After SIGTERM at the timeout, how long before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** After SIGKILL, how long before the result is given up on and reported anyway. */
const GIVE_UP_MS = 2_000;
/** How much of each output stream is kept (the tail); the rest is reported as cut. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface RunnerDefaults {
  timeoutMs?: number;
  /**
   * Variables added to the child's environment. The child never inherits this
   * process's environment: it gets minimalChildEnv() (PATH, locale, TZ) plus these.
   */
  env?: Record<string, string>;
  /** cap on each captured stream (bytes, the tail is kept) */
  maxOutputBytes?: number;
  /**
   * Start each command in its own process group, so a Ctrl-C at the terminal
   * (SIGINT to the foreground group) reaches this process only, which decides
   * whether the running command finishes or is aborted (apply: issue 13).
   */
  ownProcessGroup?: boolean;
}

/**
 * The real runner: execa with argument arrays, no shell, no throw on non-zero exit.
 *
 * The result is taken when the process EXITS, never when its output descriptors
 * close: `vserver NAME start` hands fds 0–2 to the guest's init (reference §10,
 * LIVE: `vcontext --disconnect` keeps them; `vserver NAME start 2>&1 | cat`
 * hangs), so a pipe would stay open for the guest's whole life. stdout and
 * stderr therefore go to temporary files that the child writes directly (no
 * pipe on our side); they are read after `exit`. stdin is /dev/null, or a pipe
 * that we close after writing the input.
 *
 * The timeout covers the whole wait: SIGTERM at the deadline, SIGKILL after a
 * grace period, and the promise resolves at the latest GIVE_UP_MS later with
 * whatever the command printed, whether or not the kernel reaped it.
 */
export function execaRunner(defaults: RunnerDefaults = {}): CommandRunner {
  return {
    async run(argv, opts = {}) {
      if (argv.length === 0) throw new Error('execaRunner: empty argv');
      const timeoutMs = opts.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxBytes = defaults.maxOutputBytes ?? MAX_OUTPUT_BYTES;
      const started = Date.now();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-cmd-'));
      const outFile = path.join(dir, 'stdout');
      const errFile = path.join(dir, 'stderr');
      const outFd = fs.openSync(outFile, 'w', 0o600);
      const errFd = fs.openSync(errFile, 'w', 0o600);
      let timedOut = false;
      const timers: NodeJS.Timeout[] = [];
      let onAbort: (() => void) | undefined;
      try {
        const options: Options = {
          ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
          reject: false,
          // a file descriptor is handed to the child as is (execa's docs: "stdout: integer"); its
          // type declarations only list 3–9, hence the cast
          stdout: outFd as unknown as Options['stdout'],
          stderr: errFd as unknown as Options['stderr'],
          env: { ...minimalChildEnv(), ...defaults.env },
          extendEnv: false,
          stripFinalNewline: false,
          cancelSignal: opts.signal,
          ...(defaults.ownProcessGroup ? { detached: true } : {}),
        };
        const child = execa(argv[0]!, argv.slice(1), options);
        // Our copies of the descriptors are not needed once the child has its own.
        fs.closeSync(outFd);
        fs.closeSync(errFd);
        const kill = (sig: NodeJS.Signals) => {
          try {
            child.kill(sig);
          } catch {
            /* already gone */
          }
        };
        const deadline = new Promise<'deadline'>((resolve) => {
          // SIGTERM, SIGKILL after a grace period, then stop waiting whatever the process does
          const stop = () => {
            kill('SIGTERM');
            timers.push(setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS));
            timers.push(setTimeout(() => resolve('deadline'), KILL_GRACE_MS + GIVE_UP_MS));
          };
          timers.push(
            setTimeout(() => {
              timedOut = true;
              stop();
            }, timeoutMs),
          );
          // an abort (pass timeout, shutdown) is bounded the same way
          onAbort = stop;
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        });
        // A guest init that keeps our stdin pipe must not keep the wait alive either.
        child.stdin?.on('error', () => undefined);
        const r = await Promise.race([child, deadline]);
        const stdout = readTail(outFile, maxBytes);
        let stderr = readTail(errFile, maxBytes);
        let exitCode: number;
        if (r === 'deadline' && !timedOut) {
          exitCode = 130;
          stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}canceled; the process did not end\n`;
        } else if (r === 'deadline' || timedOut) {
          exitCode = 124;
          stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}timed out after ${timeoutMs} ms\n`;
        } else {
          // execa reports spawn failures (ENOENT) and signals without an exit code.
          exitCode = typeof r.exitCode === 'number' ? r.exitCode : r.isCanceled ? 130 : 127;
          if (r.isCanceled) stderr += 'canceled\n';
          else if (r.failed && r.exitCode === undefined && r.cause instanceof Error) stderr += r.cause.message + '\n';
          else if (r.failed && r.exitCode === undefined && r.signal) stderr += `killed by ${r.signal}\n`;
        }
        return { exitCode, stdout, stderr, durationMs: Date.now() - started, timedOut: timedOut || undefined };
      } finally {
        if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
        for (const t of timers) clearTimeout(t);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The file's text, at most `max` bytes from its end (with a note when cut). */
function readTail(file: string, max: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const text = buf.toString('utf8');
    return size > max ? `[… ${size - max} earlier bytes not kept]\n${text}` : text;
  } finally {
    fs.closeSync(fd);
  }
}
