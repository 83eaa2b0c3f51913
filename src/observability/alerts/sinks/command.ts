import { execa } from 'execa';
import { VsError } from '../../../errors.js';
import { minimalChildEnv } from '../../../process/child-env.js';
import type { Alert } from '../types.js';
import type { AlertSink } from './sink.js';

export interface CommandSinkOptions {
  name?: string;
  /** program and arguments, never a shell string */
  argv: string[];
  timeoutMs?: number;
  /** the only variables the command gets besides PATH, locale, TZ and VSGITOPS_ALERT_TYPE/KIND */
  env?: Record<string, string>;
}

/** Runs a command per alert with the alert as JSON on stdin. Non-zero exit = failed delivery. */
export function commandSink(opts: CommandSinkOptions): AlertSink {
  if (opts.argv.length === 0 || !opts.argv[0]) throw new VsError('CONFIG', 'command alert sink needs a non-empty argv');
  const [file, ...args] = opts.argv as [string, ...string[]];
  const timeout = opts.timeoutMs ?? 10_000;
  return {
    name: opts.name ?? 'command',
    async send(alert: Alert, signal?: AbortSignal) {
      const res = await execa(file, args, {
        input: JSON.stringify(alert) + '\n',
        timeout,
        ...(signal ? { cancelSignal: signal } : {}),
        reject: false,
        stripFinalNewline: true,
        // never this process's environment (webhook secret, tokens): only what the config names
        env: { ...minimalChildEnv(), VSGITOPS_ALERT_TYPE: alert.type, VSGITOPS_ALERT_KIND: alert.kind, ...opts.env },
        extendEnv: false,
      });
      if (res.isCanceled) throw new VsError('ALERT_SINK', `alert command ${file} abandoned: shutting down`, { argv: opts.argv });
      if (res.timedOut) throw new VsError('COMMAND_TIMEOUT', `alert command ${file} timed out after ${timeout} ms`, { argv: opts.argv });
      if (res.failed) {
        const stderr = String(res.stderr ?? '').slice(-500);
        throw new VsError('ALERT_SINK', `alert command ${file} failed (exit ${res.exitCode ?? 'none'})${stderr ? ': ' + stderr : ''}`, { argv: opts.argv, exitCode: res.exitCode, stderrTail: stderr });
      }
    },
  };
}
