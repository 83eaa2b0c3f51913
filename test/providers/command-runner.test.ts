import test from 'ava';
import { execaRunner } from '../../src/providers/command-runner.js';

const runner = execaRunner();

test('argv array, exit code, stdout and stderr without a shell', async (t) => {
  const r = await runner.run([process.execPath, '-e', 'process.stdout.write(process.argv[1]); process.stderr.write("e"); process.exit(3)', '$(rm -rf /) ; echo']);
  t.is(r.exitCode, 3);
  t.is(r.stdout, '$(rm -rf /) ; echo');
  t.is(r.stderr, 'e');
  t.true(r.durationMs >= 0);
});

test('input is fed to stdin', async (t) => {
  const r = await runner.run([process.execPath, '-e', 'process.stdin.pipe(process.stdout)'], { input: 'y\n' });
  t.is(r.exitCode, 0);
  t.is(r.stdout, 'y\n');
});

test('a missing program and a timeout are results, not exceptions', async (t) => {
  const missing = await runner.run(['/nonexistent/vuname', '-g']);
  t.is(missing.exitCode, 127);
  t.regex(missing.stderr, /ENOENT/);
  const slow = await runner.run([process.execPath, '-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 });
  t.is(slow.exitCode, 124);
  t.regex(slow.stderr, /timed out after 200 ms/);
});
