import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';

/**
 * A smart-HTTP git server for tests: `git http-backend` (CGI) behind a node
 * http server. Serves every repository under `root`.
 */
export async function startGitHttpServer(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      execa('git', ['http-backend'], {
        input: Buffer.concat(chunks),
        encoding: 'buffer',
        reject: false,
        env: {
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: '1',
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: decodeURIComponent(u.pathname),
          QUERY_STRING: u.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          CONTENT_LENGTH: String(Buffer.concat(chunks).length),
          REMOTE_ADDR: '127.0.0.1',
        },
      }).then((r) => {
        const out = Buffer.from(r.stdout as Uint8Array);
        const sep = out.indexOf('\r\n\r\n');
        const headerText = out.subarray(0, sep).toString();
        let status = 200;
        for (const line of headerText.split('\r\n')) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const k = line.slice(0, i).trim();
          const v = line.slice(i + 1).trim();
          if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
          else res.setHeader(k, v);
        }
        res.statusCode = status;
        res.end(out.subarray(sep + 4));
      }, (err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
