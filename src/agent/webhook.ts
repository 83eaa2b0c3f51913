import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { parsePush, refMatches, verifyWebhook, type PushInfo, type WebhookProvider } from './webhook-verify.js';

export interface WebhookOptions {
  bind: string;
  port: number;
  /** request path, e.g. /hooks/git */
  path: string;
  secret: string;
  maxBodyBytes: number;
  /** branch the agent follows: pushes to other refs are acknowledged and ignored */
  ref: string;
  log: Logger;
  /** called for an authenticated push to the followed branch; should fetch and request a pass */
  onPush: (info: PushInfo & { provider: WebhookProvider }) => void;
  /** a connection that has not sent a whole request in this time is closed (default 10 s) */
  requestTimeoutMs?: number;
  /** connections open at once; more are refused (default 32) */
  maxConnections?: number;
  /** how long an accepted request is remembered to refuse its replay, and the oldest signed time accepted (default 1 h) */
  replayWindowMs?: number;
  /** injected for tests */
  now?: () => number;
}

export const WEBHOOK_DEFAULTS = { requestTimeoutMs: 10_000, maxConnections: 32, replayWindowMs: 3_600_000, replayEntries: 10_000 };

/**
 * Remembers accepted requests for the replay window: the sha256 of the signed body
 * (a replay must resend it: the signature covers it, whatever headers change) and
 * the provider's delivery id. Bounded: at most `max` entries, the oldest dropped first.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number, private readonly max = WEBHOOK_DEFAULTS.replayEntries) {}

  /** true when one of the keys was seen within the window; otherwise records them. */
  check(keys: string[], now: number): boolean {
    for (const [k, at] of this.seen) {
      if (now - at <= this.windowMs) break; // insertion order: the rest are newer
      this.seen.delete(k);
    }
    if (keys.some((k) => this.seen.has(k))) return true;
    for (const k of keys) {
      this.seen.set(k, now);
      if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    }
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface WebhookServer {
  /** the bound address (port resolved when 0 was asked) */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Push receiver. Answers 202 to an accepted push, 200 to a ping or a push of
 * another branch; refuses with 401 (signature), 400 (malformed JSON),
 * 405 (method), 404 (path), 413 (body too large), 409 (a replay of an accepted
 * request, or a signed time outside the replay window). Slow or idle connections
 * are closed at requestTimeoutMs; at most maxConnections are open at once. Refusals are logged
 * with the peer address and the reason, never with the secret or signature.
 */
export async function startWebhookServer(opts: WebhookOptions): Promise<WebhookServer> {
  const timeout = opts.requestTimeoutMs ?? WEBHOOK_DEFAULTS.requestTimeoutMs;
  const replay = new ReplayGuard(opts.replayWindowMs ?? WEBHOOK_DEFAULTS.replayWindowMs);
  // node checks headersTimeout/requestTimeout only every connectionsCheckingInterval (30 s by
  // default): a slow sender was held 30–35 s, not the configured time
  const server = http.createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeout / 4))) }, (req, res) => handle(req, res, opts, replay));
  server.requestTimeout = timeout;
  server.headersTimeout = timeout;
  server.keepAliveTimeout = Math.min(5000, timeout);
  // an idle socket (nothing sent at all) is closed at the same time
  server.timeout = timeout;
  server.maxConnections = opts.maxConnections ?? WEBHOOK_DEFAULTS.maxConnections;
  server.on('drop', (d?: { remoteAddress?: string }) => opts.log.warn('webhook connection refused: too many connections', { peer: d?.remoteAddress ?? '?', maxConnections: server.maxConnections }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  opts.log.info('webhook receiver listening', { bind: a.address, port: a.port, path: opts.path });
  return {
    address: { host: a.address, port: a.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A time the signature covers, in ms: GitHub's push payload carries repository.pushed_at
 * (seconds); the generic sender may put "timestamp" (seconds) in its body. Null when none.
 */
function signedTime(body: Buffer, provider: WebhookProvider): number | null {
  try {
    const p = JSON.parse(body.toString('utf8')) as { repository?: { pushed_at?: unknown }; timestamp?: unknown };
    const t = provider === 'github' ? p.repository?.pushed_at : provider === 'generic' ? p.timestamp : undefined;
    return typeof t === 'number' && Number.isFinite(t) ? t * 1000 : null;
  } catch {
    return null;
  }
}

function reply(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify({ status, message }) + '\n');
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, opts: WebhookOptions, replay: ReplayGuard): void {
  const peer = req.socket.remoteAddress ?? '?';
  const refuse = (status: number, reason: string, extra: Record<string, string> = {}) => {
    opts.log.warn('webhook request refused', { status, reason, peer, method: req.method, path: req.url });
    reply(res, status, reason, extra);
  };
  const url = (req.url ?? '/').split('?')[0];
  if (url !== opts.path) return void (refuse(404, 'not found'), req.resume());
  if (req.method !== 'POST') return void (refuse(405, 'method not allowed', { allow: 'POST' }), req.resume());
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > opts.maxBodyBytes) {
    refuse(413, `body larger than ${opts.maxBodyBytes} bytes`, { connection: 'close' });
    res.on('finish', () => req.destroy());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > opts.maxBodyBytes) {
      tooLarge = true;
      refuse(413, `body larger than ${opts.maxBodyBytes} bytes`, { connection: 'close' });
      res.on('finish', () => req.destroy());
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return;
    const body = Buffer.concat(chunks);
    const auth = verifyWebhook(req.headers, body, opts.secret);
    if (!auth.ok) return refuse(401, auth.reason + (auth.provider ? ` (${auth.provider})` : ''));
    let push: PushInfo & { signedAt: number | null };
    try {
      push = { ...parsePush(req.headers, body), signedAt: signedTime(body, auth.provider) };
    } catch (err) {
      return refuse(400, `malformed JSON: ${(err as Error).message}`);
    }
    const now = (opts.now ?? Date.now)();
    const windowMs = opts.replayWindowMs ?? WEBHOOK_DEFAULTS.replayWindowMs;
    // a signed time older than the window: a replay the memory may no longer hold
    if (push.signedAt !== null && (now - push.signedAt > windowMs || push.signedAt - now > windowMs)) {
      return refuse(409, `request signed at ${new Date(push.signedAt).toISOString()}, outside the replay window`);
    }
    const delivery = headerValue(req, 'x-github-delivery') ?? headerValue(req, 'x-gitea-delivery') ?? headerValue(req, 'x-gitlab-event-uuid') ?? headerValue(req, 'x-vsgitops-delivery');
    const keys = [`body:${auth.provider}:${createHash('sha256').update(body).digest('hex')}`, ...(delivery ? [`delivery:${auth.provider}:${delivery.slice(0, 200)}`] : [])];
    if (replay.check(keys, now)) return refuse(409, 'replay: this request was already accepted');
    if (push.ping) return reply(res, 200, 'pong');
    if (!refMatches(push.ref, opts.ref)) {
      opts.log.debug('webhook push for another ref ignored', { ref: push.ref, provider: auth.provider });
      return reply(res, 200, `ignored: not ${opts.ref}`);
    }
    opts.log.info('webhook push received', { provider: auth.provider, ref: push.ref, after: push.after, peer });
    opts.onPush({ ...push, provider: auth.provider });
    reply(res, 202, 'accepted');
  });
  req.on('error', () => undefined);
}
