import test from 'ava';
import type { GuestSpec } from '../../src/model/guest.js';
import { diffRuntime } from '../../src/reconciler/runtime-diff.js';
import { hex16 } from '../../src/model/names.js';
import { baseSpec, runtimeFor } from '../helpers/state-builder.js';

test('a context started from its spec has no runtime drift', (t) => {
  const s = baseSpec('web', 1001);
  s.flags = ['virt_mem', '~hide_netif', 'default'];
  s.bcaps = ['~NET_BIND_SERVICE', 'SYS_ADMIN'];
  s.ccaps = ['~raw_icmp'];
  s.limits = { nproc: { soft: 100, hard: 200 }, nofile: { soft: 'inf', hard: 4096 } };
  s.domainname = 'example.org';
  t.deepEqual(diffRuntime(s, runtimeFor(s)), []);
});

test('soft is compared after the kernel clamps it to hard', (t) => {
  const s = baseSpec('web', 1001);
  s.limits = { nofile: { soft: 'inf', hard: 4096 } };
  const r = runtimeFor(s);
  r.limits.nofile = { soft: 4096, hard: 4096 };
  t.deepEqual(diffRuntime(s, r), []);
  r.limits.nofile = { soft: 'inf', hard: 4096 };
  t.deepEqual(diffRuntime(s, r).map((d) => [d.path, d.before, d.after]), [['runtime.limits.nofile.soft', 'inf', 4096]]);
});

test('a pseudo flag needs all of its bits: partly set is drift', (t) => {
  const s = baseSpec('web', 1001);
  s.flags = ['default'];
  const r = runtimeFor(s);
  r.flagsHex = hex16(BigInt('0x' + r.flagsHex) & ~(1n << 36n));
  t.deepEqual(diffRuntime(s, r).map((d) => [d.path, d.before, d.after]), [['runtime.flags.default', 'partly set', 'set']]);
});

test('limits the kernel does not report and unknown UTS values are skipped', (t) => {
  const s = baseSpec('web', 1001);
  s.limits = { dentry: { soft: 1, hard: 1 } };
  s.domainname = 'a';
  const r = runtimeFor(s);
  delete r.limits.dentry;
  delete r.nodename;
  delete r.domainname;
  t.deepEqual(diffRuntime(s, r), []);
});

test('numeric bit tokens are checked too', (t) => {
  const s = baseSpec('web', 1001);
  s.flags = ['^40'];
  const r = runtimeFor(s);
  t.deepEqual(diffRuntime(s, r), []);
  r.flagsHex = hex16(BigInt('0x' + r.flagsHex) & ~(1n << 40n));
  t.deepEqual(diffRuntime(s, r).map((d) => d.path), ['runtime.flags.^40']);
});

test('a context running at another id than desired is drift', (t) => {
  const s = baseSpec('web', 1001);
  const r = runtimeFor(s);
  r.xid = 1005;
  t.deepEqual(diffRuntime(s, r), [{ path: 'runtime.context', field: 'context', before: 1005, after: 1001 }]);
});

const CGROUP_CASES: { title: string; want: GuestSpec['cgroup']; live: GuestSpec['cgroup'] | undefined; drift: unknown[][] }[] = [
  { title: 'equal values', want: { cpuShares: 512, cpuQuotaUs: -1 }, live: { cpuShares: 512, cpuQuotaUs: -1, cpuPeriodUs: 100000 }, drift: [] },
  { title: 'a changed value', want: { cpuShares: 512 }, live: { cpuShares: 999 }, drift: [['runtime.cgroup.cpuShares', 999, 512]] },
  { title: 'memory rounded to pages either way', want: { memoryLimit: 1000000 }, live: { memoryLimit: 999424 }, drift: [] },
  { title: 'memory rounded up', want: { memoryLimit: 1000000 }, live: { memoryLimit: 1003520 }, drift: [] },
  { title: 'memory off by more than a page', want: { memoryLimit: 1000000 }, live: { memoryLimit: 2000000 }, drift: [['runtime.cgroup.memoryLimit', 2000000, 1000000]] },
  { title: 'unlimited memory reads as a huge number', want: { memoryLimit: -1 }, live: { memoryLimit: 9223372036854771712 }, drift: [] },
  { title: 'unlimited memory wanted, a limit live', want: { memoryLimit: -1 }, live: { memoryLimit: 4096 }, drift: [['runtime.cgroup.memoryLimit', 4096, -1]] },
  { title: 'cpu lists compare as sets', want: { cpusetCpus: '0,1,2,5', cpusetMems: '0' }, live: { cpusetCpus: '0-2,5', cpusetMems: '0' }, drift: [] },
  { title: 'a different cpu list', want: { cpusetCpus: '0-1' }, live: { cpusetCpus: '0-3' }, drift: [['runtime.cgroup.cpusetCpus', '0-3', '0-1']] },
  { title: 'files the live cgroup lacks and values the spec does not set are skipped', want: { cpuShares: 512 }, live: { memoryLimit: 1 }, drift: [] },
  { title: 'no live cgroup at all', want: { cpuShares: 512 }, live: undefined, drift: [] },
];

for (const c of CGROUP_CASES) {
  test(`cgroup runtime drift: ${c.title}`, (t) => {
    const s = baseSpec('web', 1001);
    s.cgroup = c.want;
    const r = runtimeFor(s);
    if (c.live) r.cgroup = c.live;
    t.deepEqual(diffRuntime(s, r).map((d) => [d.path, d.before, d.after]), c.drift);
  });
}
