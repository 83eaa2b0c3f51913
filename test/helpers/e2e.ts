/**
 * End-to-end helpers: real processes (the built CLI and the simulated host's
 * shims), real git repositories in temp dirs.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { silentLogger } from '../../src/log.js';
import { execaRunner } from '../../src/providers/command-runner.js';
import { simHostPaths } from '../../src/providers/vserver/host-paths.js';
import type { PipelineOptions } from '../../src/pipeline/pipeline.js';
import { simInit } from '../../src/sim/init.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js, from dist/test/helpers/ */
export const CLI = path.resolve(here, '../../src/cli/main.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], {
    reject: false,
    cwd: opts.cwd,
    env: { VSGITOPS_LOG_LEVEL: 'warn', ...opts.env },
    stdin: 'ignore',
    timeout: 120_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const madeDirs: string[] = [];
process.on('exit', () => {
  // also ends the simulated guest inits started there (they stop when their host directory goes)
  for (const d of madeDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `vsgitops-${prefix}-`));
  madeDirs.push(dir);
  return dir;
}

/** A git repository whose commits replace the content of `manifests/`. */
export class TestRepo {
  constructor(readonly dir: string) {}

  static async create(parent: string): Promise<TestRepo> {
    const dir = path.join(parent, 'repo');
    await fsp.mkdir(dir, { recursive: true });
    await git(dir, ['init', '-q', '-b', 'main']);
    return new TestRepo(dir);
  }

  /** Writes exactly these files under manifests/ (others removed) and commits. Returns the commit id. */
  async commit(files: Record<string, string>, message = 'update'): Promise<string> {
    const m = path.join(this.dir, 'manifests');
    await fsp.rm(m, { recursive: true, force: true });
    await fsp.mkdir(m, { recursive: true });
    await fsp.writeFile(path.join(m, '.keep'), '');
    for (const [name, content] of Object.entries(files)) await fsp.writeFile(path.join(m, name), content);
    await git(this.dir, ['add', '-A']);
    await git(this.dir, ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '--allow-empty', '-m', message]);
    return (await git(this.dir, ['rev-parse', 'HEAD'])).trim();
  }
}

async function git(cwd: string, args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd });
  return r.stdout;
}

export interface GuestOpts {
  name: string;
  context: number;
  host?: string;
  state?: 'running' | 'stopped';
  nproc?: number;
  address?: string;
  deletion?: 'retain' | 'delete';
  drift?: 'enforce' | 'warn';
  flags?: string[];
}

/** A VServer manifest in the project's format. */
export function manifest(g: GuestOpts): string {
  const lines = [
    'apiVersion: vsgitops.io/v1',
    'kind: VServer',
    'metadata:',
    `  name: ${g.name}`,
    'spec:',
    `  context: ${g.context}`,
    `  hosts: {names: [${g.host ?? 'host-a'}]}`,
    `  uts: {nodename: ${g.name}.example.org}`,
    `  state: ${g.state ?? 'running'}`,
    '  build: {method: skeleton}',
    '  init: {style: plain}',
    `  interfaces: [{device: eth0, address: ${g.address ?? `192.0.2.${g.context % 250}/24`}}]`,
    `  limits: {nproc: ${g.nproc ?? 200}, nofile: 4096}`,
  ];
  if (g.flags) lines.push(`  flags: [${g.flags.join(', ')}]`);
  lines.push(`  policy: {deletion: ${g.deletion ?? 'retain'}, drift: ${g.drift ?? 'enforce'}}`);
  return lines.join('\n') + '\n';
}

export async function readText(p: string): Promise<string> {
  return fsp.readFile(p, 'utf8');
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * A simulated host named host-a and an empty manifest directory, with the
 * pipeline options to plan and apply in-process (commands still run through
 * the host's real shims).
 */
export async function inProcessHost(prefix: string): Promise<{ dir: string; sim: string; manifests: string; opts: PipelineOptions }> {
  const dir = await tempDir(prefix);
  const sim = path.join(dir, 'host');
  simInit(sim, { name: 'host-a' });
  const manifests = path.join(dir, 'm');
  await fsp.mkdir(manifests);
  const opts: PipelineOptions = {
    source: { kind: 'dir', dir: manifests },
    host: { paths: simHostPaths(sim), name: 'host-a', labels: {} },
    runner: execaRunner(),
    log: silentLogger(),
  };
  return { dir, sim, manifests, opts };
}

/** A simulated host named `hostName` beside an empty git repository, and the source flags that plan it (manifests/ of the repo). */
export async function simHostWithRepo(prefix: string, hostName = 'host-a'): Promise<{ dir: string; repo: TestRepo; sim: string; src: string[] }> {
  const dir = await tempDir(prefix);
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', hostName]);
  if (init.exitCode !== 0) throw new Error(`sim init failed: ${init.stderr}`);
  return { dir, repo, sim, src: ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`] };
}
