import test from 'ava';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultHostName, renderObserveTable } from '../../src/cli/observe.js';
import type { ObservedHost } from '../../src/model/guest.js';
import { simHostPaths } from '../../src/providers/vserver/host-paths.js';

const spec = {
  context: 1001,
  nodename: 'guest1',
  runState: 'running' as const,
  startOnBoot: false,
  initStyle: 'plain' as const,
  flags: [],
  bcaps: [],
  ccaps: [],
  limits: {},
  cgroup: {},
  fstab: [],
};

const host: ObservedHost = {
  hostName: 'h1',
  vciVersion: '0002:0308',
  guests: [
    {
      spec: {
        ...spec,
        name: 'guest1',
        interfaces: [
          { name: '0', device: 'dummy0', address: '192.168.77.11', family: 4, prefix: 24 },
          { name: '1', device: null, address: '10.77.0.11', family: 4, prefix: 32 },
        ],
      },
      running: true,
      runtime: { xid: 1001, tasks: 2, initPid: 370, flagsHex: '', bcapsHex: '', ccapsHex: '', limits: {}, addresses: [] },
      managed: true,
      staleRunFile: false,
      configDigest: 'x',
    },
    {
      spec: { ...spec, name: 'stale', context: 1005, runState: 'stopped', interfaces: [] },
      running: false,
      managed: false,
      staleRunFile: true,
      configDigest: 'y',
      problems: [{ file: '/etc/vservers/stale/run', line: 0, column: 0, path: '', message: 'stale run file: context 1005 is not running' }],
    },
  ],
  unmanagedContexts: [{ xid: 42, tasks: 1 }],
  digest: 'z',
};

test('table: one row per guest, unmanaged contexts, problems', (t) => {
  const out = renderObserveTable(host);
  const lines = out.split('\n');
  t.is(lines[0], 'host h1 (VCI 0002:0308): 2 guest(s), 1 running');
  t.regex(lines[1]!, /^NAME\s+CTX\s+STATE\s+TASKS\s+MANAGED\s+INTERFACES\s+NOTES$/);
  t.regex(lines[2]!, /^guest1\s+1001\s+running\s+2\s+yes\s+192\.168\.77\.11\/24@dummy0,10\.77\.0\.11\/32$/);
  t.regex(lines[3]!, /^stale\s+1005\s+stopped\s+-\s+no\s+-\s+stale run file; 1 problem$/);
  t.true(out.includes('unmanaged contexts'));
  t.regex(out, /\n42\s+1\n/);
  t.true(out.includes('  /etc/vservers/stale/run: stale run file: context 1005 is not running'));
});

test('--host-name default: sim DIR/etc/hostname, else the machine name', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-cli-'));
  t.is(await defaultHostName(simHostPaths(dir)), os.hostname());
  await fs.mkdir(path.join(dir, 'etc'));
  await fs.writeFile(path.join(dir, 'etc/hostname'), 'simhost\n');
  t.is(await defaultHostName(simHostPaths(dir)), 'simhost');
});

test('observe lists what the model does not carry, marking what spec.files cannot carry (issue 10)', (t) => {
  const g = host.guests[0]!;
  const withExtra: ObservedHost = {
    ...host,
    guests: [{ ...g, spec: { ...g.spec, files: { 'scripts/pre-start': '#!/bin/sh\n' } }, unmodelled: ['motd.ansi', 'scripts/pre-start'] }],
  };
  const text = renderObserveTable(withExtra);
  t.regex(text, /not modelled \(kept as is by apply, not managed, unless a manifest carries the file in spec\.files; \* = cannot be carried\):\n {2}guest1: motd\.ansi\*, scripts\/pre-start\n/);
  t.notRegex(renderObserveTable(host), /not modelled/);
});
