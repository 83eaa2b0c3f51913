/** Command-line options shared by the commands that read manifests and act on a host. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import type { SourceSpec } from '../desired/load.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import type { HostTarget } from '../reconciler/pipeline.js';
import { refuseUrlCredentials } from './git-credentials.js';

export interface SourceOptions {
  repo?: string;
  ref?: string;
  path?: string;
}

export interface HostOptions {
  host: string;
  hostName?: string;
  hostLabel?: string[];
  stateDir?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addSourceOptions(cmd: Command): Command {
  return cmd
    .argument('[dir]', 'directory of manifests (instead of --repo)')
    .option('--repo <path-or-url>', 'git repository (local path or http(s) URL); manifests are read from the commit, not the working copy')
    .option('--ref <ref>', 'branch, tag or commit to read (default: HEAD)')
    .option('--path <subdir>', 'folder inside the repository that holds the manifests');
}

export function addHostOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--host <host>', 'host to act on: "local" or "sim:DIR" (a simulated host)').default('local'))
    .option('--host-name <name>', "this host's name, which selects the manifests placed on it (default: the machine's host name; DIR/etc/hostname for sim:DIR)")
    .option('--host-label <key=value>', "a label of this host, for manifests that select hosts by label (repeatable)", collect)
    .option('--state-dir <dir>', 'state directory (inventory, status, locks); default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR');
}

export function sourceFromOptions(dir: string | undefined, o: SourceOptions): SourceSpec {
  if (dir && o.repo) throw new VsError('USAGE', 'give either a directory or --repo, not both');
  if (o.repo) {
    refuseUrlCredentials(o.repo);
    return { kind: 'git', repo: o.repo, ref: o.ref, path: o.path };
  }
  if (o.ref || o.path) throw new VsError('USAGE', '--ref and --path go with --repo');
  if (!dir) throw new VsError('USAGE', 'no manifests given: name a directory or use --repo PATH_OR_URL');
  return { kind: 'dir', dir };
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

export function hostFromOptions(o: HostOptions): HostTarget {
  const paths = parseHostSpec(o.host, o.stateDir);
  let name = o.hostName;
  if (!name && paths.kind === 'sim') {
    try {
      name = fs.readFileSync(path.join(paths.root, 'etc/hostname'), 'utf8').split('\n')[0].trim() || undefined;
    } catch {
      throw new VsError('USAGE', `${paths.root} is not a simulated host (no etc/hostname); create one with "vsgitops sim init ${paths.root}"`);
    }
  }
  return { paths, name: name ?? os.hostname(), labels: parseLabels(o.hostLabel) };
}
