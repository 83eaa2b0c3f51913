import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRunningBuild, isBuildOf } from '../../../src/providers/vserver/build-scan.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';

const cases: [string, string[], string | undefined, boolean][] = [
  ['vserver NAME build (any vserver on a real host)', ['/bin/bash', '/usr/sbin/vserver', 'web', 'build', '-m', 'skeleton'], undefined, true],
  ['global options before the name', ['/usr/sbin/vserver', '--silent', '--debug', '--', 'web', 'build'], undefined, true],
  ['vserver-build -n NAME after the exec (UV scripts/vserver:162-163)', ['/bin/bash', '/usr/lib/util-vserver/vserver-build', '--debug', '-n', 'web', '-m', 'debootstrap'], undefined, true],
  ['another guest', ['/usr/sbin/vserver', 'web2', 'build'], undefined, false],
  ['another command', ['/usr/sbin/vserver', 'web', 'start'], undefined, false],
  ['a simulated host: only its own shim counts', ['/bin/sh', '/tmp/other-sim/bin/vserver', 'web', 'build'], '/tmp/sim/bin/vserver', false],
  ['a simulated host: its shim', ['/bin/sh', '/tmp/sim/bin/vserver', 'web', 'build'], '/tmp/sim/bin/vserver', true],
];
for (const [title, argv, vserver, want] of cases) {
  test(`isBuildOf: ${title}`, (t) => t.is(isBuildOf(argv, 'web', vserver), want));
}

test('findRunningBuild scans PID/cmdline under the proc root, skipping unreadable and foreign entries', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-proc-'));
  const paths = simHostPaths(path.join(root, 'sim'));
  const add = (pid: string, argv: string[] | null) => {
    fs.mkdirSync(path.join(root, pid));
    if (argv) fs.writeFileSync(path.join(root, pid, 'cmdline'), argv.join('\0') + '\0');
  };
  add('10', ['/bin/sh', path.join(paths.binDir!, 'vserver'), 'db', 'build']);
  add('11', null);
  add('self', ['x']);
  t.is(await findRunningBuild(paths, 'web', root), undefined);
  add('12', ['/bin/sh', path.join(paths.binDir!, 'vserver'), 'web', 'build', '-m', 'skeleton']);
  t.is(await findRunningBuild(paths, 'web', root), 12);
});
