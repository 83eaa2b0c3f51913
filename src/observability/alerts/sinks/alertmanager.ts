/**
 * Prometheus Alertmanager (its v2 API: POST /api/v2/alerts, a JSON list of
 * postableAlert: labels, annotations, startsAt, endsAt, generatorURL).
 *
 * Alertmanager knows an alert by its label set, and resolves by itself an
 * alert not re-sent before its endsAt. So, as Prometheus does, the sink keeps
 * the firing alerts and re-sends them every `resendMs` with endsAt four resend
 * intervals ahead; a resolved alert is sent once with endsAt = the time it was
 * resolved. The tracker hands the sink the active set after every pass
 * (refresh), so an agent restarted with drift still active re-asserts it at
 * the next re-send.
 */
import { userAgent } from '../../../build-info.js';
import type { Alert } from '../types.js';
import { DEFAULT_POST_OPTIONS, postWithRetry, type PostOptions } from './http-post.js';
import { alertSummary, type AlertSink } from './sink.js';
import { stripUndefined } from './webhook.js';

export interface AlertmanagerSinkOptions extends Partial<PostOptions> {
  name?: string;
  /** Alertmanager's base URL (http://am:9093), or the full .../api/v2/alerts */
  url: string;
  /** extra labels on every alert (team, cluster, …) */
  labels?: Record<string, string>;
  /** link back to the source of the alert (e.g. the agent's /status); omitted when absent */
  generatorURL?: string;
  /** extra request headers (e.g. Authorization for an Alertmanager behind a proxy) */
  headers?: Record<string, string>;
  /** firing alerts are re-sent this often (default 60 s; 0: never, and no endsAt on firing alerts) */
  resendMs?: number;
  /** a re-send that fails (no dispatcher to report it) */
  onResendError?: (err: Error) => void;
  /** wall clock, ms since epoch; injected for tests */
  clock?: () => number;
}

/** One element of Alertmanager's POST /api/v2/alerts body (openapi: postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export const DEFAULT_RESEND_MS = 60_000;

/** Label names must match [a-zA-Z_][a-zA-Z0-9_]*; values are any UTF-8. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function alertsEndpoint(url: string): string {
  return /\/api\/v2\/alerts\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/api/v2/alerts`;
}

/** The labels that identify an alert: the same for appeared, changed and resolved of one drift. */
export function alertmanagerLabels(alert: Alert, extra: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = { ...extra, alertname: 'VsgitopsDrift', host: alert.host, kind: alert.kind, severity: alert.kind === 'failed' || alert.kind === 'blocked' ? 'critical' : 'warning' };
  if (alert.guest !== undefined) labels.guest = alert.guest;
  if (alert.xid !== undefined) labels.xid = String(alert.xid);
  return labels;
}

/** Pure: the postableAlert for one alert at `nowMs` (firing: endsAt `endsInMs` ahead, if any). */
export function postableAlert(alert: Alert, o: { labels?: Record<string, string>; generatorURL?: string; nowMs: number; endsInMs?: number }): PostableAlert {
  const annotations: Record<string, string> = {
    summary: alertSummary(alert),
    description: alert.message,
    mode: alert.mode,
    revision: alert.revision ?? '',
    fingerprint: alert.fingerprint,
  };
  if (alert.fields.length > 0) annotations.fields = alert.fields.join(', ');
  if (alert.command) annotations.command = alert.command.join(' ') + (alert.exitCode !== undefined ? ` (exit ${alert.exitCode})` : '');
  if (alert.stderrTail) annotations.stderr = alert.stderrTail;
  const out: PostableAlert = { labels: alertmanagerLabels(alert, o.labels), annotations, startsAt: alert.since };
  if (alert.type === 'resolved') out.endsAt = alert.at;
  else if (o.endsInMs !== undefined && o.endsInMs > 0) out.endsAt = new Date(o.nowMs + o.endsInMs).toISOString();
  if (o.generatorURL) out.generatorURL = o.generatorURL;
  return out;
}

export interface AlertmanagerSink extends AlertSink {
  /** the active alerts after a pass: kept, and re-sent at the next re-send */
  refresh(active: Alert[]): void;
  /** stops the re-send timer */
  close(): void;
}

export function alertmanagerSink(opts: AlertmanagerSinkOptions): AlertmanagerSink {
  for (const k of Object.keys(opts.labels ?? {})) if (!LABEL_NAME.test(k)) throw new Error(`alertmanager label name "${k}" is not [a-zA-Z_][a-zA-Z0-9_]*`);
  const post: PostOptions = { ...DEFAULT_POST_OPTIONS, ...stripUndefined(opts) };
  const endpoint = alertsEndpoint(opts.url);
  const resendMs = opts.resendMs ?? DEFAULT_RESEND_MS;
  const clock = opts.clock ?? Date.now;
  const firing = new Map<string, Alert>();
  const headers = { 'content-type': 'application/json', 'user-agent': userAgent(), ...opts.headers };
  const body = (alerts: Alert[]) => JSON.stringify(alerts.map((a) => postableAlert(a, { ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.generatorURL ? { generatorURL: opts.generatorURL } : {}), nowMs: clock(), endsInMs: 4 * resendMs })));
  let timer: NodeJS.Timeout | undefined;
  const resend = async () => {
    if (firing.size === 0) return;
    try {
      await postWithRetry(endpoint, body([...firing.values()]), headers, { ...post, retries: 0 });
    } catch (err) {
      opts.onResendError?.(err as Error);
    }
  };
  const arm = () => {
    if (timer || resendMs <= 0) return;
    timer = setInterval(() => void resend(), resendMs);
    timer.unref();
  };
  return {
    name: opts.name ?? 'alertmanager',
    async send(alert, signal) {
      if (alert.type === 'resolved') firing.delete(alert.key);
      else {
        firing.set(alert.key, alert);
        arm();
      }
      await postWithRetry(endpoint, body([alert]), headers, post, signal);
    },
    refresh(active) {
      // the tracker's state is the truth: after a restart this re-seeds what is still firing,
      // and the next re-send (within resendMs, before any endsAt sent earlier) re-asserts it
      firing.clear();
      for (const a of active) if (a.type !== 'resolved') firing.set(a.key, a);
      if (firing.size > 0) arm();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
