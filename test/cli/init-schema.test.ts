/** Issue 13, item 7: a stable $id for every schema, `vsgitops schema`, and `vsgitops init` with modelines that resolve. */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { execa } from 'execa';
import { cli, tempDir } from '../helpers/e2e.js';
import { SCHEMA_BASE_URL } from '../../src/cli/schema-files.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]));
}

test('every schema has the stable $id https://vsgitops.io/schemas/<its path under schemas/>', (t) => {
  const files = walk(path.join(repoRoot, 'schemas')).filter((f) => f.endsWith('.json'));
  t.true(files.length >= 10);
  for (const f of files) {
    const s = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', f), 'utf8')) as { $id?: string };
    t.is(s.$id, SCHEMA_BASE_URL + f.split(path.sep).join('/'), f);
  }
});

test('vsgitops schema prints the manifest schema by default, --id its stable URL; other names; unknown is a usage error', async (t) => {
  const r = await cli(['schema']);
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/vserver.schema.json'), 'utf8')));
  t.is((await cli(['schema', '--id'])).stdout.trim(), 'https://vsgitops.io/schemas/vserver.schema.json');
  t.is((await cli(['schema', 'fleet', '--id'])).stdout.trim(), 'https://vsgitops.io/schemas/fleet.schema.json');
  t.is((JSON.parse((await cli(['schema', 'output/plan'])).stdout) as { $id: string }).$id, 'https://vsgitops.io/schemas/output/plan.schema.json');
  const list = await cli(['schema', '--list']);
  t.regex(list.stdout, /^ignore +https:\/\/vsgitops\.io\/schemas\/ignore\.schema\.json$/m);
  const bad = await cli(['schema', 'nope']);
  t.is(bad.exitCode, 64);
  t.regex(bad.stderr, /no schema "nope"; one of: manifest, fleet, ignore/);
});

test('init scaffolds a repository whose modelines resolve to the schemas it wrote, which accept the files; validate passes', async (t) => {
  const dir = path.join(await tempDir('init'), 'repo');
  const r = await cli(['init', dir, '--host-name', 'vs-fra1']);
  t.is(r.exitCode, 0, r.stderr);
  const files = walk(dir).sort();
  t.deepEqual(files, ['.github/workflows/vsgitops.yml', 'hosts/example.yaml', 'hosts/fleet.yaml', 'hosts/vsgitops-ignore.yaml', 'schemas/fleet.schema.json', 'schemas/ignore.schema.json', 'schemas/vserver.schema.json']);
  const ajv = new Ajv({ allErrors: true, strict: false });
  const want: Record<string, string> = { 'example.yaml': 'vserver', 'fleet.yaml': 'fleet', 'vsgitops-ignore.yaml': 'ignore' };
  for (const f of files.filter((x) => x.endsWith('.yaml'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text.split('\n')[0]!);
    t.truthy(m, `${f} starts with a modeline`);
    const target = path.resolve(path.dirname(path.join(dir, f)), m![1]!);
    t.true(fs.existsSync(target), `${f}: ${m![1]} resolves`);
    const schema = JSON.parse(fs.readFileSync(target, 'utf8')) as { $id: string };
    t.is(schema.$id, `${SCHEMA_BASE_URL}${want[path.basename(f)]}.schema.json`);
    const validate = ajv.compile(schema);
    t.true(validate(yaml.load(text)), `${f} matches ${m![1]}: ${ajv.errorsText(validate.errors)}`);
  }
  // the CI recipe is the shipped one
  t.is(fs.readFileSync(path.join(dir, '.github/workflows/vsgitops.yml'), 'utf8'), fs.readFileSync(path.join(repoRoot, 'examples/ci/github-actions.yml'), 'utf8'));

  const v = await cli(['validate', path.join(dir, 'hosts'), '--output', 'json']);
  t.is(v.exitCode, 0, v.stdout + v.stderr);
  t.like(JSON.parse(v.stdout), { ok: true });
  // as the CI recipe runs it: from a commit
  for (const args of [['init', '-q', '-b', 'staging'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'init']]) await execa('git', args, { cwd: dir });
  const vr = await cli(['validate', '--repo', dir, '--ref', 'HEAD', '--path', 'hosts', '--format', 'github']);
  t.is(vr.exitCode, 0, vr.stdout + vr.stderr);
});

test('init refuses to overwrite existing files (writing nothing) unless --force', async (t) => {
  const dir = path.join(await tempDir('init-again'), 'repo');
  fs.mkdirSync(path.join(dir, 'hosts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'hosts/fleet.yaml'), 'mine\n');
  const r = await cli(['init', dir, '--host-name', 'vs-fra1']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /hosts\/fleet\.yaml already exists; nothing was written \(--force overwrites\)/);
  t.deepEqual(walk(dir), ['hosts/fleet.yaml'], 'nothing else was written');
  t.is(fs.readFileSync(path.join(dir, 'hosts/fleet.yaml'), 'utf8'), 'mine\n');
  const f = await cli(['init', dir, '--host-name', 'vs-fra1', '--force']);
  t.is(f.exitCode, 0, f.stderr);
  t.regex(fs.readFileSync(path.join(dir, 'hosts/fleet.yaml'), 'utf8'), /kind: Fleet/);
});

test('init --ci gitlab --path manifests: the GitLab recipe, reading that folder', async (t) => {
  const dir = path.join(await tempDir('init-gl'), 'repo');
  t.is((await cli(['init', dir, '--ci', 'gitlab', '--path', 'manifests', '--host-name', 'h1'])).exitCode, 0);
  const ci = fs.readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8');
  t.regex(ci, /^\s*MANIFESTS: manifests$/m);
  t.regex(fs.readFileSync(path.join(dir, 'manifests/example.yaml'), 'utf8'), /^# yaml-language-server: \$schema=\.\.\/schemas\/vserver\.schema\.json\n/);
  t.is((await cli(['validate', path.join(dir, 'manifests')])).exitCode, 0);
  t.is((await cli(['init', path.join(dir, 'x'), '--ci', 'jenkins'])).exitCode, 64);
  t.is((await cli(['init', path.join(dir, 'y'), '--path', '../out'])).exitCode, 64);
});
