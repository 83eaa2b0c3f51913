/** Exit codes and `--output json` of plan / apply / drift on errors (documented in docs/plan.md). */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cli, tempDir } from '../helpers/e2e.js';

test('invalid manifests: JSON on stdout with --output=json too, file:line:field on stderr, exit 1', async (t) => {
  const dir = await tempDir('exit');
  await fsp.writeFile(path.join(dir, 'bad.yaml'), 'apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: web}\nspec:\n  context: 1\n  hosts: {names: [h]}\n  build: {method: skeleton}\n');
  // a real (simulated) VServer host: a host without /proc/virtual is an error of its own
  t.is((await cli(['sim', 'init', path.join(dir, 'host'), '--name', 'h'])).exitCode, 0);
  const host = ['--host', `sim:${path.join(dir, 'host')}`, '--host-name', 'h'];
  for (const output of [['--output', 'json'], ['--output=json']]) {
    const r = await cli(['plan', dir, ...host, ...output]);
    t.is(r.exitCode, 1, r.stderr);
    const data = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; problems: { file: string; line: number; path: string }[] } };
    t.is(data.error.code, 'MANIFEST_INVALID');
    t.like(data.error.problems[0], { line: 5, path: 'spec.context' });
    t.regex(r.stderr, /bad\.yaml:5:\d+: spec\.context: /);
  }
});

test('a usage error exits 64 on every command, never the "changes" code 2 or the "drift" code 4', async (t) => {
  for (const cmd of ['plan', 'apply', 'drift', 'validate', 'observe', 'status', 'suspend', 'resume', 'run']) {
    const r = await cli([cmd, ...(cmd === 'suspend' ? ['--reason', 'x'] : []), '--no-such-option', '--output', 'json']);
    t.is(r.exitCode, 64, `${cmd}: ${r.stderr}`);
    t.like(JSON.parse(r.stdout), { ok: false, error: { code: 'USAGE' } });
    t.regex(r.stderr, /no-such-option/);
  }
  t.is((await cli(['sim', 'init'])).exitCode, 64, 'a missing argument');
  t.is((await cli(['observe', '--output', 'yaml'])).exitCode, 64, 'a bad value');
});
