/**
 * SSH signatures as git makes them with `gpg.format ssh` (`ssh-keygen -Y sign -n git`),
 * checked against an allowed-signers file in git's (and ssh-keygen's) format, with
 * node:crypto only. Formats: OpenSSH PROTOCOL.sshsig (armor, blob, signed data),
 * sshsig.c sshsig_wrap_verify (namespace and hash checks; RSA only with rsa-sha2-256/512)
 * and check_allowed_keys_line (namespaces=, valid-after=, valid-before=, cert-authority),
 * ssh-keygen(1) "ALLOWED SIGNERS".
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export interface AllowedSigner {
  principals: string;
  /** the public key blob (SSH wire format) */
  blob: Buffer;
  keyType: string;
  namespaces: string | null;
  validAfter: number | null;
  validBefore: number | null;
  /** "file:line", for messages */
  where: string;
}

export type SshVerdict =
  | { ok: true; signer: string }
  | { ok: false; reason: 'unknown key' | 'bad signature' | 'unsupported'; detail: string };

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-dss|[a-z0-9-]+-cert-v01@openssh\.com)$/;

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    if (this.pos + 4 > this.buf.length) throw new Error('truncated');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): Buffer {
    const n = this.u32();
    if (this.pos + n > this.buf.length) throw new Error('truncated');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  raw(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('truncated');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** SHA256:… as ssh-keygen -l prints it. */
export function sshFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

const b64url = (b: Buffer) => b.toString('base64url');
/** An SSH mpint without its sign byte. */
const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

/** A node KeyObject for an SSH public key blob (ed25519, RSA, ECDSA). */
export function sshPublicKey(blob: Buffer): { type: string; key: KeyObject } {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (type === 'ssh-ed25519') {
    const x = r.string();
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.string());
    const n = unsigned(r.string());
    return { type, key: createPublicKey({ key: { kty: 'RSA', e: b64url(e), n: b64url(n) }, format: 'jwk' }) };
  }
  const ec = /^ecdsa-sha2-nistp(256|384|521)$/.exec(type);
  if (ec) {
    r.string(); // curve name
    const q = r.string();
    const len = (q.length - 1) / 2;
    if (q[0] !== 4 || !Number.isInteger(len)) throw new Error('compressed EC points are not supported');
    return { type, key: createPublicKey({ key: { kty: 'EC', crv: `P-${ec[1]}`, x: b64url(q.subarray(1, 1 + len)), y: b64url(q.subarray(1 + len)) }, format: 'jwk' }) };
  }
  throw new Error(`unsupported key type ${type}`);
}

/** Parses an allowed-signers file (ssh-keygen(1) ALLOWED SIGNERS). Throws with file:line on a bad line. */
export function parseAllowedSigners(text: string, file: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const where = `${file}:${i + 1}`;
    let line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const token = (): string => {
      line = line.trimStart();
      let j = 0;
      let quoted = false;
      while (j < line.length && (quoted || !/[ \t]/.test(line[j]!))) {
        if (line[j] === '"') quoted = !quoted;
        j++;
      }
      const t = line.slice(0, j);
      line = line.slice(j);
      return t;
    };
    const principals = token().replace(/^"(.*)"$/, '$1');
    let next = token();
    let options = '';
    if (!KEY_TYPES.test(next)) {
      options = next;
      next = token();
    }
    const keyType = next;
    const b64 = token();
    if (!principals || !keyType || !b64) throw new Error(`${where}: expected "principals [options] keytype key"`);
    if (!KEY_TYPES.test(keyType)) throw new Error(`${where}: unknown key type "${keyType}"`);
    const blob = Buffer.from(b64, 'base64');
    let namespaces: string | null = null;
    let validAfter: number | null = null;
    let validBefore: number | null = null;
    let ca = false;
    for (const opt of splitOptions(options)) {
      const m = /^([a-z-]+)(?:="(.*)")?$/i.exec(opt) ?? /^([a-z-]+)=(.*)$/i.exec(opt);
      const name = m?.[1]?.toLowerCase();
      const value = m?.[2];
      if (name === 'cert-authority' && value === undefined) ca = true;
      else if (name === 'namespaces' && value !== undefined) namespaces = value;
      else if (name === 'valid-after' && value !== undefined) validAfter = parseSshTime(value, where);
      else if (name === 'valid-before' && value !== undefined) validBefore = parseSshTime(value, where);
      else throw new Error(`${where}: unknown option "${opt}"`);
    }
    // certificate signatures are not supported: a CA line can never match a plain key, as in sshsig.c
    if (ca) return;
    out.push({ principals, blob, keyType, namespaces, validAfter, validBefore, where });
  });
  return out;
}

