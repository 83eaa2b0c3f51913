import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
  method: string;
  /** path and query */
  url: string;
}

/**
 * A webhook receiver on 127.0.0.1. `respond` decides the status per request
 * (by 0-based index); 'hang' never answers.
 */
export async function startReceiver(respond: (index: number) => number | 'hang' | { status: number; headers: Record<string, string> } = () => 200) {
  const received: Received[] = [];
  /** requests whose headers arrived (counted before the body is read) */
  const counter = { requests: 0 };
  const server = http.createServer((req, res) => {
    counter.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), method: req.method ?? '', url: req.url ?? '' });
      const answer = respond(index);
      if (answer === 'hang') return;
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook/secret-path`,
    received,
    requests: () => counter.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind, note the port, close. */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
