import test from 'ava';
import { diffBuild, diffSpec, effectFor, pathsOverlap, RUNNING_EFFECT } from '../../src/reconciler/diff.js';
import type { GuestSpec } from '../../src/model/guest.js';
import { baseSpec } from '../helpers/state-builder.js';

const spec = (edit?: (s: GuestSpec) => void): GuestSpec => {
  const s = baseSpec('web', 1001);
  edit?.(s);
  return s;
};
const tmp = { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m', dump: 0, pass: 0 };

test('identical specs have no differences', (t) => {
  t.deepEqual(diffSpec(spec(), spec()), []);
});

test('name and run state are not compared', (t) => {
  t.deepEqual(diffSpec(spec(), spec((s) => { s.name = 'other'; s.runState = 'stopped'; })), []);
});

test('paths follow a fixed field order', (t) => {
  const d = diffSpec(spec(), spec((s) => {
    s.fstab.push(tmp);
    s.cgroup.cpuShares = 10;
    s.nodename = 'n';
    s.context = 5;
    s.flags = ['lock'];
  }));
  t.deepEqual(d.map((x) => x.path), ['context', 'nodename', 'flags', 'cgroup.cpuShares', 'fstab[/tmp]']);
});

test('a limit min is compared only when the desired spec sets it', (t) => {
  const before = spec((s) => { s.limits.nproc = { soft: 1, hard: 2, min: 1 }; });
  t.deepEqual(diffSpec(before, spec((s) => { s.limits.nproc = { soft: 1, hard: 2 }; })), []);
  t.deepEqual(diffSpec(before, spec((s) => { s.limits.nproc = { soft: 1, hard: 2, min: 0 }; })).map((x) => [x.path, x.before, x.after]), [['limits.nproc.min', 1, 0]]);
});

test('interfaces are keyed by name: field changes, additions and removals', (t) => {
  const before = spec((s) => { s.interfaces.push({ name: 'x', device: 'eth1', address: '10.0.0.1', family: 4, prefix: 8 }); });
  const after = spec((s) => {
    s.interfaces[0]!.label = 'web';
    s.interfaces.push({ name: 'y', device: null, address: '10.0.0.2', family: 4, prefix: 8 });
  });
  t.deepEqual(diffSpec(before, after).map((x) => [x.path, x.before === undefined, x.after === undefined]), [
    ['interfaces[0].label', true, false],
    ['interfaces[x]', false, true],
    ['interfaces[y]', true, false],
  ]);
});

test('fstab: the same entries in another order are one whole-list change', (t) => {
  const a = spec((s) => { s.fstab.push(tmp); });
  const b = spec((s) => { s.fstab.unshift(tmp); });
  t.deepEqual(diffSpec(a, b).map((x) => x.path), ['fstab']);
});

test('fstab: duplicate mount points fall back to the whole list', (t) => {
  const a = spec((s) => { s.fstab.push(tmp, { ...tmp, options: 'size=1m' }); });
  t.deepEqual(diffSpec(a, spec()).map((x) => x.path), ['fstab']);
});

test('disk: added as a whole, then per field', (t) => {
  const disk = { directory: '/v', spaceKiB: 1, inodes: 2, reservedPercent: 5 };
  t.deepEqual(diffSpec(spec(), spec((s) => { s.disk = disk; })).map((x) => x.path), ['disk']);
  t.deepEqual(diffSpec(spec((s) => { s.disk = disk; }), spec((s) => { s.disk = { ...disk, inodes: 3 }; })).map((x) => x.path), ['disk.inodes']);
});

test('assign writes a difference back: applying every `after` turns before into after', (t) => {
  const before = spec((s) => {
    s.limits.nproc = { soft: 1, hard: 2 };
    s.interfaces.push({ name: 'x', device: 'eth1', address: '10.0.0.1', family: 4, prefix: 8 });
    s.disk = { directory: '/v', spaceKiB: 1, inodes: 2, reservedPercent: 5 };
  });
  const after = spec((s) => {
    s.limits.nproc = { soft: 1, hard: 3 };
    s.limits.nofile = { soft: 5, hard: 5 };
    s.interfaces[0]!.address = '10.9.9.9';
    s.fstab.push(tmp);
    s.cgroup.memoryLimit = 1024;
    s.domainname = 'example.org';
    s.bcaps = ['~SYS_ADMIN'];
  });
  const target = structuredClone(before);
  for (const d of diffSpec(before, after)) d.assign(target, d.after);
  t.deepEqual(diffSpec(target, after), []);
  // and every `before` reverses it
  for (const d of diffSpec(before, after)) d.assign(target, d.before);
  t.deepEqual(diffSpec(target, before), []);
});

test('build differences', (t) => {
  t.deepEqual(diffBuild({ method: 'skeleton' }, { method: 'template', templates: ['a.tar'] }).map((x) => [x.path, x.field]), [
    ['build.method', 'build'],
    ['build.templates', 'build'],
  ]);
  t.deepEqual(diffBuild({ method: 'skeleton', extraArgs: ['a'] }, { method: 'skeleton', extraArgs: ['a'] }), []);
});

test('effects: running guests per §7.10, stopped guests config only, build never', (t) => {
  t.is(effectFor('limits', true), 'live');
  t.is(effectFor('interfaces', true), 'restart');
  t.is(effectFor('startOnBoot', true), 'config');
  t.is(effectFor('interfaces', false), 'config');
  t.is(effectFor('build', true), 'none');
  t.is(effectFor('build', false), 'none');
  t.deepEqual(
    Object.entries(RUNNING_EFFECT).filter(([, e]) => e === 'restart').map(([f]) => f).sort(),
    // issue 10: nice, ionice and personality are start-time only (reference §7.10); nflags/ncaps change
    // live through nattribute (issue 10, iface); spec.network (interfaces/{bcast,lback,…}) is read by
    // chbind/enableInterfaces at start
    // issue 10 (initx): apps/init extras, sysctl and fstab.remote are read at start only (UV scripts/vserver.start:113-155)
    ['context', 'fstab', 'fstabRemote', 'initExtra', 'initStyle', 'interfaces', 'ionice', 'network', 'nice', 'personality', 'sysctl'],
  );
});

const OVERLAP: [string, string, boolean][] = [
  ['limits.nproc', 'limits.nproc.hard', true],
  ['limits.nproc.hard', 'limits.nproc', true],
  ['limits.nproc', 'limits.nprocx', false],
  ['interfaces', 'interfaces[0].address', true],
  ['flags', 'flags.virt_mem', true],
  ['flags', 'flags', true],
  ['nodename', 'domainname', false],
];
for (const [a, b, want] of OVERLAP) {
  test(`pathsOverlap(${a}, ${b}) = ${want}`, (t) => {
    t.is(pathsOverlap(a, b), want);
  });
}
