import winston from 'winston';
import { escapeControl } from './text/escape.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  /** Force JSON (true) or human (false) output; default: JSON unless stderr is a TTY. */
  json?: boolean;
  /** Where log lines go; defaults to stderr so stdout stays clean for data. */
  stream?: NodeJS.WritableStream;
}

/**
 * Logger factory: human-readable lines on a terminal, one JSON object per line
 * otherwise (journald- and log-shipper-friendly). Logs go to stderr.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  const format = json
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
