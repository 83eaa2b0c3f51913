/**
 * `vsgitops init [DIR]`: scaffolds a repository for vsgitops: a manifest
 * folder with an example guest, the fleet file and the drift ignore list, the
 * JSON Schemas they name in their `yaml-language-server` modelines (copied into
 * DIR/schemas/, so editors resolve them offline and at this version), and a CI
 * recipe (examples/ci). Existing files are never overwritten without --force.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { IGNORE_FILE } from '../desired/load.js';
import { FLEET_FILE } from '../desired/fleet.js';
import { EXIT } from './exit.js';
import { addHelpFooter } from './help.js';
import type { RegisterCommand } from './registry.js';
import { SCHEMA_NAMES, schemaFile } from './schema-files.js';

export interface InitOptions {
  path: string;
  hostName: string;
  ci: 'github' | 'gitlab' | 'none';
  force?: boolean;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The CI recipes shipped with the package (examples/ci, next to dist/). */
function ciRecipe(kind: 'github' | 'gitlab', manifests: string): { file: string; text: string } {
  const src = fileURLToPath(new URL(`../../../examples/ci/${kind === 'github' ? 'github-actions.yml' : 'gitlab-ci.yml'}`, import.meta.url));
  const text = fs.readFileSync(src, 'utf8').replace(/^(\s*)MANIFESTS: hosts$/m, `$1MANIFESTS: ${manifests}`);
  return { file: kind === 'github' ? '.github/workflows/vsgitops.yml' : '.gitlab-ci.yml', text };
}

/** The modeline for a YAML file at `from` (relative to the repository) whose schema is schemas/FILE. */
function modeline(from: string, schema: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), `schemas/${schema}`);
  return `# yaml-language-server: $schema=${rel}`;
}

/** Pure: the files init writes, repository-relative path -> content. */
export function scaffold(o: InitOptions, read: { schema: (file: string) => string; ci: typeof ciRecipe } = { schema: (f) => fs.readFileSync(schemaFile(nameOf(f)), 'utf8'), ci: ciRecipe }): Record<string, string> {
  const m = o.path.replace(/^\.\/+|\/+$/g, '');
  if (m === '' || m.startsWith('/') || m.split('/').includes('..')) throw new VsError('USAGE', `--path must be a folder inside the repository, got "${o.path}"`);
  if (!NAME.test(o.hostName)) throw new VsError('USAGE', `--host-name must be a lowercase name (a-z, 0-9, -), got "${o.hostName}"`);
  const guest = `${m}/example.yaml`;
  const fleet = `${m}/${FLEET_FILE}`;
  const ignore = `${m}/${IGNORE_FILE}`;
  const files: Record<string, string> = {
    [guest]: [
      modeline(guest, SCHEMA_NAMES.manifest!),
      '# One Linux-VServer guest per file (docs/manifest.md). Rename it, change it, commit it;',
      '# `vsgitops validate` checks it, `vsgitops plan` shows what the host would change.',
      'apiVersion: vsgitops.io/v1',
      'kind: VServer',
      'metadata:',
      '  name: example',
      '  labels: {role: example}',
      'spec:',
      '  context: 1001',
      `  hosts: {names: [${o.hostName}]}`,
      '  uts: {nodename: example.example.org}',
      '  state: stopped                # running once you are ready',
      '  build: {method: skeleton}',
      '  init: {style: plain}',
      '  interfaces:',
      '    - {device: eth0, address: 192.0.2.10/24}',
      '  limits: {nproc: 200, nofile: 4096}',
      '  memory: {limit: 512Mi}',
      '  policy: {deletion: retain, drift: enforce}',
      '',
    ].join('\n'),
    [fleet]: [
      modeline(fleet, SCHEMA_NAMES.fleet!),
      '# The hosts of the fleet, and the branch each environment follows (README: CI and promotion).',
      'apiVersion: vsgitops.io/v1',
      'kind: Fleet',
      'environments:',
      '  staging: {ref: staging}',
      '  prod: {ref: prod}',
      'hosts:',
      `  - name: ${o.hostName}`,
      '    environment: staging',
      '    labels: {}',
      `    # agent: {url: "http://${o.hostName}:9293"}   # for promote and fleet status`,
      '',
    ].join('\n'),
    [ignore]: [
      modeline(ignore, SCHEMA_NAMES.ignore!),
      '# Known, accepted drift (docs/observability.md#ignore-list). Every entry needs a reason and an expiry:',
      '#  - guest: "web*"',
      '#    kind: runtime',
      '#    fields: [limits.nproc]',
      '#    reason: vendor agent raises nproc at boot (TICKET-123)',
      '#    expires: 2027-12-31',
      'ignore: []',
      '',
    ].join('\n'),
  };
  for (const name of ['manifest', 'fleet', 'ignore'] as const) {
    const file = SCHEMA_NAMES[name]!;
    files[`schemas/${file}`] = read.schema(file);
  }
  if (o.ci !== 'none') {
    const ci = read.ci(o.ci, m);
    files[ci.file] = ci.text;
  }
  return files;
}

function nameOf(file: string): string {
  return Object.entries(SCHEMA_NAMES).find(([, f]) => f === file)![0];
}

/** Writes the scaffold into `dir`; refuses (writing nothing) when a file exists, unless `force`. */
export function writeScaffold(dir: string, files: Record<string, string>, force = false): string[] {
  const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length > 0 && !force) {
    throw new VsError('FILE_EXISTS', `${existing.map((f) => path.join(dir, f)).join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`, { files: existing });
  }
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return Object.keys(files);
}

export const registerInit: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('init')
    .description('scaffold a repository: manifest folder with an example guest, fleet file, ignore list, JSON Schemas for editors, CI recipe')
    .argument('[dir]', 'the repository folder (created if missing)', '.')
    .option('--path <subdir>', 'folder for the manifests, the fleet file and the ignore list', 'hosts')
    .option('--host-name <name>', "the host the example guest is placed on (default: this machine's host name)")
    .option('--ci <kind>', 'CI recipe: github, gitlab or none', 'github')
    .option('--force', 'overwrite files that exist');
  addHelpFooter(
    cmd,
    ['vsgitops init gitops-repo --host-name vs-fra1', 'vsgitops init . --ci gitlab --path manifests', 'vsgitops init && vsgitops validate hosts'],
    [
      [EXIT.OK, 'the files were written'],
      [EXIT.ERROR, 'a file exists (nothing written; --force overwrites), or the folder is not writable'],
    ],
  ).action((dir: string, o: { path: string; hostName?: string; ci: string; force?: boolean }) => {
    if (o.ci !== 'github' && o.ci !== 'gitlab' && o.ci !== 'none') throw new VsError('USAGE', `--ci must be github, gitlab or none, got "${o.ci}"`);
    const hostName = o.hostName ?? (os.hostname().toLowerCase().split('.')[0] || 'host1');
    const files = scaffold({ path: o.path, hostName, ci: o.ci, force: o.force });
    const written = writeScaffold(dir, files, o.force);
    process.stdout.write(
      written.map((f) => `wrote ${path.join(dir, f)}`).join('\n') +
        `\n\nnext: git init (if needed), edit ${path.join(dir, o.path, 'example.yaml')}, then\n  vsgitops validate ${path.join(dir, o.path)}\n  vsgitops plan --repo ${dir} --path ${o.path} --host local\n`,
    );
  });
};
