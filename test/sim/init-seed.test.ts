import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { simInit } from '../../src/sim/init.js';
import { seedSimHost } from '../../src/sim/seed.js';
import { isVsError } from '../../src/errors.js';
import type { GuestSpec } from '../../src/model/guest.js';
import { run, tmpDir } from './helpers.js';

const tmp = tmpDir;

test('sim init lays out the host and is idempotent', (t) => {
  const dir = tmp('init');
  const r = simInit(dir);
  t.true(r.created);
  t.is(r.name, 'sim-' + path.basename(dir));
  t.is(fs.readFileSync(path.join(dir, 'etc/hostname'), 'utf8'), r.name + '\n');
  for (const d of ['proc/virtual', 'proc/virtnet', 'etc/vservers/.defaults', 'vservers', 'run/vservers', 'dev/cgroup', 'var/lib/vsgitops', 'bin']) {
    t.true(fs.statSync(path.join(dir, d)).isDirectory(), d);
  }
  t.deepEqual(fs.readdirSync(path.join(dir, 'var/lib/vsgitops')), []);
  t.is(fs.realpathSync(path.join(dir, 'etc/vservers/.defaults/vdirbase')), fs.realpathSync(path.join(dir, 'vservers')));
  t.is(fs.readFileSync(path.join(dir, 'proc/virtual/status'), 'utf8'), '#CTotal:\t0\n#CActive:\t0\n#NSProxy:\t1\t4 1 0 0 0 0\n#InitTask:\t2\t33 30\n');
  for (const tool of ['vserver', 'vserver-stat', 'vserver-info', 'vlimit', 'vattribute', 'vuname', 'vsched', 'naddress', 'vdlimit', 'vcontext']) {
    t.truthy(fs.statSync(path.join(dir, 'bin', tool)).mode & 0o100, tool);
  }
  const again = simInit(dir);
  t.false(again.created);
  t.is(again.name, r.name);
});

test('sim init refuses a non-empty foreign directory', (t) => {
  const dir = tmp('foreign');
  fs.writeFileSync(path.join(dir, 'precious'), 'x');
  const err = t.throws(() => simInit(dir));
  t.true(isVsError(err, 'SIM'));
  t.regex(err!.message, /not empty and is not a simulated host/);
});

test('seedSimHost writes configs and running state for many guests through the same code', (t) => {
  const dir = tmp('seed');
  const guests: GuestSpec[] = Array.from({ length: 40 }, (_, i) => ({
    name: `s${i}`,
    context: 2000 + i,
    nodename: `s${i}.example`,
    domainname: 'example',
    runState: i % 2 === 0 ? 'running' : 'stopped',
    startOnBoot: true,
    initStyle: 'sysv',
    interfaces: [{ name: '0', device: null, address: `10.4.0.${i + 1}`, family: 4, prefix: 32 }],
    flags: ['virt_mem'],
    bcaps: ['~SYS_ADMIN'],
    ccaps: [],
    limits: { nproc: { soft: 100, hard: 200 }, nofile: { soft: 'inf', hard: 'inf' } },
    cgroup: { cpuShares: 256, memoryLimit: 1 << 28 },
    disk: { directory: `/vservers/s${i}`, spaceKiB: 1000, inodes: 100, reservedPercent: 5 },
    fstab: [],
  }));
  const h = seedSimHost(dir, guests);
  t.is(fs.readdirSync(path.join(dir, 'proc/virtual')).filter((e) => /^\d+$/.test(e)).length, 20);
  const st = fs.readFileSync(path.join(dir, 'proc/virtual/2000/status'), 'utf8');
  t.regex(st, /^Tasks:\t2\nFlags:\t0000001602030010\n/m);
  t.regex(fs.readFileSync(path.join(dir, 'proc/virtual/2000/limit'), 'utf8'), /^PROC:.*\t     100\/     200\t/m);
  t.regex(fs.readFileSync(path.join(dir, 'proc/virtual/2000/nsproxy'), 'utf8'), /^NodeName:\ts0\.example\nRelease:.*\nVersion:.*\nMachine:.*\nDomainName:\texample$/m);
  t.is(fs.readFileSync(path.join(dir, 'dev/cgroup/s0/cpu.shares'), 'utf8'), '256\n');
  t.is(fs.readFileSync(path.join(dir, 'etc/vservers/s1/rlimits/nofile'), 'utf8'), 'inf\n');
  t.is(run(h, 'vserver', ['s0', 'status']).code, 0);
  t.is(run(h, 'vserver', ['s1', 'status']).code, 3);
  t.is(run(h, 'vserver', ['s1', 'start']).code, 0);
  t.is(run(h, 'vdlimit', ['--xid', '2000', '/vservers/s0']).out.split('\n')[2], 'space_total=1000');
});
