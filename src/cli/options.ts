/** Command-line options shared by the commands that read manifests and act on a host. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import type { SourceSpec } from '../desired/load.js';
import { policyFromFlags, type SignatureFlags } from '../source/signature-spec.js';
import { parseHostSpec, type HostPaths } from '../providers/vserver/host-paths.js';
import { resolveHostIdentity } from '../host/identity.js';
import type { HostTarget } from '../pipeline/pipeline.js';
import { refuseUrlCredentials } from './git-credentials.js';

export interface SourceOptions extends SignatureFlags {
  repo?: string;
  ref?: string;
  path?: string;
}

export interface HostOptions {
  host: string;
  hostName?: string;
  hostLabel?: string[];
  stateDir?: string;
  hostIdentityChange?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addSourceOptions(cmd: Command): Command {
  const c = cmd
    .argument('[dir]', 'directory of manifests (instead of --repo)')
    .option('--repo <path-or-url>', 'git repository (local path or http(s) URL); manifests are read from the commit, not the working copy')
    .option('--ref <ref>', "branch, tag or commit to read (default: the repository's HEAD)")
    .option('--path <subdir>', 'folder inside the repository that holds the manifests');
  return addSignatureOptions(c);
}

/** --signatures, --openpgp-keys, --allowed-signers: require a signed revision (README: Signed revisions). */
export function addSignatureOptions(cmd: Command): Command {
  return cmd
    .option('--signatures <file>', 'require a signed revision: policy file (YAML: openpgpKeys, allowedSigners, paths)')
    .option('--openpgp-keys <file>', 'require a revision signed by one of these armored OpenPGP public keys (repeatable)', collect)
    .option('--allowed-signers <file>', "require a revision signed by an SSH key in this allowed-signers file, git's format (repeatable)", collect);
}

export function addHostOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--host <host>', 'host to act on: "local" or "sim:DIR" (a simulated host)').default('local'))
    .option('--host-name <name>', "this host's name, which selects the manifests placed on it (default: the machine's host name; DIR/etc/hostname for sim:DIR)")
    .option('--host-label <key=value>', "a label of this host, for manifests that select hosts by label (repeatable)", collect)
    .option('--state-dir <dir>', 'state directory (inventory, status, locks, host.yaml); default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR')
    .option('--host-identity-change', "accept a --host-name/--host-label that differs from the host file (STATE_DIR/host.yaml); an apply stores it, and guests that then leave by placement are deleted by their own policy");
}

export function sourceFromOptions(dir: string | undefined, o: SourceOptions): SourceSpec {
  if (dir && o.repo) throw new VsError('USAGE', 'give either a directory or --repo, not both');
  const signatures = policyFromFlags(o);
  const signed = signatures ? { signatures } : {};
  if (o.repo) {
    refuseUrlCredentials(o.repo);
    return { kind: 'git', repo: o.repo, ref: o.ref, path: o.path, ...signed };
  }
  if (o.ref || o.path) throw new VsError('USAGE', '--ref and --path go with --repo');
  if (!dir) throw new VsError('USAGE', 'no manifests given: name a directory or use --repo PATH_OR_URL');
  return { kind: 'dir', dir, ...signed };
}

export function parseLabels(items: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new VsError('USAGE', `--host-label must be key=value, got "${item}"`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

/** The name a host has when neither a flag nor the host file says: a simulated host's etc/hostname, else the machine's. */
export function defaultHostName(paths: HostPaths): string {
  if (paths.kind !== 'sim') return os.hostname();
  try {
    return fs.readFileSync(path.join(paths.root, 'etc/hostname'), 'utf8').split('\n')[0]!.trim() || os.hostname();
  } catch {
    throw new VsError('USAGE', `${paths.root} is not a simulated host (no etc/hostname); create one with "vsgitops sim init ${paths.root}"`);
  }
}

/**
 * The host a command acts on, with its identity from the host file
 * (STATE_DIR/host.yaml); flags that differ are refused without
 * --host-identity-change. `apply`: the command applies, so it stores the
 * identity when there is no host file yet or it changes.
 */
export function hostFromOptions(o: HostOptions, use: { apply?: boolean } = {}): HostTarget {
  const paths = parseHostSpec(o.host, o.stateDir);
  const labels = o.hostLabel && o.hostLabel.length > 0 ? parseLabels(o.hostLabel) : undefined;
  const id = resolveHostIdentity({
    stateDir: paths.stateDir,
    given: { ...(o.hostName !== undefined ? { name: o.hostName } : {}), ...(labels ? { labels } : {}) },
    defaultName: o.hostName ?? defaultHostName(paths),
    allowChange: o.hostIdentityChange === true,
  });
  return {
    paths,
    name: id.name,
    labels: id.labels,
    ...(id.changed ? { identityChange: true } : {}),
    ...(use.apply && (!id.stored || id.changed) ? { persistIdentity: true } : {}),
  };
}
