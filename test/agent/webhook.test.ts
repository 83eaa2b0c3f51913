import test from 'ava';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import net from 'node:net';
import { ReplayGuard, startWebhookServer } from '../../src/agent/webhook.js';
import { parsePush, refMatches, verifyWebhook, type Headers, type WebhookProvider } from '../../src/agent/webhook-verify.js';

const SECRET = 's3cr3t-value';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' }));
const mac = (secret: string, b: Buffer) => createHmac('sha256', secret).update(b).digest('hex');

const cases: [string, Headers, boolean, WebhookProvider | null][] = [
  ['github valid', { 'x-hub-signature-256': `sha256=${mac(SECRET, body)}` }, true, 'github'],
  ['github wrong secret', { 'x-hub-signature-256': `sha256=${mac('other', body)}` }, false, 'github'],
  ['github missing prefix', { 'x-hub-signature-256': mac(SECRET, body) }, false, 'github'],
  ['github uppercase hex', { 'x-hub-signature-256': `sha256=${mac(SECRET, body).toUpperCase()}` }, true, 'github'],
  ['gitea valid', { 'x-gitea-signature': mac(SECRET, body) }, true, 'gitea'],
  ['gitea valid with github header too', { 'x-gitea-signature': mac(SECRET, body), 'x-hub-signature-256': 'sha256=00' }, true, 'gitea'],
  ['gitea tampered', { 'x-gitea-signature': mac(SECRET, Buffer.from('x')) }, false, 'gitea'],
  ['gitea truncated', { 'x-gitea-signature': mac(SECRET, body).slice(0, 40) }, false, 'gitea'],
  ['gitlab valid', { 'x-gitlab-token': SECRET }, true, 'gitlab'],
  ['gitlab wrong', { 'x-gitlab-token': SECRET + 'x' }, false, 'gitlab'],
  ['generic valid', { 'x-vsgitops-signature': `sha256=${mac(SECRET, body)}` }, true, 'generic'],
  ['generic wrong', { 'x-vsgitops-signature': `sha256=${mac(SECRET, Buffer.from('{}'))}` }, false, 'generic'],
  ['no signature', {}, false, null],
];
for (const [name, headers, ok, provider] of cases) {
  test(`verifyWebhook: ${name}`, (t) => {
    const r = verifyWebhook(headers, body, SECRET);
    t.is(r.ok, ok);
    t.is(r.provider, provider);
  });
}

test('parsePush reads ref and after; ping events are flagged', (t) => {
  t.deepEqual(parsePush({}, body), { ref: 'refs/heads/main', after: 'abc123', ping: false });
  t.true(parsePush({ 'x-github-event': 'ping' }, Buffer.from('{"zen":"x"}')).ping);
  t.deepEqual(parsePush({}, Buffer.from('')), { ref: null, after: null, ping: false });
  t.throws(() => parsePush({}, Buffer.from('{bad')), { instanceOf: SyntaxError });
  t.throws(() => parsePush({}, Buffer.from('[1]')), { instanceOf: SyntaxError });
});

test('refMatches', (t) => {
  t.true(refMatches('refs/heads/main', 'main'));
  t.false(refMatches('refs/heads/dev', 'main'));
  t.true(refMatches(null, 'main'));
  t.true(refMatches('refs/heads/main', 'refs/heads/main'));
});

async function server(t: { teardown: (f: () => Promise<void>) => void }, extra: Partial<Parameters<typeof startWebhookServer>[0]> = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const pushes: unknown[] = [];
  const s = await startWebhookServer({
    bind: '127.0.0.1',
    port: 0,
    path: '/hooks/git',
    secret: SECRET,
    maxBodyBytes: 1024,
    ref: 'main',
    log: createLogger({ json: true, stream, level: 'debug' }),
    onPush: (p) => pushes.push(p),
    ...extra,
  });
  t.teardown(() => s.close());
  const url = `http://127.0.0.1:${s.address.port}/hooks/git`;
  return { url, pushes, lines, port: s.address.port };
}

test('server: status codes for each kind of request', async (t) => {
  const { url, pushes, lines, port } = await server(t);
  const post = (b: Buffer | string, headers: Record<string, string>) => fetch(url, { method: 'POST', body: new Uint8Array(Buffer.from(b)), headers });
  const good = { 'x-hub-signature-256': `sha256=${mac(SECRET, body)}`, 'content-type': 'application/json' };

  t.is((await post(body, good)).status, 202);
  t.is(pushes.length, 1);
  t.like(pushes[0], { provider: 'github', ref: 'refs/heads/main', after: 'abc123' });

  t.is((await post(body, { 'x-hub-signature-256': `sha256=${mac('wrong', body)}` })).status, 401);
  t.is((await post(body, {})).status, 401);
  const bad = Buffer.from('{not json');
  t.is((await post(bad, { 'x-gitea-signature': mac(SECRET, bad) })).status, 400);
  t.is((await fetch(url)).status, 405);
  t.is((await fetch(`http://127.0.0.1:${port}/other`, { method: 'POST', body: new Uint8Array(body) })).status, 404);
  const big = Buffer.alloc(2048, 'a');
  t.is((await post(big, { 'x-gitea-signature': mac(SECRET, big) })).status, 413);
  const other = Buffer.from(JSON.stringify({ ref: 'refs/heads/dev' }));
  t.is((await post(other, { 'x-gitlab-token': SECRET })).status, 200);
  t.is(pushes.length, 1, 'only the valid push to the followed branch triggered');

  const refusals = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'webhook request refused');
  t.deepEqual(refusals.map((r) => r.status), [401, 401, 400, 405, 404, 413]);
  t.false(lines.join('').includes(SECRET), 'the secret never reaches the log');
  t.false(lines.join('').includes(mac(SECRET, body)), 'nor does a valid signature');
});

