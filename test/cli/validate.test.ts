import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import git from 'isomorphic-git';

const main = path.resolve('dist/src/cli/main.js');
const fixtures = 'test/fixtures/manifests';

const run = (args: string[]) => execa('node', [main, ...args], { reject: false });

test('valid directory: exit 0 and a summary', async (t) => {
  const r = await run(['validate', `${fixtures}/valid`]);
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'ok: 2 guests in 1 file');
});

test('valid directory as JSON, with host placement', async (t) => {
  const r = await run(['validate', `${fixtures}/valid`, '--output', 'json', '--host-name', 'host-b', '--host-label', 'site=ams1']);
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), {
    formatVersion: 1,
    ok: true,
    revision: null,
    files: 1,
    guests: ['web1', 'db1'],
    problems: [],
    warnings: [],
    host: { name: 'host-b', labels: { site: 'ams1' }, guests: ['db1'] },
  });
});

test('host placement in text', async (t) => {
  const r = await run(['validate', `${fixtures}/valid`, '--host-name', 'host-a']);
  t.is(r.exitCode, 0);
  t.is(r.stdout.split('\n').at(-1), 'host host-a: web1');
});

test('invalid directory: exit 1, one line per problem, then a summary', async (t) => {
  const r = await run(['validate', `${fixtures}/invalid`]);
  t.is(r.exitCode, 1);
  t.deepEqual(r.stdout.split('\n'), [
    `${fixtures}/invalid/broken.yaml:3:18: metadata.name: must be a guest name: lowercase letters, digits, '.', '_', '-', starting with a letter or digit, at most 63 characters (got "../../etc")`,
    `${fixtures}/invalid/broken.yaml:8:21: spec.flags[1]: Unknown flag 'warp_speed'`,
    'invalid: 2 problems in 2 files',
  ]);
});

test('invalid directory as JSON', async (t) => {
  const r = await run(['validate', `${fixtures}/invalid`, '--output', 'json']);
  t.is(r.exitCode, 1);
  const out = JSON.parse(r.stdout);
  t.false(out.ok);
  t.deepEqual(out.guests, ['fine']);
  t.deepEqual(out.problems[1], { file: `${fixtures}/invalid/broken.yaml`, line: 8, column: 21, path: 'spec.flags[1]', message: "Unknown flag 'warp_speed'" });
});

test('a directory without manifests is valid and says so', async (t) => {
  const r = await run(['validate', `${fixtures}/empty`, '--output', 'json']);
  t.is(r.exitCode, 0);
  t.deepEqual(JSON.parse(r.stdout), { formatVersion: 1, ok: true, revision: null, files: 0, guests: [], problems: [], warnings: [] });
  const text = await run(['validate', `${fixtures}/empty`]);
  t.is(text.stdout, `no manifests found in ${fixtures}/empty`);
});

test('the example fleet validates', async (t) => {
  const r = await run(['validate', 'examples/desired-state']);
  t.is(r.exitCode, 0, r.stdout);
  t.regex(r.stdout, /^ok: \d+ guests in \d+ files$/);
});

test('--max-file-bytes applies', async (t) => {
  const r = await run(['validate', `${fixtures}/valid`, '--max-file-bytes', '10', '--output', 'json']);
  t.is(r.exitCode, 1);
  t.regex(JSON.parse(r.stdout).problems[0].message, /file is too large \(\d+ bytes; the limit is 10\)/);
});

test('a missing directory: exit 1 with a plain error (and JSON error with --output json)', async (t) => {
  const r = await run(['validate', '/nonexistent/vsgitops']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /error: cannot read manifest directory \/nonexistent\/vsgitops/);
  const j = await run(['validate', '/nonexistent/vsgitops', '--output', 'json']);
  t.is(j.exitCode, 1);
  t.like(JSON.parse(j.stdout), { ok: false, error: { code: 'SOURCE' } });
});

const usage: [string, string[], RegExp][] = [
  ['DIR and --repo together', ['validate', 'x', '--repo', 'y'], /either a DIR or --repo/],
  ['--ref without --repo', ['validate', '--ref', 'main'], /--ref and --path need --repo/],
  ['--path without --repo', ['validate', 'x', '--path', 'sub'], /--ref and --path need --repo/],
  ['unknown output format', ['validate', 'x', '--output', 'yaml'], /--output must be text or json/],
  ['unknown option', ['validate', '--frobnicate'], /unknown option '--frobnicate'/],
  ['bad host label', ['validate', 'x', '--host-name', 'h', '--host-label', 'nolabel'], /--host-label needs key=value/],
  ['host label without host name', ['validate', 'x', '--host-label', 'a=b'], /--host-label needs --host-name/],
  ['bad --max-file-bytes', ['validate', 'x', '--max-file-bytes', '1e3'], /--max-file-bytes needs a positive integer/],
  ['two directories', ['validate', 'a', 'b'], /too many arguments/],
];
for (const [title, args, message] of usage) {
  test(`usage error: ${title} → exit 64`, async (t) => {
    const r = await run(args);
    t.is(r.exitCode, 64, r.stdout + r.stderr);
    t.regex(r.stderr, message);
  });
}

