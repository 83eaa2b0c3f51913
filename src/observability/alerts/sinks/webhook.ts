import { createHmac } from 'node:crypto';
import { userAgent } from '../../../build-info.js';
import type { Alert } from '../types.js';
import { DEFAULT_POST_OPTIONS, postWithRetry, type PostOptions } from './http-post.js';
import type { AlertSink } from './sink.js';

export const SIGNATURE_HEADER = 'X-Vsgitops-Signature';

export interface WebhookSinkOptions extends Partial<PostOptions> {
  name?: string;
  url: string;
  /** HMAC-SHA256 key; when set, every request carries X-Vsgitops-Signature: sha256=<hex> */
  secret?: string;
  headers?: Record<string, string>;
}

/** `sha256=<hex>` over the exact body bytes, as GitHub-style receivers verify it. */
export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Generic JSON webhook: the alert object itself is the body. */
export function webhookSink(opts: WebhookSinkOptions): AlertSink {
  const post: PostOptions = { ...DEFAULT_POST_OPTIONS, ...stripUndefined(opts) };
  return {
    name: opts.name ?? 'webhook',
    async send(alert: Alert, signal?: AbortSignal) {
      const body = JSON.stringify(alert);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent(), ...opts.headers };
      if (opts.secret) headers[SIGNATURE_HEADER] = signBody(opts.secret, body);
      await postWithRetry(opts.url, body, headers, post, signal);
    },
  };
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
