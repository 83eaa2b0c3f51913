/** Issue 10 (initx): the simulated `vserver NAME start` reads sysctl/ the way vsysctl does (UV src/vsysctl.c). */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { GUEST1_EXTRA, run, tmpHost, writeFiles } from './helpers.js';
import type { SimHost } from '../../src/sim/store.js';
import { readSysctlDir } from '../../src/sim/vserver/start.js';

const cfg = (h: SimHost, name: string) => path.join(h.paths.etcVservers, name);
function guest(h: SimHost, name: string, xid: number, extra: Record<string, string>): void {
  const b = run(h, 'vserver', [name, 'build', '-m', 'skeleton', '--context', String(xid), '--hostname', name, '--initstyle', 'plain']);
  if (b.code !== 0) throw new Error(b.err);
  writeFiles(cfg(h, name), { ...GUEST1_EXTRA, ...extra });
}

test('vsysctl: dots become slashes, the setting is cut at its newline, the value is written as it is; dot entries are skipped (UV src/vsysctl.c:116-126, 166-167)', (t) => {
  const h = tmpHost();
  guest(h, 'ok', 1101, { 'sysctl/0/setting': 'net.ipv4.ip_forward\nignored\n', 'sysctl/0/value': '1\n', 'sysctl/.svn/entries': 'x\n' });
  t.deepEqual(readSysctlDir(path.join(cfg(h, 'ok'), 'sysctl')), [{ path: 'net/ipv4/ip_forward', value: '1\n' }]);
  t.is(run(h, 'vserver', ['ok', 'start']).code, 0);
});

const FAILS: [string, Record<string, string>, RegExp][] = [
  ['an entry without value (EopenD, UV src/vsysctl.c:100-103)', { 'sysctl/0/setting': 'kernel.shmmax\n' }, /^vsysctl: open\(.*\/sysctl\/0\/value\): No such file or directory\n/],
  ['a value of 128 bytes or more (EOVERFLOW, UV src/vsysctl.c:104-108)', { 'sysctl/0/setting': 'kernel.core_pattern\n', 'sysctl/0/value': 'x'.repeat(128) }, /^vsysctl: read\(\): Value too large/],
  ['a CR in the setting (CRLF file): no such /proc/sys file', { 'sysctl/0/setting': 'net.ipv4.ip_forward\r\n', 'sysctl/0/value': '1\n' }, /^vsysctl: open\(net\/ipv4\/ip_forward\r\): No such file or directory\n/],
];
for (const [title, files, re] of FAILS) {
  test(`vsysctl fails the start: ${title}`, (t) => {
    const h = tmpHost();
    guest(h, 'bad', 1102, files);
    const r = run(h, 'vserver', ['bad', 'start']);
    t.is(r.code, 1);
    t.regex(r.err, re);
    t.false(fs.existsSync(path.join(h.paths.etcVservers, 'bad/run')), 'not started');
  });
}
