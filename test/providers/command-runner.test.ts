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

/** A node one-liner that leaves a detached grandchild holding the inherited stdout/stderr, like a guest init. */
const leaveInitBehind = (extra = '') =>
  [process.execPath, '-e', `const c = require("child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 300000)"], { stdio: "inherit", detached: true }); c.unref(); console.log(String(c.pid)); ${extra}`];

const killPid = (out: string) => {
  const pid = Number(out.trim().split('\n')[0]);
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pid;
};

test('the result is taken when the process exits, though a child it left keeps stdout/stderr open (vserver start, reference §10 LIVE)', async (t) => {
  const r = await runner.run(leaveInitBehind('process.stderr.write("started\\n")'), { timeoutMs: 60_000 });
  const pid = killPid(r.stdout);
  t.is(r.exitCode, 0);
  t.true(pid > 0, r.stdout);
  t.is(r.stderr, 'started\n');
  t.falsy(r.timedOut);
  // far below the timeout: the wait ended at exit, not at the grandchild's end (300 s) or the timeout (60 s)
  t.true(r.durationMs < 30_000, `took ${r.durationMs} ms`);
});

test('input on stdin works while a child keeps stdin open', async (t) => {
  const r = await runner.run(leaveInitBehind('process.stdin.once("data", (d) => { process.stdout.write(d); process.exit(0); })'), { input: 'y\n', timeoutMs: 60_000 });
  killPid(r.stdout);
  t.is(r.exitCode, 0);
  t.regex(r.stdout, /\ny\n$/);
});

test('a command that truly hangs is killed at its timeout and reported with what it printed', async (t) => {
  const r = await runner.run([process.execPath, '-e', 'console.log("partial output"); console.error("working"); setInterval(() => {}, 1000)'], { timeoutMs: 1_500 });
  t.is(r.exitCode, 124);
  t.true(r.timedOut);
  t.is(r.stdout, 'partial output\n');
  t.regex(r.stderr, /^working\ntimed out after 1500 ms\n$/);
});

test('a command that ignores SIGTERM is killed with SIGKILL; the wait still ends', async (t) => {
  const r = await runner.run([process.execPath, '-e', 'process.on("SIGTERM", () => {}); console.log("stubborn"); setInterval(() => {}, 1000)'], { timeoutMs: 1_000 });
  t.is(r.exitCode, 124);
  t.true(r.timedOut);
  t.is(r.stdout, 'stubborn\n');
  // SIGTERM at 1 s, SIGKILL at 6 s: done well before a minute
  t.true(r.durationMs < 60_000, `took ${r.durationMs} ms`);
});

test('captured output is bounded: the tail is kept and the cut is said', async (t) => {
  const small = execaRunner({ maxOutputBytes: 100 });
  const r = await small.run([process.execPath, '-e', 'process.stdout.write("a".repeat(1000) + "END")']);
  t.is(r.exitCode, 0);
  t.true(r.stdout.endsWith('a'.repeat(97) + 'END'));
  t.regex(r.stdout, /^\[… 903 earlier bytes not kept\]\n/);
});

test('an aborted command ends with a result, not a hang', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const r = await runner.run([process.execPath, '-e', 'setInterval(() => {}, 1000)'], { signal: ac.signal, timeoutMs: 60_000 });
  t.not(r.exitCode, 0);
  t.true(r.durationMs < 30_000);
});
