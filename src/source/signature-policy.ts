/**
 * Signed revisions: which parts of a repository must be signed, by which keys,
 * and the check of one revision against that policy.
 *
 * A policy is a list of rules, each a repository path ("" = the whole repository)
 * with OpenPGP key files and/or SSH allowed-signers files. Every file read from a
 * revision (and the manifest directory itself) is governed by the rule with the
 * longest path that contains it; a rule without keys exempts its subtree. The
 * revision is accepted when its signature — on the commit, or on the annotated tag
 * the ref names — is valid and made by a key of EVERY governing rule. The
 * signature covers the commit, hence the whole tree; commits before it are not checked.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { VsError } from '../errors.js';
import type { SignedObject } from './signed-object.js';
import type { SignaturePolicySpec, SignatureRuleSpec } from './signature-spec.js';
import { parseAllowedSigners, verifySshSignature, type AllowedSigner } from './verify-ssh.js';

export type { SignatureFlags, SignaturePolicySpec, SignatureRuleSpec } from './signature-spec.js';
export { policyFromFlags } from './signature-spec.js';

/** Key files are small; a larger one is refused, not read. */
export const MAX_KEY_FILE_BYTES = 4 * 1024 * 1024;

interface LoadedRule {
  path: string;
  openpgp: import('openpgp').PublicKey[];
  ssh: AllowedSigner[];
  files: string[];
}

export function normalizeRulePath(p: string): string {
  const segs = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new VsError('CONFIG', `signature rule path "${p}" must stay inside the repository`, { field: 'signatures.paths' });
  return segs.join('/');
}

type Obj = Record<string, unknown>;

function fileList(v: unknown, field: string, where: string, baseDir: string): string[] {
  const list = v === undefined ? [] : typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && f !== '')) {
    throw new VsError('CONFIG', `${where}: ${field} must be a file name or a list of file names`, { field });
  }
  return list.map((f) => path.resolve(baseDir, f as string));
}

/**
 * The policy as written in the agent configuration (`source.signatures`) or in a
 * `--signatures FILE`: openpgpKeys and allowedSigners (a file or a list) for the
 * whole repository, and `paths: [{path, openpgpKeys, allowedSigners}]` for parts of it.
 * File names are relative to `baseDir`.
 */
export function policyFromConfig(raw: unknown, baseDir: string, where: string): { rules: SignatureRuleSpec[] } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new VsError('CONFIG', `${where}: signatures must be a mapping`, { field: 'signatures' });
  const r = raw as Obj;
  for (const k of Object.keys(r)) if (!['openpgpKeys', 'allowedSigners', 'paths'].includes(k)) throw new VsError('CONFIG', `${where}: signatures.${k}: unknown field`, { field: `signatures.${k}` });
  const rules: SignatureRuleSpec[] = [];
  const top = { path: '', openpgpKeys: fileList(r.openpgpKeys, 'signatures.openpgpKeys', where, baseDir), allowedSigners: fileList(r.allowedSigners, 'signatures.allowedSigners', where, baseDir) };
  if (top.openpgpKeys.length + top.allowedSigners.length > 0) rules.push(top);
  const paths = r.paths ?? [];
  if (!Array.isArray(paths)) throw new VsError('CONFIG', `${where}: signatures.paths must be a list`, { field: 'signatures.paths' });
  for (const [i, p] of paths.entries()) {
    const f = `signatures.paths[${i}]`;
    if (!p || typeof p !== 'object' || typeof (p as Obj).path !== 'string') throw new VsError('CONFIG', `${where}: ${f} needs a path`, { field: f });
    for (const k of Object.keys(p as Obj)) if (!['path', 'openpgpKeys', 'allowedSigners'].includes(k)) throw new VsError('CONFIG', `${where}: ${f}.${k}: unknown field`, { field: `${f}.${k}` });
    const rule = { path: normalizeRulePath((p as Obj).path as string), openpgpKeys: fileList((p as Obj).openpgpKeys, `${f}.openpgpKeys`, where, baseDir), allowedSigners: fileList((p as Obj).allowedSigners, `${f}.allowedSigners`, where, baseDir) };
    if (rules.some((x) => x.path === rule.path)) throw new VsError('CONFIG', `${where}: ${f}: path "${rule.path || '.'}" is given twice`, { field: f });
    rules.push(rule);
  }
  if (!rules.some((x) => x.openpgpKeys.length + x.allowedSigners.length > 0)) {
    throw new VsError('CONFIG', `${where}: signatures names no keys: give openpgpKeys or allowedSigners`, { field: 'signatures' });
  }
  return { rules };
}

