/**
 * Signed-revision policy as given (configuration or flags): plain data, cheap to
 * import (the CLI builds it at startup; keys are read when a source is read).
 */
import path from 'node:path';
import { VsError } from '../errors.js';

/** As configured: file names (absolute, or relative to where the policy was written). */
export interface SignatureRuleSpec {
  /** repository path the rule governs; "" for the whole repository */
  path: string;
  openpgpKeys: string[];
  allowedSigners: string[];
}

/** The rules, or a policy file (`--signatures FILE`) read when the source is read. */
export type SignaturePolicySpec = { rules: SignatureRuleSpec[] } | { file: string };

/** Signature options shared by the commands that read a repository. */
export interface SignatureFlags {
  signatures?: string;
  openpgpKeys?: string[];
  allowedSigners?: string[];
}

/** `--signatures FILE`, or `--openpgp-keys`/`--allowed-signers` for the whole repository; undefined when none is given. */
export function policyFromFlags(o: SignatureFlags, cwd = process.cwd()): SignaturePolicySpec | undefined {
  const pgp = o.openpgpKeys ?? [];
  const ssh = o.allowedSigners ?? [];
  if (o.signatures !== undefined && pgp.length + ssh.length > 0) throw new VsError('USAGE', 'give either --signatures FILE or --openpgp-keys/--allowed-signers, not both');
  if (o.signatures !== undefined) return { file: path.resolve(cwd, o.signatures) };
  if (pgp.length + ssh.length === 0) return undefined;
  return { rules: [{ path: '', openpgpKeys: pgp.map((f) => path.resolve(cwd, f)), allowedSigners: ssh.map((f) => path.resolve(cwd, f)) }] };
}

