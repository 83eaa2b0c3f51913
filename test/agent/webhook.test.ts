import test from 'ava';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { startWebhookServer } from '../../src/agent/webhook.js';
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

async function server(t: { teardown: (f: () => Promise<void>) => void }) {
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
