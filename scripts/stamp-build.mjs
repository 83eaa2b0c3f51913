#!/usr/bin/env node
// Writes dist/src/build-info.json: the package version and the git commit being built.
// The commit comes from VSGITOPS_COMMIT when set (builds from a tarball), else from git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const git = (args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
let commit = process.env.VSGITOPS_COMMIT || 'unknown';
if (!process.env.VSGITOPS_COMMIT) {
  try {
    commit = git(['rev-parse', '--short=12', 'HEAD']);
    if (git(['status', '--porcelain', '--untracked-files=no']) !== '') commit += '-dirty';
  } catch {
    // not a git checkout
  }
}
mkdirSync(path.join(root, 'dist/src'), { recursive: true });
writeFileSync(path.join(root, 'dist/src/build-info.json'), JSON.stringify({ version, commit }) + '\n');
console.error(`stamped vsgitops ${version} (commit ${commit})`);
