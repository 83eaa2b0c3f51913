/**
 * Issue 10 (initx): how a change of the apps/init extras, depends, sysctl,
 * cgroup files, fstab.remote and scripts/* hooks takes effect, one table row
 * per field; unset means "not managed" and `[]` equals "no file".
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { GuestSpec } from '../../src/model/guest.js';
import { HOOK_NOTE, planHost } from '../../src/reconciler/plan.js';
import type { ChangeEffect, Plan, PlannedAction } from '../../src/reconciler/types.js';
import { renderPlanText } from '../../src/reconciler/render.js';
import { host, type StateBuilder } from '../helpers/state-builder.js';

const plan = (b: StateBuilder): Plan => planHost(b.build());
const only = (t: ExecutionContext, p: Plan): PlannedAction => {
  t.is(p.actions.length, 1, JSON.stringify(p.actions.map((a) => [a.kind, a.guest])));
  return p.actions[0]!;
};

interface Case {
  title: string;
  base?: Partial<GuestSpec>;
  change: Partial<GuestSpec>;
  path: string;
  running: ChangeEffect;
}

const hook = (content: string, executable = true) => ({ content, executable });
const CASES: Case[] = [
  // _generateInitOptions reads apps/init at start and stop (UV scripts/vserver.functions:288-408), like init.style
  { title: 'init runlevel', base: { initExtra: { runlevel: '3' } }, change: { initExtra: { runlevel: '2' } }, path: 'initExtra.runlevel', running: 'restart' },
  { title: 'init cmd.start added', change: { initExtra: { cmdStart: ['/etc/init.d/app', 'start'] } }, path: 'initExtra.cmdStart', running: 'restart' },
  { title: 'init killseq', base: { initExtra: { killSequence: ['15', '5', '9'] } }, change: { initExtra: { killSequence: ['15', '30', '9'] } }, path: 'initExtra.killSequence', running: 'restart' },
  // start-vservers reads depends at boot only (UV scripts/start-vservers:164-193)
  { title: 'depends', base: { depends: ['db'] }, change: { depends: ['db', 'auth'] }, path: 'depends', running: 'config' },
  // vsysctl runs in the start's exec chain only (UV scripts/vserver.start:155)
  { title: 'sysctl value', base: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '0' }] }, change: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }] }, path: 'sysctl[0]', running: 'restart' },
  { title: 'sysctl entry added', base: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }] }, change: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }, { name: '1', setting: 'kernel.shmmax', value: '1024' }] }, path: 'sysctl[1]', running: 'restart' },
  // written into the running guest's cgroup like the six CgroupSpec files
  { title: 'cgroup file', base: { cgroupFiles: { 'memory.memsw.limit_in_bytes': '1G' } }, change: { cgroupFiles: { 'memory.memsw.limit_in_bytes': '2G' } }, path: 'cgroupFiles[memory.memsw.limit_in_bytes]', running: 'live' },
  // mountVserver mounts fstab.remote at start (UV scripts/vserver.functions:1013)
  { title: 'fstab.remote', change: { fstabRemote: [{ device: 'nfs:/x', mountpoint: '/srv', type: 'nfs', options: 'ro', dump: 0, pass: 0 }] }, path: 'fstabRemote', running: 'restart' },
  // execScriptlets runs hooks at the next start/stop (UV scripts/vserver.functions:1195-1217)
  { title: 'hook content', base: { scripts: { 'pre-start': hook('#!/bin/sh\n') } }, change: { scripts: { 'pre-start': hook('#!/bin/sh\nlogger x\n') } }, path: 'scripts[pre-start]', running: 'config' },
  { title: 'hook mode (sourced instead of run)', base: { scripts: { 'pre-start': hook('x\n') } }, change: { scripts: { 'pre-start': hook('x\n', false) } }, path: 'scripts[pre-start]', running: 'config' },
];

for (const c of CASES) {
  test(`running guest: ${c.title} is exactly one change, ${c.running}`, (t) => {
    const a = only(t, plan(host().guest('web', (g) => (c.base ? g.all(c.base).desired(c.change) : g.desired(c.change)))));
    t.is(a.kind, 'update');
    t.deepEqual(a.changes.map((x) => [x.path, x.effect]), [[c.path, c.running]]);
    t.is(a.restart, c.running === 'restart');
    t.is(a.changes[0]!.note, c.path.startsWith('scripts[') ? HOOK_NOTE : undefined);
  });
  test(`stopped guest: ${c.title} is config only`, (t) => {
    const a = only(t, plan(host().guest('web', (g) => {
      g.all({ runState: 'stopped' });
      if (c.base) g.all(c.base);
      g.desired(c.change);
    })));
    t.deepEqual(a.changes.map((x) => [x.path, x.effect]), [[c.path, 'config']]);
    t.false(a.restart);
  });
}

const NO_CHANGE: [string, Partial<GuestSpec>, Partial<GuestSpec>][] = [
  ['a field left out is not managed, whatever the host has', { initExtra: { cmdStart: ['/x'] }, depends: ['db'], sysctl: [{ name: '0', setting: 'a.b', value: '1' }], cgroupFiles: { 'blkio.weight': '5' }, fstabRemote: [], scripts: { 'pre-start': hook('x\n') } }, {}],
  ['[] equals a host without the file (init lists, depends, fstabRemote, sysctl)', {}, { initExtra: { cmdStart: [], killSequence: [] }, depends: [], fstabRemote: [], sysctl: [] }],
  ['a cgroup file or hook the manifest leaves out is not managed', { cgroupFiles: { 'blkio.weight': '5', 'cpu.rt_runtime_us': '0' }, scripts: { 'pre-start': hook('a\n'), 'post-stop': hook('b\n') } }, { cgroupFiles: { 'blkio.weight': '5' }, scripts: { 'pre-start': hook('a\n') } }],
];
for (const [title, observed, desired] of NO_CHANGE) {
  test(`no change: ${title}`, (t) => {
    const p = plan(host().guest('web', (g) => g.observed(observed).desired(desired)));
    t.deepEqual(p.actions, []);
  });
}

test('plan text: manifest names, sysctl as setting = value, a hook change marked as a host-root script change', (t) => {
  const p = plan(host().guest('web', (g) =>
    g.all({ sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '0' }], scripts: { 'post-start': hook('old\n') } }).desired({
      initExtra: { cmdStop: ['/etc/init.d/app', 'stop'] },
      sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }],
      scripts: { 'post-start': hook('#!/bin/sh\nnew\n', false) },
    }),
  ));
  const text = renderPlanText(p);
  t.regex(text, /init\.cmd\.stop: \(none\) -> \[\/etc\/init\.d\/app, stop\] \(restart\)/);
  t.regex(text, /sysctl\[0\]: net\.ipv4\.ip_forward = "?0"? -> net\.ipv4\.ip_forward = "?1"?/);
  t.regex(text, /scripts\[post-start\]: 4 bytes, 1 line, "old" -> 14 bytes, 2 lines, "#!\/bin\/sh" …, sourced \(mode 0644\) \(config only\)/);
  t.regex(text, /note: host-root script change/);
});
