import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';

const main = path.resolve('dist/src/cli/main.js');
const run = (args: string[], env: Record<string, string> = {}) => execa('node', [main, ...args], { reject: false, env });

test('validate --format github: one ::error annotation per problem with file and line, exit 1', async (t) => {
  const r = await run(['validate', 'test/fixtures/fleet/nowhere', '--format', 'github']);
  t.is(r.exitCode, 1);
  t.deepEqual(r.stdout.split('\n'), [
    "::error file=test/fixtures/fleet/nowhere/guests.yaml,line=10,col=1,title=vsgitops%3A spec.hosts::guest 'db' is placed on no host of the fleet (test/fixtures/fleet/nowhere/fleet.yaml): no host matches matchLabels {solt: b}",
    '::notice title=vsgitops validate::invalid: 1 problem in 1 file',
  ]);
});

test('validate --format github escapes commas, colons and newlines in values', async (t) => {
  const r = await run(['validate', 'test/fixtures/manifests/invalid', '--format', 'github']);
  t.is(r.exitCode, 1);
  t.regex(r.stdout, /^::error file=test\/fixtures\/manifests\/invalid\/broken\.yaml,line=8,col=21,title=vsgitops%3A spec\.flags\[1\]::Unknown flag 'warp_speed'$/m);
});

test('validate --format junit: a failing test case per file; a passing one when valid', async (t) => {
  const bad = await run(['validate', 'test/fixtures/fleet/nowhere', '--format', 'junit']);
  t.is(bad.exitCode, 1);
  t.regex(bad.stdout, /<testsuite name="vsgitops validate" tests="1" failures="1" errors="0">/);
  t.regex(bad.stdout, /<failure message="1 problem" type="invalid">test\/fixtures\/fleet\/nowhere\/guests\.yaml:10:1: spec\.hosts: guest 'db' is placed on no host/);
  const ok = await run(['validate', 'test/fixtures/fleet/ok', '--format', 'junit']);
  t.is(ok.exitCode, 0);
  t.regex(ok.stdout, /failures="0"/);
  t.regex(ok.stdout, /<testcase classname="vsgitops.validate" name="test\/fixtures\/fleet\/ok: 2 guests in 1 file"\/>/);
});

test('validate with a fleet file lists the guests of every host; JSON too', async (t) => {
  const r = await run(['validate', 'test/fixtures/fleet/ok', '--output', 'json']);
  t.is(r.exitCode, 0);
  const out = JSON.parse(r.stdout) as { fleet: { hosts: { name: string; guests: string[] }[] } };
  t.deepEqual(out.fleet.hosts.map((h) => `${h.name}:${h.guests.join(',')}`), ['st-a:web', 'st-b:db', 'pr-a:web', 'pr-b:db']);
});

test('validate --repo refuses credentials in the URL (before any network access)', async (t) => {
  const r = await run(['validate', '--repo', 'https://user:secret@git.example.invalid/ops.git']);
  t.is(r.exitCode, 64, 'a usage error');
  t.regex(r.stderr, /must not contain credentials/);
  t.notRegex(r.stderr + r.stdout, /secret/);
});