test('server: a body larger than the limit without content-length (chunked) is refused with 413', async (t) => {
  const { url, pushes } = await server(t);
  const big = Buffer.alloc(4096, 'b');
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(big.subarray(0, 2048));
      c.enqueue(big.subarray(2048));
      c.close();
    },
  });
  const res = await fetch(url, { method: 'POST', body: stream, duplex: 'half', headers: { 'x-gitea-signature': mac(SECRET, big) } } as RequestInit);
  t.is(res.status, 413);
  t.is(pushes.length, 0);
});

test('server: a replayed signed request is refused, whatever its delivery header says', async (t) => {
  const { url, pushes, lines } = await server(t);
  const sig = { 'x-hub-signature-256': `sha256=${mac(SECRET, body)}` };
  const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', body: new Uint8Array(body), headers });
  t.is((await post({ ...sig, 'x-github-delivery': 'd-1' })).status, 202);
  t.is((await post({ ...sig, 'x-github-delivery': 'd-1' })).status, 409);
  t.is((await post({ ...sig, 'x-github-delivery': 'd-2' })).status, 409, 'a new delivery id does not make the same signed body new');
  t.is((await post(sig)).status, 409);
  // a new push (another body) with a reused delivery id is refused too
  const b2 = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'def456' }));
  const r2 = await fetch(url, { method: 'POST', body: new Uint8Array(b2), headers: { 'x-hub-signature-256': `sha256=${mac(SECRET, b2)}`, 'x-github-delivery': 'd-1' } });
  t.is(r2.status, 409);
  t.is(pushes.length, 1);
  t.true(lines.some((l) => /replay/.test(l)));
});

test('server: a signed time outside the replay window is refused', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const { url, pushes } = await server(t, { replayWindowMs: 60_000, now: () => now });
  const send = (pushedAt: number) => {
    const b = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: `c${pushedAt}`, repository: { pushed_at: pushedAt } }));
    return fetch(url, { method: 'POST', body: new Uint8Array(b), headers: { 'x-hub-signature-256': `sha256=${mac(SECRET, b)}` } });
  };
  t.is((await send(now / 1000 - 3600)).status, 409);
  t.is((await send(now / 1000 - 30)).status, 202);
  t.is(pushes.length, 1);
});

test('replay memory is bounded and forgets entries older than the window', (t) => {
  const g = new ReplayGuard(1000, 3);
  t.false(g.check(['a'], 0));
  t.true(g.check(['a'], 500));
  t.false(g.check(['a'], 1600), 'forgotten after the window');
  for (const k of ['b', 'c', 'd', 'e']) g.check([k], 1700);
  t.is(g.size, 3);
  t.false(g.check(['a'], 1700), 'the oldest entry was dropped to stay within the bound');
});

/** Opens a raw connection that sends a request line and then one header byte every 200 ms; resolves with how long until the server closed it. */
function slowloris(port: number, maxMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const sock = net.connect(port, '127.0.0.1', () => sock.write('POST /hooks/git HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    const timer = setInterval(() => sock.writable && sock.write('a'), 200);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      sock.destroy();
      reject(new Error(`still open after ${maxMs} ms`));
    }, maxMs);
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve(Date.now() - started);
    });
    sock.resume();
  });
}

test('server: a slowloris connection is closed near the configured request timeout (not 30-35 s)', async (t) => {
  const { port } = await server(t, { requestTimeoutMs: 1500 });
  const ms = await slowloris(port, 20_000);
  t.log(`closed after ${ms} ms (configured 1500 ms)`);
  t.true(ms >= 1400, `${ms} ms`);
  // the check runs every quarter of the timeout (at most 1 s): generous for a loaded machine
  t.true(ms < 8000, `${ms} ms`);
});

test('server: connections beyond the limit are refused; the others still work', async (t) => {
  const { port, url, pushes } = await server(t, { maxConnections: 3 });
  const open: net.Socket[] = [];
  t.teardown(() => open.forEach((s) => s.destroy()));
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    open.push(s);
  }
  await new Promise((r) => setTimeout(r, 100));
  const extra = net.connect(port, '127.0.0.1');
  extra.on('error', () => undefined);
  const closed = await new Promise<boolean>((resolve) => {
    extra.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 3000);
    extra.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  t.true(closed, 'the connection over the limit is closed at once');
  open.forEach((s) => s.destroy());
  await new Promise((r) => setTimeout(r, 200));
  const b = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'zzz' }));
  t.is((await fetch(url, { method: 'POST', body: new Uint8Array(b), headers: { 'x-hub-signature-256': `sha256=${mac(SECRET, b)}` } })).status, 202);
  t.is(pushes.length, 1);
});
