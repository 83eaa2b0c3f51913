/** `make deb`: the Debian package's contents (skipped, saying so, where dpkg-deb or fakeroot is missing). */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../helpers/e2e.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const has = async (tool: string) => (await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], { reject: false })).exitCode === 0;

test('make deb: /usr/bin/vsgitops as the unit expects, the unit, a default config (conffile), man page, completions', async (t) => {
  t.timeout(600_000);
  const missing = [];
  for (const tool of ['dpkg-deb', 'fakeroot']) if (!(await has(tool))) missing.push(tool);
  if (missing.length > 0) {
    t.log(`skipped: ${missing.join(' and ')} not installed here (the Debian package needs them)`);
    t.pass();
    return;
  }
  const dir = await tempDir('deb');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const deb = path.join(dir, 'vsgitops.deb');
  const built = await execa('bash', [path.join(repoRoot, 'scripts/build-deb.sh')], { cwd: repoRoot, env: { DEB_OUT: deb }, reject: false });
  t.is(built.exitCode, 0, built.stderr);
  const listing = (await execa('dpkg-deb', ['-c', deb])).stdout;
  const entries = listing.split('\n').map((l) => l.split(/\s+/).slice(5).join(' '));
  for (const want of [
    './usr/bin/vsgitops -> ../lib/vsgitops/dist/src/cli/main.js',
    './lib/systemd/system/vsgitops.service',
    './etc/vsgitops/agent.yaml',
    './usr/share/man/man1/vsgitops.1.gz',
    './usr/share/bash-completion/completions/vsgitops',
    './usr/share/zsh/vendor-completions/_vsgitops',
    './usr/lib/vsgitops/dist/src/cli/main.js',
    './usr/lib/vsgitops/schemas/agent-config.schema.json',
    './usr/lib/vsgitops/examples/ci/github-actions.yml',
    './usr/lib/vsgitops/node_modules/commander/package.json',
  ]) {
    t.true(entries.includes(want), `${want} in\n${entries.filter((e) => !e.includes('node_modules')).join('\n')}`);
  }
  t.false(entries.some((e) => /node_modules\/(typescript|ava)\//.test(e)), 'no development dependencies');
  t.false(entries.some((e) => !e.includes('/node_modules/') && /\.ts$/.test(e)), 'no TypeScript sources');
  const unit = await fsp.readFile(path.join(repoRoot, 'deploy/vsgitops.service'), 'utf8');
  t.regex(unit, /^ExecStart=\/usr\/bin\/vsgitops run /m);
  const control = (await execa('dpkg-deb', ['-f', deb, 'Package', 'Architecture', 'Depends'])).stdout;
  t.regex(control, /Package: vsgitops\nArchitecture: all\nDepends: nodejs \(>= 20\.19\)/);
  t.is((await execa('dpkg-deb', ['--ctrl-tarfile', deb], { encoding: 'buffer' })).exitCode, 0);
  const x = path.join(dir, 'x');
  await execa('dpkg-deb', ['-x', deb, x]);
  const version = await execa(path.join(x, 'usr/bin/vsgitops'), ['--version']);
  t.regex(version.stdout, /^vsgitops \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)$/);
  const conffiles = (await execa('sh', ['-c', 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles', 'sh', deb])).stdout;
  t.is(conffiles.trim(), '/etc/vsgitops/agent.yaml');
});
