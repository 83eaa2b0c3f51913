/** Fault injection and concurrent shims, through the real shim executables. */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { writeFaults, matchFault } from '../../src/sim/faults.js';
import { seedSimHost } from '../../src/sim/seed.js';
import { readKernelSnapshot } from '../../src/sim/store.js';
import type { GuestSpec } from '../../src/model/guest.js';
import { run, tmpDir, tmpHost } from './helpers.js';

const spec = (i: number): GuestSpec => ({
  name: `c${i}`,
  context: 3000 + i,
  nodename: `c${i}.example`,
  runState: 'running',
  startOnBoot: false,
  initStyle: 'plain',
  interfaces: [{ name: '0', device: 'eth0', address: `10.3.0.${i + 1}`, family: 4, prefix: 24 }],
  flags: [],
  bcaps: [],
  ccaps: [],
  limits: { nproc: { soft: 50, hard: 100 } },
  cgroup: {},
  fstab: [],
});

test('matchFault: tool + argv substring, exhausted counts skipped', (t) => {
  const faults = [
    { tool: 'vserver', match: 'a start', action: 'fail' as const, count: 0 },
    { tool: 'vserver', match: 'start', action: 'hang' as const },
  ];
  t.is(matchFault(faults, 'vserver', ['a', 'start']), 1);
  t.is(matchFault(faults, 'vlimit', ['a', 'start']), -1);
  t.is(matchFault(faults, 'vserver', ['a', 'stop']), -1);
});

test('fault "fail" with a count applies to the next N calls only', async (t) => {
  const h = tmpHost('fault');
  writeFaults(h.simDir, [{ tool: 'vserver-stat', action: 'fail', exitCode: 7, stderr: 'injected\n', count: 1 }]);
  const bin = (x: string) => path.join(h.paths.binDir!, x);
  const first = await execa(bin('vserver-stat'), [], { reject: false });
  t.is(first.exitCode, 7);
  t.is(first.stderr, 'injected');
  const second = await execa(bin('vserver-stat'), [], { reject: false });
  t.is(second.exitCode, 0);
  t.is(second.stdout, 'CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME');
});

test('fault "hang" sleeps until killed', async (t) => {
  const h = tmpHost('hang');
  writeFaults(h.simDir, [{ tool: 'vserver', match: 'x start', action: 'hang' }]);
  const r = await execa(path.join(h.paths.binDir!, 'vserver'), ['x', 'start'], { reject: false, timeout: 800 });
  t.true(r.timedOut);
});

test('fault "die-halfway": build leaves a half config dir, start leaves a context without run file', async (t) => {
  const h = tmpHost('half');
  writeFaults(h.simDir, [
    { tool: 'vserver', match: 'h1 build', action: 'die-halfway', exitCode: 137, stderr: 'Killed\n' },
    { tool: 'vserver', match: 'h2 start', action: 'die-halfway', count: 1 },
  ]);
  const bin = path.join(h.paths.binDir!, 'vserver');
  const b = await execa(bin, ['h1', 'build', '-m', 'skeleton', '--context', '1101', '--hostname', 'h1'], { reject: false });
  t.is(b.exitCode, 137);
  const cfg = path.join(h.paths.etcVservers, 'h1');
  t.deepEqual(fs.readdirSync(cfg).sort(), ['apps', 'context', 'name']);
  t.is(run(h, 'vserver', ['h2', 'build', '-m', 'skeleton', '--context', '1102']).code, 0);
  const s = await execa(bin, ['h2', 'start'], { reject: false });
  t.is(s.exitCode, 137);
  t.true(fs.existsSync(path.join(h.paths.proc, 'virtual/1102/status')), 'context created');
  t.false(fs.existsSync(path.join(h.paths.runDir, 'h2')), 'no run file');
  t.is(run(h, 'vserver', ['h2', 'status']).code, 3, 'util-vserver does not consider it running');
  t.false(fs.existsSync(path.join(h.simDir, 'lock')), 'lock released');
});

test('10 parallel vlimit shims on different guests all apply', async (t) => {
  const dir = tmpDir('par');
  const h = seedSimHost(dir, Array.from({ length: 10 }, (_, i) => spec(i)));
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => execa(path.join(h.paths.binDir!, 'vlimit'), ['--xid', String(3000 + i), '--nofile', String(1000 + i)])),
  );
  for (let i = 0; i < 10; i++) {
    const lim = fs.readFileSync(path.join(h.paths.proc, `virtual/${3000 + i}/limit`), 'utf8');
    t.regex(lim, new RegExp(`^FILES:.*\\t    ${1000 + i}/    ${1000 + i}\\t`, 'm'), `guest ${i}`);
  }
  const kernel = readKernelSnapshot(dir);
  t.is(Object.keys(kernel.contexts).length, 10);
});
