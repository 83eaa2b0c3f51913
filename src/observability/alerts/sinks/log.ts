import type { Logger } from '../../../log.js';
import type { Alert } from '../types.js';
import { alertSummary, type AlertSink } from './sink.js';

/** Writes each alert to the log: warn while drift is there, info once resolved. */
export function logSink(logger: Logger, name = 'log'): AlertSink {
  return {
    name,
    async send(alert: Alert) {
      const level = alert.type === 'resolved' ? 'info' : 'warn';
      logger.log(level, alertSummary(alert), {
        alert: alert.type,
        key: alert.key,
        fingerprint: alert.fingerprint.slice(0, 12),
        fields: alert.fields,
        mode: alert.mode,
        since: alert.since,
        ...(alert.command ? { command: alert.command, exitCode: alert.exitCode } : {}),
      });
    },
  };
}
