/** Kernel state kept one file per context (issue 12): a command reads only what it names, /proc stays exact. */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { seedSimHost } from '../../src/sim/seed.js';
import { kernelDir, legacyKernelFile } from '../../src/sim/kernel-files.js';
import { readKernelSnapshot, type SimHost } from '../../src/sim/store.js';
import { writeProc } from '../../src/sim/proc-tree.js';
import type { GuestSpec } from '../../src/model/guest.js';
import { run, tmpDir } from './helpers.js';

const spec = (i: number, runState: 'running' | 'stopped' = 'running'): GuestSpec => ({
  name: `k${i}`,
  context: 4000 + i,
  nodename: `k${i}.example`,
  runState,
  startOnBoot: false,
  initStyle: 'plain',
  interfaces: [{ name: '0', device: 'eth0', address: `10.4.0.${i + 1}`, family: 4, prefix: 24 }],
  flags: [],
  bcaps: [],
  ccaps: [],
  limits: { nproc: { soft: 50, hard: 100 } },
  cgroup: {},
  fstab: [],
});

const ctxFile = (h: SimHost, xid: number) => path.join(kernelDir(h.simDir), 'ctx', `${xid}.json`);

/** Every file under dir with its content (relative path → text). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** /proc as a full render of the whole state would write it (the old single-file behaviour). */
function fullRender(h: SimHost): Record<string, string> {
  const dir = tmpDir('render');
  writeProc(dir, readKernelSnapshot(h.dir));
  return tree(dir);
}

test('a command reads only the contexts it names: other contexts unreadable, vserver-info, vattribute --get and vlimit still work', (t) => {
  const h = seedSimHost(tmpDir('iso'), [0, 1, 2, 3].map((i) => spec(i)));
  for (const i of [1, 2, 3]) fs.writeFileSync(ctxFile(h, 4000 + i), '{ not json');
  t.deepEqual(run(h, 'vserver-info', ['k0', 'RUNNING']), { code: 0, out: '1\n', err: '' });
  t.regex(run(h, 'vattribute', ['--xid', '4000', '--get']).out, /^flags:\n/m);
  t.is(run(h, 'vlimit', ['--xid', '4000', '--nofile', '77']).code, 0);
  t.regex(fs.readFileSync(path.join(h.paths.proc, 'virtual/4000/limit'), 'utf8'), /^FILES:.*\t      77\/      77\t/m);
  t.is(fs.readFileSync(ctxFile(h, 4001), 'utf8'), '{ not json', 'untouched contexts are not rewritten');
});

test('after start, limits, attributes, uname, naddress, vkill and stop, /proc is byte for byte the full render of the state', (t) => {
  const h = seedSimHost(tmpDir('render'), [spec(0), spec(1), spec(2, 'stopped'), spec(3, 'stopped')]);
  t.deepEqual(tree(h.paths.proc), fullRender(h), 'seeded');
  const steps: [string, string[]][] = [
    ['vserver', ['k2', 'start']],
    ['vlimit', ['--xid', '4002', '--nproc', '20']],
    ['vattribute', ['--xid', '4000', '--set', '--flag', 'virt_mem']],
    ['vuname', ['--xid', '4001', '--set', '-t', 'nodename=other']],
    ['naddress', ['--add', '--nid', '4002', '--ip', '10.9.9.9/255.255.255.0']],
    ['vcontext', ['--create', '--xid', '42', '--', 'vattribute', '--set', '--flag', 'persistent', '--', 'true']],
    ['vserver', ['k0', 'stop']],
    ['vkill', ['--xid', '4001', '-s', '9']],
    ['vserver', ['k3', 'start']],
  ];
  for (const [tool, argv] of steps) {
    t.is(run(h, tool, argv).code, 0, `${tool} ${argv.join(' ')}`);
    t.deepEqual(tree(h.paths.proc), fullRender(h), `after ${tool} ${argv.join(' ')}`);
  }
  const s = readKernelSnapshot(h.dir);
  t.deepEqual(Object.keys(s.contexts), ['42', '4002', '4003']);
  t.deepEqual(Object.keys(s.nets), ['4002', '4003']);
  t.deepEqual(fs.readdirSync(path.join(kernelDir(h.simDir), 'ctx')).sort(), ['4002.json', '4003.json', '42.json']);
});

test('a host laid out with the single kernel.json of earlier versions is converted on first use', async (t) => {
  const h = seedSimHost(tmpDir('legacy'), [spec(0), spec(1)]);
  const before = readKernelSnapshot(h.dir);
  const procBefore = tree(h.paths.proc);
  fs.writeFileSync(legacyKernelFile(h.simDir), JSON.stringify(before));
  fs.rmSync(kernelDir(h.simDir), { recursive: true });
  const r = await execa(path.join(h.paths.binDir, 'vserver-info'), ['k1', 'RUNNING'], { reject: false });
  t.is(r.exitCode, 0);
  t.is(r.stdout, '1');
  t.false(fs.existsSync(legacyKernelFile(h.simDir)));
  t.deepEqual(readKernelSnapshot(h.dir), before);
  t.is(run(h, 'vserver', ['k1', 'stop']).code, 0);
  t.deepEqual(Object.keys(readKernelSnapshot(h.dir).contexts), ['4000']);
  t.deepEqual(tree(h.paths.proc), fullRender(h));
  t.notDeepEqual(tree(h.paths.proc), procBefore);
});

test('a directory that is no simulated host is refused, not created', (t) => {
  const dir = tmpDir('none');
  t.throws(() => readKernelSnapshot(dir), { message: /is not a simulated host/ });
  t.deepEqual(fs.readdirSync(dir), []);
});

test('start and stop read and write only their own context and host addresses (one file per address, kept in list order)', (t) => {
  const h = seedSimHost(tmpDir('addr'), [spec(0, 'stopped'), spec(1), spec(2), spec(3)]);
  const addrDir = path.join(kernelDir(h.simDir), 'addr');
  t.deepEqual(readKernelSnapshot(h.dir).hostAddresses.map((a) => `${a.owner} ${a.dev} ${a.ip}/${a.prefix}`), ['k1 eth0 10.4.0.2/24', 'k2 eth0 10.4.0.3/24', 'k3 eth0 10.4.0.4/24']);
  const others = fs.readdirSync(addrDir);
  t.is(others.length, 3);
  for (const f of others) fs.writeFileSync(path.join(addrDir, f), '{ not json');
  for (const i of [1, 2, 3]) fs.writeFileSync(ctxFile(h, 4000 + i), '{ not json');
  t.is(run(h, 'vserver', ['k0', 'start']).code, 0);
  t.is(fs.readdirSync(addrDir).length, 4, "k0's address added");
  t.is(run(h, 'vserver', ['k0', 'stop']).code, 0);
  t.deepEqual(fs.readdirSync(addrDir).sort(), [...others].sort(), "k0's address removed, the others untouched");
  for (const f of others) t.is(fs.readFileSync(path.join(addrDir, f), 'utf8'), '{ not json');
});
