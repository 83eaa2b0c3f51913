/**
 * Golden files: the text and Markdown of a plan that touches every field of the manifest, made by
 * the real planner. Field names and units are the manifest's (memory.limit: 1Gi -> 2Gi,
 * capabilities.system), each guest shows its manifest file:line, no JSON in create blocks.
 * Regenerate after a deliberate change with UPDATE_GOLDEN=1 and review the diff.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planHost } from '../../src/reconciler/plan.js';
import { renderPlanMarkdown, renderPlanText } from '../../src/reconciler/render.js';
import type { Plan } from '../../src/reconciler/types.js';
import { host } from '../helpers/state-builder.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/golden/', import.meta.url));

export function everyFieldPlan(): Plan {
  const b = host()
    .guest('web', (g) =>
      g
        .all((s) => {
          s.domainname = 'example.org';
          s.limits = { nproc: { soft: 200, hard: 300 }, nofile: { soft: 4096, hard: 4096 } };
          s.cgroup = { memoryLimit: 2 ** 30, cpuShares: 1024, cpuQuotaUs: 50000, cpuPeriodUs: 100000, cpusetCpus: '0-1', cpusetMems: '0' };
          s.disk = { directory: '/vservers/web', spaceKiB: 10 * 2 ** 20, inodes: 200000, reservedPercent: 5 };
          // issue 10 (adopt): what the host had
          s.bootMarks = ['web'];
          s.utsExtra = { release: '4.9.0-vs' };
          s.files = { 'apps/init/depends': 'db\n' };
        })
        .desired((s) => {
          s.nodename = 'www.example.org';
          s.domainname = 'example.net';
          s.startOnBoot = false;
          s.initStyle = 'plain';
          s.interfaces = [...s.interfaces, { name: '1', device: null, address: '10.0.0.10', family: 4, prefix: 8 }];
          s.flags = ['virt_mem', 'virt_uptime'];
          s.bcaps = ['NET_BIND_SERVICE', '~SYS_CHROOT'];
          s.ccaps = ['secure_mount'];
          s.limits = { nproc: { soft: 200, hard: 400 }, nofile: { soft: 8192, hard: 8192 }, locks: { soft: 100, hard: 100 } };
          s.cgroup = { memoryLimit: 2 * 2 ** 30, cpuShares: 512, cpuQuotaUs: 25000, cpuPeriodUs: 200000, cpusetCpus: '2-3', cpusetMems: '1' };
          s.disk = { directory: '/vservers/web', spaceKiB: 20 * 2 ** 20, inodes: 400000, reservedPercent: 10 };
          s.fstab = [...s.fstab, { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=64m,mode=1777', dump: 0, pass: 0 }];
          // issue 10 (adopt) fields
          s.bootMarks = ['web', 'db'];
          s.nflags = ['hide_netif'];
          s.ncaps = ['~raw_icmp'];
          s.utsExtra = { release: '2.6.32-vs', machine: 'i686' };
          s.nice = 5;
          s.ionice = { class: '2', priority: 4 };
          s.personality = { type: 'linux32', flags: ['short_inode'] };
          s.files = { 'apps/init/depends': 'db\nmail\n', 'scripts/pre-start': '#!/bin/sh\nlogger start\n' };
          // issue 10 (iface) fields
          s.interfaces[0]!.broadcast = '192.0.2.127';
          s.interfaces[0]!.scope = 'global';
          s.interfaces = [...s.interfaces, { name: '2', device: 'tun0', address: '10.1.0.1', family: 4, prefix: 32, peer: '10.1.0.2', tun: true, disabled: true }];
          s.network = { loopback: '127.0.1.1', vlandev: true };
        }), 1001)
    .newGuest('new', (g) =>
      g
        .desired((s) => {
          s.domainname = 'example.org';
          s.flags = ['virt_mem'];
          s.bcaps = ['NET_BIND_SERVICE'];
          s.ccaps = ['secure_mount'];
          s.limits = { nproc: { soft: 100, hard: 200 } };
          s.cgroup = { memoryLimit: 512 * 2 ** 20, cpuShares: 256 };
          s.disk = { directory: '/vservers/new', spaceKiB: 2 ** 20, inodes: 1000, reservedPercent: 5 };
          s.initStyle = 'plain';
          s.utsExtra = { machine: 'i686' };
          s.nice = -2;
          s.files = { 'scripts/post-start': 'echo started\n' };
        })
        .build({ method: 'debootstrap', distribution: 'bookworm' }), 1002)
    .guest('moved', (g) => g.desired({ context: 1103 }), 1003)
    .guest('old', (g) => g.notInGit(), 1004)
    .guest('halt', (g) => g.desired({ runState: 'stopped' }), 1005)
    .guest('wake', (g) => g.stopped().desired({ runState: 'running' }), 1006)
    .foreignGuest('legacy', undefined, 1007);
  return planHost(b.build());
}

function golden(t: import('ava').ExecutionContext, name: string, actual: string): void {
  const file = path.join(dir, name);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, actual);
  t.is(actual, fs.readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

test('plan text touching every field matches the golden file', (t) => {
  const text = renderPlanText(everyFieldPlan());
  golden(t, 'plan-every-field.txt', text);
  t.regex(text, /memory\.limit: 1Gi -> 2Gi/);
  t.regex(text, /capabilities\.system: /);
  // issue 10 fields in the manifest's terms
  t.regex(text, /uts\.release: "4\.9\.0-vs" -> "2\.6\.32-vs" \(live\)/);
  t.regex(text, /bootMarks: \[web\] -> \[web, db\] \(config only\)/);
  t.regex(text, /files\[scripts\/pre-start\]: \(none\) -> 23 bytes, 2 lines, "#!\/bin\/sh" … \(config only\)/);
  t.notRegex(text, /utsExtra/);
  t.notRegex(text, /cgroup\.|bcaps|ccaps|memoryLimit|spaceKiB|[{}]/, 'no model names, no JSON');
  t.regex(text, /~ {3}update web at guests\/web\.yaml:1/);
  t.false(text.includes('\u001b['), 'no colour unless asked');
});

test('plan Markdown touching every field matches the golden file', (t) => {
  golden(t, 'plan-every-field.md', renderPlanMarkdown(everyFieldPlan()));
});

test('colour marks the symbols only when asked', (t) => {
  const text = renderPlanText(everyFieldPlan(), { color: true });
  t.regex(text, /\u001b\[33m~ {2}\u001b\[0m update web/);
  t.regex(text, /\u001b\[32m\+ {2}\u001b\[0m create new/);
  t.is(text.replace(/\u001b\[[0-9;]*m/g, ''), renderPlanText(everyFieldPlan()));
});
