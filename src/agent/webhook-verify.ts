import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Pure webhook authentication: which provider sent a request and whether its
 * signature matches the shared secret. All comparisons are constant-time.
 */
export type WebhookProvider = 'github' | 'gitea' | 'gitlab' | 'generic';

export type Headers = Record<string, string | string[] | undefined>;

export type VerifyOutcome =
  | { ok: true; provider: WebhookProvider }
  | { ok: false; provider: WebhookProvider | null; reason: string };

function header(h: Headers, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time string equality (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab); // keep the timing similar
    return false;
  }
  return timingSafeEqual(ab, bb);
}

function checkHex(got: string, secret: string, body: Buffer): boolean {
  return /^[0-9a-f]{64}$/i.test(got) && safeEqual(got.toLowerCase(), hmacHex(secret, body));
}

/**
 * Authenticates a push request:
 *  - GitHub:  X-Hub-Signature-256: sha256=<hex HMAC of the raw body>
 *  - Gitea:   X-Gitea-Signature: <hex HMAC>
 *  - GitLab:  X-Gitlab-Token: <the secret itself>
 *  - generic: X-Vsgitops-Signature: sha256=<hex HMAC>
 */
export function verifyWebhook(headers: Headers, body: Buffer, secret: string): VerifyOutcome {
  const gh = header(headers, 'x-hub-signature-256');
  const gitea = header(headers, 'x-gitea-signature');
  const gitlab = header(headers, 'x-gitlab-token');
  const generic = header(headers, 'x-vsgitops-signature');
  // Gitea also sends X-Hub-Signature-256; prefer its own header when present
  if (gitea !== undefined) return checkHex(gitea.trim(), secret, body) ? { ok: true, provider: 'gitea' } : { ok: false, provider: 'gitea', reason: 'bad signature' };
  if (gh !== undefined) return prefixed(gh, secret, body, 'github');
  if (generic !== undefined) return prefixed(generic, secret, body, 'generic');
  if (gitlab !== undefined) return safeEqual(gitlab, secret) ? { ok: true, provider: 'gitlab' } : { ok: false, provider: 'gitlab', reason: 'bad token' };
  return { ok: false, provider: null, reason: 'missing signature' };
}

function prefixed(value: string, secret: string, body: Buffer, provider: WebhookProvider): VerifyOutcome {
  const v = value.trim();
  if (!v.startsWith('sha256=')) return { ok: false, provider, reason: 'signature must be sha256=<hex>' };
  return checkHex(v.slice(7), secret, body) ? { ok: true, provider } : { ok: false, provider, reason: 'bad signature' };
}

export interface PushInfo {
  /** full ref name from the payload (refs/heads/main), if it names one */
  ref: string | null;
  /** commit the push moved the ref to, if named */
  after: string | null;
  /** GitHub/Gitea ping, GitLab test events: authenticated but not a push */
  ping: boolean;
}

/** Reads the few fields we use from a push payload of any supported provider. Throws SyntaxError on malformed JSON. */
export function parsePush(headers: Headers, body: Buffer): PushInfo {
  const text = body.toString('utf8');
  const payload = (text.trim() === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new SyntaxError('payload must be a JSON object');
  const event = header(headers, 'x-github-event') ?? header(headers, 'x-gitea-event') ?? header(headers, 'x-gitlab-event') ?? '';
  const ref = typeof payload.ref === 'string' ? payload.ref : null;
  const after = typeof payload.after === 'string' ? payload.after : typeof payload.checkout_sha === 'string' ? payload.checkout_sha : null;
  return { ref, after, ping: event === 'ping' };
}

/** Whether a pushed ref concerns the branch we follow (a bare branch name or full ref). */
export function refMatches(pushed: string | null, followed: string): boolean {
  if (pushed === null) return true;
  const full = followed.startsWith('refs/') ? followed : `refs/heads/${followed}`;
  return pushed === full || pushed === followed;
}
