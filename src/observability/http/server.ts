import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { VsError } from '../../errors.js';

export interface HttpEndpointOptions {
  /** bind address, e.g. 127.0.0.1 or :: (the agent's default config keeps the server off) */
  host: string;
  /** 0 picks a free port (tests) */
  port: number;
  registry: Registry;
  /** finish time (ISO) of the last successful pass, or null */
  lastSuccess: () => string | null;
  /** /readyz is 200 while the last success is at most this old */
  readyWindowMs: number;
  /** injected clock (ms since epoch) */
  now?: () => number;
  /** GET /status: the status file's JSON text (undefined before the first pass) */
  status?: () => Promise<string | undefined>;
  /** GET /observed: the latest observation snapshot's JSON text (undefined before the first pass) */
  observation?: () => Promise<string | undefined>;
  /** when set, /status and /observed require `Authorization: Bearer <token>` */
  token?: string;
}

export interface HttpEndpoints {
  /** the address actually bound */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Compares a bearer token in constant time (over digests, so lengths do not leak either). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * /healthz (200 while the process lives), /readyz (200 when a pass succeeded
 * within the window, else 503), /metrics (Prometheus text), /status (the status
 * file) and /observed (the latest observation snapshot), the last two behind an
 * optional bearer token. GET/HEAD only.
 */
export async function startHttpEndpoints(opts: HttpEndpointOptions): Promise<HttpEndpoints> {
  const now = opts.now ?? Date.now;
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${(err as Error).message}\n`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (url.pathname) {
      case '/healthz':
        return text(200, 'ok\n');
      case '/readyz': {
        const last = opts.lastSuccess();
        const age = last ? now() - Date.parse(last) : Infinity;
        if (age <= opts.readyWindowMs) return text(200, `ok: last successful pass ${last}\n`);
        return text(503, last ? `not ready: last successful pass ${last} is older than ${opts.readyWindowMs} ms\n` : 'not ready: no successful pass yet\n');
      }
      case '/metrics':
        return text(200, await opts.registry.metrics(), opts.registry.contentType);
      case '/status':
      case '/observed': {
        const read = url.pathname === '/status' ? opts.status : opts.observation;
        if (!read) return text(404, 'not found\n');
        if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
          res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="vsgitops"', 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : 'unauthorized\n');
          return;
        }
        const body = await read();
        if (body === undefined) return text(503, `no ${url.pathname === '/status' ? 'status' : 'observation'} yet: the agent has not finished a pass\n`);
        return text(200, body, 'application/json');
      }
      default:
        return text(404, 'not found\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new VsError('CONFIG', `cannot listen on ${opts.host}:${opts.port}: ${err.message}`)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    address: { host: addr.address, port: addr.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
