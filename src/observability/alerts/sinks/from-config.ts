import { VsError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { commandSink } from './command.js';
import { logSink } from './log.js';
import type { PostOptions } from './http-post.js';
import type { AlertSink } from './sink.js';
import { slackSink } from './slack.js';
import { webhookSink } from './webhook.js';
import { alertmanagerSink } from './alertmanager.js';

/** Sink settings as the agent configuration holds them (secrets already resolved by the caller). */
export type SinkSpec =
  | { type: 'log'; name?: string }
  | ({ type: 'webhook'; name?: string; url: string; secret?: string; headers?: Record<string, string> } & Partial<PostOptions>)
  | ({ type: 'slack'; name?: string; url: string } & Partial<PostOptions>)
  | { type: 'command'; name?: string; argv: string[]; timeoutMs?: number }
  | ({ type: 'alertmanager'; name?: string; url: string; labels?: Record<string, string>; generatorURL?: string; resendMs?: number; headers?: Record<string, string> } & Partial<PostOptions>);

/** Builds the sinks; names default to the type, then type-2, type-3... so metrics labels stay unique. */
export function sinksFromSpecs(specs: SinkSpec[], logger: Logger): AlertSink[] {
  const used = new Map<string, number>();
  return specs.map((spec) => {
    let name = spec.name;
    if (!name) {
      const n = (used.get(spec.type) ?? 0) + 1;
      used.set(spec.type, n);
      name = n === 1 ? spec.type : `${spec.type}-${n}`;
    }
    switch (spec.type) {
      case 'log':
        return logSink(logger, name);
      case 'webhook':
        return webhookSink({ ...spec, name });
      case 'slack':
        return slackSink({ ...spec, name });
      case 'command':
        return commandSink({ ...spec, name });
      case 'alertmanager':
        return alertmanagerSink({ ...spec, name, onResendError: (err) => logger.warn('alert re-send failed', { sink: name, error: err.message }) });
      default:
        throw new VsError('CONFIG', `unknown alert sink type "${(spec as { type: string }).type}"`);
    }
  });
}