/** Reads a `--signatures FILE` (YAML, the same mapping as the agent's source.signatures). */
export async function readPolicyFile(file: string): Promise<{ rules: SignatureRuleSpec[] }> {
  const text = await readKeyFile(file);
  const { parse } = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new VsError('CONFIG', `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  return policyFromConfig(raw, path.dirname(path.resolve(file)), file);
}

const contains = (rulePath: string, p: string) => rulePath === '' || p === rulePath || p.startsWith(rulePath + '/');

async function readKeyFile(file: string): Promise<string> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (err) {
    throw new VsError('CONFIG', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  if (st.size > MAX_KEY_FILE_BYTES) throw new VsError('CONFIG', `key file ${file} is ${st.size} bytes, larger than the limit of ${MAX_KEY_FILE_BYTES}`, { file });
  return fs.readFile(file, 'utf8');
}

/** Reads and parses every key file of the policy. Errors: VsError CONFIG naming the file. */
export async function loadSignaturePolicy(spec: SignaturePolicySpec): Promise<LoadedRule[]> {
  const openpgp = await import('openpgp');
  const out: LoadedRule[] = [];
  const rules = 'file' in spec ? (await readPolicyFile(spec.file)).rules : spec.rules;
  for (const r of rules) {
    const rule: LoadedRule = { path: normalizeRulePath(r.path), openpgp: [], ssh: [], files: [...r.openpgpKeys, ...r.allowedSigners] };
    for (const f of r.openpgpKeys) {
      const text = await readKeyFile(f);
      try {
        const keys = await openpgp.readKeys({ armoredKeys: text });
        rule.openpgp.push(...keys.map((k) => k.toPublic()));
      } catch (err) {
        throw new VsError('CONFIG', `${f}: not an armored OpenPGP public key file: ${(err as Error).message}`, { file: f });
      }
    }
    for (const f of r.allowedSigners) {
      try {
        rule.ssh.push(...parseAllowedSigners(await readKeyFile(f), f));
      } catch (err) {
        if (err instanceof VsError) throw err;
        throw new VsError('CONFIG', `invalid allowed-signers file: ${(err as Error).message}`, { file: f });
      }
    }
    out.push(rule);
  }
  return out;
}

/** The rules that govern these repository paths (the most specific rule for each). */
export function governingRules<R extends { path: string }>(rules: R[], paths: string[]): R[] {
  const found = new Set<R>();
  for (const p of paths) {
    let best: R | undefined;
    for (const r of rules) if (contains(r.path, p) && (!best || r.path.length > best.path.length)) best = r;
    if (best) found.add(best);
  }
  return rules.filter((r) => found.has(r));
}

type Verdict = { ok: true; signer: string } | { ok: false; reason: 'unsigned' | 'unknown key' | 'bad signature' | 'unsupported'; detail: string };

async function verifyOpenPgp(armored: string, obj: SignedObject, keys: import('openpgp').PublicKey[]): Promise<Verdict> {
  const openpgp = await import('openpgp');
  let signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch (err) {
    return { ok: false, reason: 'bad signature', detail: `malformed OpenPGP signature: ${(err as Error).message}` };
  }
  const issuers = signature.getSigningKeyIDs().map((k) => k.toHex().toUpperCase());
  const known = keys.filter((k) => signature.getSigningKeyIDs().some((id) => k.getKeys(id).length > 0));
  if (known.length === 0) return { ok: false, reason: 'unknown key', detail: `OpenPGP key ${issuers.join(', ') || '(no issuer)'} is not in the keyring` };
  const message = await openpgp.createMessage({ binary: obj.payload });
  const res = await openpgp.verify({ message, signature, verificationKeys: known, format: 'binary', expectSigned: false });
  const errors: string[] = [];
  for (const s of res.signatures) {
    try {
      await s.verified;
      const key = known.find((k) => k.getKeys(s.keyID).length > 0)!;
      return { ok: true, signer: `openpgp ${key.getFingerprint().toUpperCase()}${key.getUserIDs()[0] ? ` (${key.getUserIDs()[0]})` : ''}` };
    } catch (err) {
      errors.push(`${s.keyID.toHex().toUpperCase()}: ${(err as Error).message}`);
    }
  }
  return { ok: false, reason: 'bad signature', detail: `OpenPGP signature does not verify: ${errors.join('; ')}` };
}

async function verifyAgainst(obj: SignedObject, rule: LoadedRule): Promise<Verdict> {
  if (obj.signature === null) return { ok: false, reason: 'unsigned', detail: `the ${obj.kind} is not signed` };
  if (obj.signature.includes('-----BEGIN SSH SIGNATURE-----')) {
    if (rule.ssh.length === 0) return { ok: false, reason: 'unknown key', detail: 'SSH signature, but no allowed signers are configured' };
    return verifySshSignature(obj.signature, obj.payload, rule.ssh, obj.time);
  }
  if (obj.signature.includes('-----BEGIN PGP SIGNATURE-----')) {
    if (rule.openpgp.length === 0) return { ok: false, reason: 'unknown key', detail: 'OpenPGP signature, but no OpenPGP keys are configured' };
    return verifyOpenPgp(obj.signature, obj, rule.openpgp);
  }
  return { ok: false, reason: 'unsupported', detail: 'signature of an unsupported kind (only OpenPGP and SSH)' };
}

export interface RevisionToCheck {
  commit: string;
  ref: string;
  /** the commit object, and the outermost annotated tag when the ref names one */
  objects: (SignedObject & { oid: string })[];
  /** repository paths read (files and the manifest directory) */
  paths: string[];
}

/**
 * Checks a revision; returns the accepted signers, or throws VsError REVISION_UNTRUSTED
 * naming the commit and why (unsigned, unknown key, bad signature).
 */
export async function checkRevision(rules: LoadedRule[], rev: RevisionToCheck): Promise<string[]> {
  const governing = governingRules(rules, rev.paths).filter((r) => r.openpgp.length > 0 || r.ssh.length > 0);
  const signers: string[] = [];
  for (const rule of governing) {
    const verdicts: (Verdict & { obj: SignedObject & { oid: string } })[] = [];
    for (const obj of rev.objects) verdicts.push({ ...(await verifyAgainst(obj, rule)), obj });
    const good = verdicts.find((v) => v.ok);
    if (good && good.ok) {
      signers.push(good.signer);
      continue;
    }
    const failed = verdicts.filter((v): v is Extract<Verdict, { ok: false }> & { obj: SignedObject & { oid: string } } => !v.ok);
    // the most telling reason: a bad signature over an unknown key over none at all
    const order = ['bad signature', 'unknown key', 'unsupported', 'unsigned'];
    failed.sort((a, b) => order.indexOf(a.reason) - order.indexOf(b.reason));
    const reason = failed[0]!.reason;
    const where = rule.path === '' ? 'the repository' : `path "${rule.path}"`;
    const details = failed.map((f) => `${f.obj.kind} ${f.obj.oid.slice(0, 12)}: ${f.detail}`).join('; ');
    throw new VsError(
      'REVISION_UNTRUSTED',
      `revision ${rev.commit} (${rev.ref}) is not trusted: ${reason} — ${details}; ${where} requires a signature by a key in ${rule.files.join(', ')}; nothing was planned or changed`,
      { commit: rev.commit, ref: rev.ref, reason, path: rule.path, keyFiles: rule.files },
    );
  }
  return signers;
}
