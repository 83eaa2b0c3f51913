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
}

export interface WebhookServer {
  /** the bound address (port resolved when 0 was asked) */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Push receiver. Answers 202 to an accepted push, 200 to a ping or a push of
 * another branch; refuses with 401 (signature), 400 (malformed JSON),
 * 405 (method), 404 (path), 413 (body too large). Refusals are logged
 * with the peer address and the reason, never with the secret or signature.
 */
export async function startWebhookServer(opts: WebhookOptions): Promise<WebhookServer> {
  const server = http.createServer((req, res) => handle(req, res, opts));
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
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

function reply(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify({ status, message }) + '\n');
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, opts: WebhookOptions): void {
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
    let push: PushInfo;
    try {
      push = parsePush(req.headers, body);
    } catch (err) {
      return refuse(400, `malformed JSON: ${(err as Error).message}`);
    }
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
