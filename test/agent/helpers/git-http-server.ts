import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';

export interface GitHttpServer {
  /** base URL; a repository DIR under the project root is served at `${url}/DIR` */
  url: string;
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/**
 * Serves bare repositories under `projectRoot` over smart HTTP on 127.0.0.1,
 * by running git's own `git http-backend` as a CGI program per request.
 * Optional basic auth exercises the client's credential handling.
 */
export async function startGitHttpServer(projectRoot: string, auth?: { username: string; password: string }): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const log = (status: number) => requests.push({ method: req.method ?? '', path: u.pathname, status });
    if (auth) {
      const want = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      if (req.headers.authorization !== want) {
        log(401);
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
        return void res.end();
      }
    }
    const env: Record<string, string> = {
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(Buffer.concat(chunks).length),
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
    };
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
    const r = await execa('git', ['http-backend'], { env, input: Buffer.concat(chunks), encoding: 'buffer', reject: false, extendEnv: true });
    const out = Buffer.from(r.stdout as Uint8Array);
    let split = out.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (split < 0) {
      split = out.indexOf('\n\n');
      sepLen = 2;
    }
    const head = out.subarray(0, Math.max(0, split)).toString('latin1');
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    log(status);
    res.writeHead(status, headers);
    res.end(split < 0 ? out : out.subarray(split + sepLen));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
