/**
 * Install like a tool: a clean clone of the committed tree, `npm pack` (prepack builds), the tarball
 * installed into a temporary prefix, then `vsgitops --version` and `validate` run from there.
 * Dependencies come from the npm cache (--prefer-offline), so the test runs without a network once
 * `npm ci` has filled it.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../helpers/e2e.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('npm pack from a clean clone installs a working vsgitops with only what runs', async (t) => {
  t.timeout(600_000);
  const dir = await tempDir('pack');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const clone = path.join(dir, 'clone');
  await execa('git', ['clone', '-q', repoRoot, clone]);
  const commit = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: clone })).stdout.trim();
  // the clone's dependencies: the checkout's installed ones (the build needs typescript)
  await fsp.symlink(await fsp.realpath(path.join(repoRoot, 'node_modules')), path.join(clone, 'node_modules'));
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', dir], { cwd: clone, env: { npm_config_loglevel: 'error' } });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  t.true(files.includes('dist/src/cli/main.js'));
  t.true(files.includes('dist/src/build-info.json'));
  t.true(files.includes('schemas/agent-config.schema.json'));
  t.true(files.includes('schemas/output/plan.schema.json'));
  t.true(files.includes('examples/ci/github-actions.yml'), 'init copies the CI recipes');
  t.deepEqual(files.filter((f) => /^(src|test|bench|dist\/test|dist\/bench)\/|\.ts$|\.map$/.test(f)), [], 'no sources, tests, benchmarks or source maps');

  const prefix = path.join(dir, 'prefix');
  const install = await execa('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, info.filename)], {
    reject: false,
    env: { npm_config_loglevel: 'error' },
  });
  t.is(install.exitCode, 0, install.stderr);
  const bin = path.join(prefix, 'bin/vsgitops');
  const version = await execa(bin, ['--version'], { cwd: dir });
  const pkg = JSON.parse(await fsp.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  t.is(version.stdout.trim(), `vsgitops ${pkg.version} (commit ${commit})`);
  const validate = await execa(bin, ['validate', path.join(clone, 'examples/desired-state'), '--output', 'json'], { cwd: dir, reject: false });
  t.is(validate.exitCode, 0, validate.stderr);
  t.like(JSON.parse(validate.stdout), { formatVersion: 1, ok: true });
  // init from the installed package: its schemas and CI recipe are found there
  const scaffold = path.join(dir, 'scaffold');
  const init = await execa(bin, ['init', scaffold, '--host-name', 'h1'], { cwd: dir, reject: false });
  t.is(init.exitCode, 0, init.stderr);
  t.is((await execa(bin, ['validate', path.join(scaffold, 'hosts')], { cwd: dir, reject: false })).exitCode, 0);
});