test('per-command help lists the options and exit codes', async (t) => {
  const r = await run(['validate', '--help']);
  t.is(r.exitCode, 0);
  for (const o of ['--repo', '--ref', '--path', '--output', '--host-name', '--host-label', 'Exit codes']) t.true(r.stdout.includes(o), o);
  const top = await run(['--help']);
  t.regex(top.stdout, /validate \[options\] \[dir\]/);
});

test('--repo reads the committed tree at a ref', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-cli-git-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  fs.mkdirSync(path.join(dir, 'fleet'));
  fs.copyFileSync(`${fixtures}/valid/web.yaml`, path.join(dir, 'fleet/web.yaml'));
  await git.add({ fs, dir, filepath: 'fleet/web.yaml' });
  const author = { name: 'T', email: 't@example.org', timestamp: 1700000000, timezoneOffset: 0 };
  const c1 = await git.commit({ fs, dir, message: 'v1', author });
  await git.tag({ fs, dir, ref: 'v1' });
  fs.copyFileSync(`${fixtures}/invalid/broken.yaml`, path.join(dir, 'fleet/broken.yaml'));
  await git.add({ fs, dir, filepath: 'fleet/broken.yaml' });
  await git.commit({ fs, dir, message: 'v2', author });
  const good = await run(['validate', '--repo', dir, '--ref', 'v1', '--path', 'fleet', '--output', 'json']);
  t.is(good.exitCode, 0, good.stdout);
  t.like(JSON.parse(good.stdout), { ok: true, revision: c1, guests: ['web1', 'db1'] });
  const head = await run(['validate', '--repo', dir, '--path', 'fleet']);
  t.is(head.exitCode, 1);
  t.regex(head.stdout, /^fleet\/broken\.yaml:3:18: metadata\.name: /m);
  const badRef = await run(['validate', '--repo', dir, '--ref', 'nope']);
  t.is(badRef.exitCode, 1);
  t.regex(badRef.stderr, /git ref 'nope' not found/);
});

test('the drift ignore list is checked with the manifests: an entry without reason is a problem (the agent would refuse the revision)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-validate-ignore-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.copyFileSync(path.join(fixtures, 'valid', 'web.yaml'), path.join(dir, 'web.yaml'));
  const ignore = path.join(dir, 'vsgitops-ignore.yaml');
  fs.writeFileSync(ignore, 'ignore:\n  - guest: "web*"\n    reason: vendor agent\n    expires: 2026-12-31\n');
  const ok = await run(['validate', dir]);
  t.is(ok.exitCode, 0, ok.stdout);
  t.is(ok.stdout, 'ok: 2 guests in 1 file');

  fs.writeFileSync(ignore, 'ignore:\n  - guest: "web*"\n    expires: 2026-12-31\n');
  const bad = await run(['validate', dir, '--output', 'json']);
  t.is(bad.exitCode, 1);
  const report = JSON.parse(bad.stdout) as { ok: boolean; guests: string[]; problems: { file: string; line: number; path: string; message: string }[] };
  t.false(report.ok);
  t.deepEqual(report.guests, ['web1', 'db1']);
  t.is(report.problems.length, 1);
  t.is(report.problems[0]!.file, ignore);
  t.is(report.problems[0]!.line, 2);
  t.regex(report.problems[0]!.message, /reason/);
});

test('startOnBoot with state stopped is a warning (util-vserver starts it at boot, the agent stops it again): exit 0', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-validate-warn-'));
  fs.writeFileSync(path.join(dir, 'db.yaml'), `apiVersion: vsgitops.io/v1
kind: VServer
metadata: {name: db}
spec:
  context: 1002
  hosts: {names: [host-a]}
  build: {method: skeleton}
  state: stopped
  startOnBoot: true
`);
  const r = await run(['validate', dir]);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^warning: .*db\.yaml:1:1: spec\.startOnBoot: guest db is desired stopped but marked to start on boot/m);
  const j = await run(['validate', dir, '--output', 'json']);
  t.is(JSON.parse(j.stdout).warnings.length, 1);
  fs.writeFileSync(path.join(dir, 'db.yaml'), fs.readFileSync(path.join(dir, 'db.yaml'), 'utf8').replace('startOnBoot: true', 'startOnBoot: false'));
  t.notRegex((await run(['validate', dir])).stdout, /warning/);
});
