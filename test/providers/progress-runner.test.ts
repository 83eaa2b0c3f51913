import test from 'ava';
import { commandLine, progressRunner } from '../../src/providers/progress-runner.js';
import type { CommandRunner } from '../../src/providers/command-runner.js';

/** Timers under the test's control. */
function fakeTimers() {
  let t = 0;
  const timers = new Map<number, { fn: () => void; every: number; next: number }>();
  let id = 0;
  return {
    now: () => t,
    setInterval: (fn: () => void, ms: number) => {
      timers.set(++id, { fn, every: ms, next: t + ms });
      return id;
    },
    clearInterval: (h: unknown) => void timers.delete(h as number),
    advance(ms: number) {
      const end = t + ms;
      for (;;) {
        const due = [...timers.values()].filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        t = due.next;
        due.next += due.every;
        due.fn();
      }
      t = end;
    },
    active: () => timers.size,
  };
}

test('a command running past the interval is announced, again every interval, and no more once it ends', async (t) => {
  const clock = fakeTimers();
  const lines: string[] = [];
  let finish!: () => void;
  const inner: CommandRunner = { run: () => new Promise((r) => (finish = () => r({ exitCode: 0, stdout: '', stderr: '', durationMs: 0 }))) };
  const runner = progressRunner(inner, { intervalMs: 5000, say: (l) => lines.push(l), ...clock });
  const p = runner.run(['/usr/sbin/vserver', 'web', 'build', '-m', 'skeleton']);
  clock.advance(4999);
  t.deepEqual(lines, [], 'silent below the threshold');
  clock.advance(11_001);
  t.deepEqual(lines, ['still running: /usr/sbin/vserver web build -m skeleton (5s)', 'still running: /usr/sbin/vserver web build -m skeleton (10s)', 'still running: /usr/sbin/vserver web build -m skeleton (15s)']);
  finish();
  t.is((await p).exitCode, 0);
  t.is(clock.active(), 0);
  clock.advance(20_000);
  t.is(lines.length, 3);
});

test('interval 0 turns the notices off; the result passes through', async (t) => {
  const clock = fakeTimers();
  const lines: string[] = [];
  const runner = progressRunner({ run: async () => ({ exitCode: 3, stdout: 'x', stderr: '', durationMs: 1 }) }, { intervalMs: 0, say: (l) => lines.push(l), ...clock });
  t.is((await runner.run(['true'])).exitCode, 3);
  t.is(clock.active(), 0);
});

test('commandLine quotes arguments with spaces and cuts long lines', (t) => {
  t.is(commandLine(['echo', 'a b', '']), 'echo "a b" ""');
  t.is(commandLine(['x'.repeat(200)]).length, 120);
});

test('issue 12: a command carrying a label (apply running guests concurrently) names it in its progress line', async (t) => {
  const clock = fakeTimers();
  const lines: string[] = [];
  let finish!: () => void;
  const inner: CommandRunner = { run: () => new Promise((r) => (finish = () => r({ exitCode: 0, stdout: '', stderr: '', durationMs: 0 }))) };
  const runner = progressRunner(inner, { intervalMs: 5000, say: (l) => lines.push(l), ...clock });
  const p = runner.run(['/usr/sbin/vlimit', '--xid', '1001', '--nproc', '10'], { label: 'web' });
  clock.advance(5000);
  t.deepEqual(lines, ['web: still running: /usr/sbin/vlimit --xid 1001 --nproc 10 (5s)']);
  finish();
  await p;
});
