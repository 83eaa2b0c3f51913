import fs from 'node:fs';
import winston from 'winston';
import { escapeControl } from './text/escape.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  /** Force JSON (true) or human (false) output; default: JSON unless stderr is a TTY. */
  json?: boolean;
  /** Where log lines go; defaults to stderr so stdout stays clean for data. */
  stream?: NodeJS.WritableStream;
  /**
   * Prefix each line with its syslog priority, `<3>` error … `<7>` debug (sd-daemon(3)), which
   * journald strips and stores as PRIORITY. Default: when stderr is the journal (journalStream()).
   */
  journal?: boolean;
}

/** winston's levels as syslog priorities (sd-daemon.h: SD_ERR 3, SD_WARNING 4, SD_INFO 6, SD_DEBUG 7). */
export const JOURNAL_PRIORITY: Record<string, number> = { error: 3, warn: 4, info: 6, http: 6, verbose: 7, debug: 7, silly: 7 };

/**
 * True when stderr is connected to the journal: systemd sets JOURNAL_STREAM to
 * "DEVICE:INODE" of that stream, and a program should check that its stderr is
 * still that file (systemd.exec(5), "JOURNAL_STREAM") — a child whose stderr
 * was redirected inherits the variable but not the journal.
 */
export function journalStream(env: NodeJS.ProcessEnv = process.env, stat: () => { dev: number | bigint; ino: number | bigint } = () => fs.fstatSync(2)): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = stat();
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

const MESSAGE = Symbol.for('message');

/** Puts `<N>` before each finished line (the last format in the chain). */
const journalPrefix = winston.format((info) => {
  const line = (info as unknown as Record<symbol, unknown>)[MESSAGE];
  const prio = JOURNAL_PRIORITY[info.level] ?? 6;
  // one line per record: journald reads the prefix of each line only
  (info as unknown as Record<symbol, unknown>)[MESSAGE] = `<${prio}>${String(line).replace(/\n/g, '\\n')}`;
  return info;
});

/**
 * Logger factory: human-readable lines on a terminal, one JSON object per line
 * otherwise (journald- and log-shipper-friendly). Logs go to stderr.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  const journal = opts.journal ?? (opts.stream === undefined && journalStream());
  const lineFormat = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.printf(({ level, message, timestamp, ...rest }) => {
          const fields = Object.entries(rest)
            .filter(([k]) => k !== 'service')
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          // a terminal: values from manifests and the host are shown, never interpreted
          return escapeControl(`${timestamp} ${level.padEnd(5)} ${String(message)}${fields ? ' ' + fields : ''}`);
        }),
      );
  const format = journal ? winston.format.combine(lineFormat, journalPrefix()) : lineFormat;
  return winston.createLogger({
    level: opts.level ?? process.env.VSGITOPS_LOG_LEVEL ?? 'info',
    format,
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stderr })],
  });
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
