import { userAgent } from '../../../build-info.js';
import type { Alert } from '../types.js';
import { DEFAULT_POST_OPTIONS, postWithRetry, type PostOptions } from './http-post.js';
import { alertSummary, type AlertSink } from './sink.js';
import { stripUndefined } from './webhook.js';

export interface SlackSinkOptions extends Partial<PostOptions> {
  name?: string;
  /** Slack (or Mattermost, Rocket.Chat, ...) incoming-webhook URL */
  url: string;
}

export interface SlackPayload {
  text: string;
  blocks?: unknown[];
}

const ICON: Record<Alert['type'], string> = { appeared: ':warning:', changed: ':arrows_counterclockwise:', resolved: ':white_check_mark:' };

/** The incoming-webhook payload: `text` is the fallback every client shows; `blocks` the rich form. */
export function slackPayload(alert: Alert): SlackPayload {
  const text = `${ICON[alert.type]} ${alertSummary(alert)}`;
  const facts = [
    `*host* ${alert.host}`,
    `*kind* ${alert.kind}`,
    `*mode* ${alert.mode}`,
    `*revision* ${alert.revision ?? '-'}`,
    `*since* ${alert.since}`,
  ];
  if (alert.fields.length > 0) facts.push(`*fields* ${alert.fields.join(', ')}`);
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } },
    { type: 'context', elements: facts.map((f) => ({ type: 'mrkdwn', text: escapeMrkdwn(f) })) },
  ];
  if (alert.command) {
    const detail = `command: ${alert.command.join(' ')}${alert.exitCode !== undefined ? ` (exit ${alert.exitCode})` : ''}${alert.stderrTail ? `\n${alert.stderrTail}` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '```' + detail.replace(/```/g, "'''").slice(0, 2900) + '```' } });
  }
  return { text, blocks };
}

/** Slack treats &, < and > as control characters (links, mentions). */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackSink(opts: SlackSinkOptions): AlertSink {
  const post: PostOptions = { ...DEFAULT_POST_OPTIONS, ...stripUndefined(opts) };
  return {
    name: opts.name ?? 'slack',
    async send(alert: Alert, signal?: AbortSignal) {
      await postWithRetry(opts.url, JSON.stringify(slackPayload(alert)), { 'content-type': 'application/json', 'user-agent': userAgent() }, post, signal);
    },
  };
}