function splitOptions(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** YYYYMMDD[HHMM[SS]] with an optional Z/UTC suffix (misc.c parse_absolute_time); seconds since the epoch. */
function parseSshTime(v: string, where: string): number {
  const utc = /(Z|UTC)$/i.test(v);
  const d = v.replace(/(Z|UTC)$/i, '');
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$/.exec(d);
  if (!m) throw new Error(`${where}: invalid time "${v}"`);
  const parts = [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)] as const;
  const ms = utc ? Date.UTC(...parts) : new Date(...parts).getTime();
  return Math.floor(ms / 1000);
}

/** Simple wildcard patterns with * and ?, comma-separated, "!" negates (match.c match_pattern_list). */
function matchPatternList(s: string, list: string): boolean {
  let matched = false;
  for (const raw of list.split(',')) {
    const neg = raw.startsWith('!');
    const pat = neg ? raw.slice(1) : raw;
    const re = new RegExp('^' + pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    if (re.test(s)) {
      if (neg) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * Verifies an armored SSH signature over `payload` for namespace "git" against the
 * allowed signers; `time` (the committer's) is checked against valid-after/valid-before.
 */
export function verifySshSignature(armored: string, payload: Buffer, signers: AllowedSigner[], time: number | null): SshVerdict {
  let blob: Buffer;
  let pub: Buffer;
  let ns: string;
  let hashAlg: string;
  let sig: Buffer;
  try {
    const m = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
    if (!m) throw new Error('no SSH SIGNATURE armor');
    blob = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
    const r = new Reader(blob);
    if (r.raw(6).toString('latin1') !== 'SSHSIG') throw new Error('bad magic');
    if (r.u32() !== 1) throw new Error('unsupported signature version');
    pub = r.string();
    ns = r.string().toString('utf8');
    r.string(); // reserved
    hashAlg = r.string().toString('latin1');
    sig = r.string();
    if (!r.done) throw new Error('trailing data');
  } catch (err) {
    return { ok: false, reason: 'bad signature', detail: `malformed SSH signature: ${(err as Error).message}` };
  }
  const fp = sshFingerprint(pub);
  const candidates = signers.filter((s) => s.blob.equals(pub));
  if (candidates.length === 0) return { ok: false, reason: 'unknown key', detail: `SSH key ${fp} is not in the allowed signers` };
  if (ns !== 'git') return { ok: false, reason: 'bad signature', detail: `SSH signature by ${fp} is for namespace "${ns}", not "git"` };
  if (hashAlg !== 'sha256' && hashAlg !== 'sha512') return { ok: false, reason: 'bad signature', detail: `SSH signature uses hash "${hashAlg}" (sha256 or sha512 expected)` };
  let key: { type: string; key: KeyObject };
  try {
    key = sshPublicKey(pub);
  } catch (err) {
    return { ok: false, reason: 'unsupported', detail: `SSH key ${fp}: ${(err as Error).message}` };
  }
  const signed = Buffer.concat([Buffer.from('SSHSIG'), sshString('git'), sshString(''), sshString(hashAlg), sshString(createHash(hashAlg).update(payload).digest())]);
  let good = false;
  try {
    const sr = new Reader(sig);
    const sigType = sr.string().toString('latin1');
    const sigBytes = sr.string();
    if (key.type === 'ssh-ed25519' && sigType === 'ssh-ed25519') good = cryptoVerify(null, signed, key.key, sigBytes);
    else if (key.type === 'ssh-rsa' && (sigType === 'rsa-sha2-512' || sigType === 'rsa-sha2-256')) good = cryptoVerify(sigType === 'rsa-sha2-512' ? 'sha512' : 'sha256', signed, key.key, sigBytes);
    else if (key.type.startsWith('ecdsa-sha2-') && sigType === key.type) {
      const bits = Number(key.type.slice(-3));
      const size = Math.ceil(bits / 8);
      const er = new Reader(sigBytes);
      const rr = unsigned(er.string());
      const ss = unsigned(er.string());
      const p1363 = Buffer.concat([Buffer.alloc(size - rr.length), rr, Buffer.alloc(size - ss.length), ss]);
      good = cryptoVerify(bits === 256 ? 'sha256' : bits === 384 ? 'sha384' : 'sha512', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, p1363);
    } else return { ok: false, reason: 'unsupported', detail: `SSH signature algorithm ${sigType} for a ${key.type} key is not accepted` };
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'bad signature', detail: `SSH signature by ${fp} does not match the signed content` };
  const problems: string[] = [];
  for (const s of candidates) {
    if (s.namespaces !== null && !matchPatternList('git', s.namespaces)) {
      problems.push(`${s.where}: key not allowed for namespace "git"`);
      continue;
    }
    if (time !== null && s.validAfter !== null && time < s.validAfter) {
      problems.push(`${s.where}: key not yet valid at the commit time`);
      continue;
    }
    if (time !== null && s.validBefore !== null && time > s.validBefore) {
      problems.push(`${s.where}: key expired before the commit time`);
      continue;
    }
    return { ok: true, signer: `ssh ${s.principals} ${fp}` };
  }
  return { ok: false, reason: 'unknown key', detail: `SSH key ${fp} is not allowed: ${problems.join('; ')}` };
}
