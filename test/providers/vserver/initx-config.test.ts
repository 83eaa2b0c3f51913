/**
 * Issue 10 (initx): apps/init extras, depends, sysctl, cgroup files,
 * fstab.remote and scripts/* hooks, read exactly as util-vserver reads them
 * (linux-vserver/util-vserver @ c0e96369, "UV"). Each case names the
 * util-vserver source it checks. A file util-vserver reads differently from
 * what the model holds is reported and stays unmodelled (carried in
 * spec.files), never silently "fixed".
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GuestSpec } from '../../../src/model/guest.js';
import { parseGuestConfig, readGuestConfig, type ConfigTree } from '../../../src/providers/vserver/config-read.js';
import { fileArray } from '../../../src/providers/vserver/initx-config.js';
import { initxPaths } from '../../../src/model/initx-rules.js';
import { unmodelledEntries } from '../../../src/providers/vserver/unmodelled.js';

const DIR = '/etc/vservers/g';
function tree(files: Record<string, string>): ConfigTree {
  const t: ConfigTree = new Map();
  t.set('context', { kind: 'file', content: '1001\n' });
  for (const [rel, content] of Object.entries(files)) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (!t.has(parts.slice(0, i).join('/'))) t.set(parts.slice(0, i).join('/'), { kind: 'dir' });
    t.set(rel, { kind: 'file', content });
  }
  return t;
}
function read(files: Record<string, string>): { spec: GuestSpec; messages: string[]; unmodelled: string[]; carried: string[] } {
  const t = tree(files);
  const r = parseGuestConfig(DIR, t);
  return {
    spec: r.spec,
    messages: r.problems.map((p) => `${p.file.slice(DIR.length + 1)}: ${p.message}`),
    unmodelled: unmodelledEntries(t, initxPaths(r.spec)),
    carried: Object.keys(r.spec.files ?? {}),
  };
}

interface Case {
  title: string;
  files: Record<string, string>;
  /** the modelled fields expected (only the initx ones are compared) */
  want: Partial<GuestSpec>;
  /** a reported problem matching this, on that file */
  report?: RegExp;
}

const pick = (s: GuestSpec): Partial<GuestSpec> => {
  const out: Partial<GuestSpec> = {};
  for (const k of ['initExtra', 'depends', 'sysctl', 'cgroupFiles', 'fstabRemote', 'scripts'] as const) if (s[k] !== undefined) (out as Record<string, unknown>)[k] = s[k];
  return out;
};

const CASES: Case[] = [
  // getFileValue: `read` of the first line, blanks stripped (UV scripts/functions:743-753)
  { title: 'runlevel: first line, blanks stripped (getFileValue, UV scripts/functions:743-753)', files: { 'apps/init/runlevel': ' 3 \nignored\n' }, want: { initExtra: { runlevel: '3' } } },
  { title: 'runlevel.start and runlevel.stop are their own files (UV scripts/vserver.functions:307-309)', files: { 'apps/init/runlevel.start': 'default\n', 'apps/init/runlevel.stop': '0\n' }, want: { initExtra: { runlevelStart: 'default', runlevelStop: '0' } } },
  { title: 'runlevel without a final newline: read fails, the start stops under set -e; not modelled', files: { 'apps/init/runlevel': '3' }, want: {}, report: /^apps\/init\/runlevel: no final newline/ },
  { title: 'runlevel with a CR (CRLF file): the CR stays in the value; not modelled', files: { 'apps/init/runlevel': '3\r\n' }, want: {}, report: /CR of a CRLF file/ },
  { title: 'an empty runlevel is no value (test -n, UV scripts/vserver.functions:324)', files: { 'apps/init/runlevel': '\n' }, want: {} },
  // getFileArray: IFS=newline, $(< file) (UV scripts/functions:755-764)
  { title: 'cmd.start: one argv item per line (getFileArray, UV scripts/functions:755-764)', files: { 'apps/init/cmd.start': '/etc/init.d/app\nstart\n' }, want: { initExtra: { cmdStart: ['/etc/init.d/app', 'start'] } } },
  { title: 'cmd.start: blanks inside a line stay in the item, blank lines vanish', files: { 'apps/init/cmd.start': '\n/bin/sh\n-c\necho a  b\n\n' }, want: { initExtra: { cmdStart: ['/bin/sh', '-c', 'echo a  b'] } } },
  { title: 'cmd.stop: a last line without a final newline still counts ($(< file))', files: { 'apps/init/cmd.stop': '/etc/init.d/app\nstop' }, want: { initExtra: { cmdStop: ['/etc/init.d/app', 'stop'] } } },
  { title: 'cmd.prepare, cmd.start-sync, cmd.stop-sync (UV scripts/vserver.functions:390-394)', files: { 'apps/init/cmd.prepare': '/bin/true\n', 'apps/init/cmd.start-sync': '/bin/sync\n', 'apps/init/cmd.stop-sync': '/bin/sync\nstop\n' }, want: { initExtra: { cmdPrepare: ['/bin/true'], cmdStartSync: ['/bin/sync'], cmdStopSync: ['/bin/sync', 'stop'] } } },
  { title: 'cmd.start: getFileArray has no comments, a # line is an item; not modelled', files: { 'apps/init/cmd.start': '# my init\n/sbin/init\n' }, want: {}, report: /no comments/ },
  { title: 'cmd.start: a glob character is expanded by bash; not modelled', files: { 'apps/init/cmd.start': '/etc/rc.d/*\n' }, want: {}, report: /expands the glob/ },
  { title: 'cmd.start: CRLF leaves a CR in every item; not modelled', files: { 'apps/init/cmd.start': '/sbin/init\r\n' }, want: {}, report: /CR of a CRLF file/ },
  { title: 'cmd.start: an empty file replaces the style command by nothing; not modelled', files: { 'apps/init/cmd.start': '\n' }, want: {}, report: /no items/ },
  { title: 'killseq: signal, wait, signal, one per line (INITKILL_SEQ, UV scripts/vserver.functions:304-310)', files: { 'apps/init/killseq': '15\n10\n9\n' }, want: { initExtra: { killSequence: ['15', '10', '9'] } } },
  { title: 'killseq on one line is ONE item: vkill -s refuses it, no signal is sent (UV scripts/functions:840-846)', files: { 'apps/init/killseq': '15 10 9\n' }, want: {}, report: /one item: `vkill -s` refuses it/ },
  { title: 'environment: NAME=value items for env -i (UV scripts/vserver.functions:312-315)', files: { 'apps/init/environment': 'LANG=C\nTZ=Europe/Berlin\n' }, want: { initExtra: { environment: ['LANG=C', 'TZ=Europe/Berlin'] } } },
  // start-vservers: cat depends | while read dep (UV scripts/start-vservers:174-187)
  { title: 'depends: guest names, one per line (start-vservers, UV scripts/start-vservers:174-187)', files: { 'apps/init/depends': 'db\n\nauth\n' }, want: { depends: ['db', 'auth'] } },
  { title: 'depends: a last line without a newline is never read (while read); not modelled', files: { 'apps/init/depends': 'db\nauth' }, want: {}, report: /never passes it on/ },
  { title: 'depends: no comment syntax, "# x" is looked up as a guest; not modelled', files: { 'apps/init/depends': '# db first\ndb\n' }, want: {}, report: /not a guest name/ },
  // vsysctl (UV src/vsysctl.c:89-128, 157-170)
  { title: 'sysctl: setting and value per entry, entries by name (vsysctl, UV src/vsysctl.c:89-128)', files: { 'sysctl/0/setting': 'net.ipv4.ip_forward\n', 'sysctl/0/value': '1\n', 'sysctl/shm/setting': 'kernel.shmmax\n', 'sysctl/shm/value': '33554432\n' }, want: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }, { name: 'shm', setting: 'kernel.shmmax', value: '33554432' }] } },
  { title: 'sysctl: a value with TABs is written as it is', files: { 'sysctl/0/setting': 'net.ipv4.tcp_rmem\n', 'sysctl/0/value': '4096\t87380\t6291456\n' }, want: { sysctl: [{ name: '0', setting: 'net.ipv4.tcp_rmem', value: '4096\t87380\t6291456' }] } },
  { title: 'sysctl: a value without a final newline is written without one (same model value)', files: { 'sysctl/0/setting': 'net.ipv4.ip_forward', 'sysctl/0/value': '1' }, want: { sysctl: [{ name: '0', setting: 'net.ipv4.ip_forward', value: '1' }] } },
  { title: 'sysctl: dot names are skipped by the readdir loop (UV src/vsysctl.c:166-167)', files: { 'sysctl/.svn/entries': 'x\n', 'sysctl/0/setting': 'kernel.msgmni\n', 'sysctl/0/value': '64\n' }, want: { sysctl: [{ name: '0', setting: 'kernel.msgmni', value: '64' }] } },
  { title: 'sysctl: an entry without value fails vsysctl and the start; the whole sysctl/ stays unmodelled', files: { 'sysctl/0/setting': 'net.ipv4.ip_forward\n', 'sysctl/0/value': '1\n', 'sysctl/1/setting': 'kernel.shmmax\n' }, want: {}, report: /^sysctl\/1: no value file/ },
  { title: 'sysctl: a CR stays in the /proc/sys path vsysctl opens; not modelled', files: { 'sysctl/0/setting': 'net.ipv4.ip_forward\r\n', 'sysctl/0/value': '1\n' }, want: {}, report: /a CR stays in the path/ },
  { title: 'sysctl: 128 bytes or more overflow vsysctl\'s buffer (EOVERFLOW); not modelled', files: { 'sysctl/0/setting': 'kernel.core_pattern\n', 'sysctl/0/value': 'x'.repeat(130) + '\n' }, want: {}, report: /EOVERFLOW/ },
  // _handleCgroup: cat every file but the control names (UV scripts/vserver.functions:1603-1617)
  { title: 'cgroup files beyond the six: file -> value (UV scripts/vserver.functions:1603-1617)', files: { 'cgroup/memory.memsw.limit_in_bytes': '1G\n', 'cgroup/cpu.rt_runtime_us': '0\n', 'cgroup/memory.limit_in_bytes': '512M\n', 'cgroup/name': 'web\n' }, want: { cgroupFiles: { 'cpu.rt_runtime_us': '0', 'memory.memsw.limit_in_bytes': '1G' } } },
  { title: 'cgroup: a file that is no <subsystem>.<name> control file is reported, not modelled', files: { 'cgroup/README': 'notes\n', 'cgroup/blkio.weight': '500\n' }, want: { cgroupFiles: { 'blkio.weight': '500' } }, report: /^cgroup\/README: cgroup file README/ },
  // mountVserver: fstab.remote through chbind (UV scripts/vserver.functions:1013)
  { title: 'fstab.remote: fstab format, mounted through chbind (UV scripts/vserver.functions:995-1020)', files: { 'fstab.remote': '# nfs\nnfs:/export /srv nfs ro,hard 0 0\nnfs:/home\t/home\tnfs\tdefaults\n' }, want: { fstabRemote: [{ device: 'nfs:/export', mountpoint: '/srv', type: 'nfs', options: 'ro,hard', dump: 0, pass: 0 }, { device: 'nfs:/home', mountpoint: '/home', type: 'nfs', options: 'defaults', dump: 0, pass: 0 }] } },
  { title: 'fstab.remote: a malformed line leaves the file unmodelled', files: { 'fstab.remote': 'nfs:/export /srv\n' }, want: {}, report: /malformed fstab line/ },
];

for (const c of CASES) {
  test(`config-read: ${c.title}`, (t) => {
    const r = read(c.files);
    t.deepEqual(pick(r.spec), c.want);
    if (c.report) t.true(r.messages.some((m) => c.report!.test(m)), r.messages.join('\n'));
    // what is modelled is not listed as kept as is; what is not stays listed (and carried when it can be)
    const modelled = initxPaths(r.spec);
    for (const rel of Object.keys(c.files)) {
      if (rel.startsWith('cgroup/name') || rel.includes('/.svn/') || rel === 'cgroup/memory.limit_in_bytes') continue;
      t.is(r.unmodelled.includes(rel), !modelled.has(rel), rel);
      if (!modelled.has(rel)) t.true(r.carried.includes(rel), `${rel} carried in spec.files`);
    }
  });
}

test('getFileArray drops trailing newlines and empty lines and keeps blanks inside items (UV scripts/functions:762-763)', (t) => {
  t.deepEqual(fileArray('a\n\n b \nc\n\n\n'), ['a', ' b ', 'c']);
  t.deepEqual(fileArray('a'), ['a']);
  t.deepEqual(fileArray(''), []);
});

test('scripts: the executable bit decides exec or source (execScriptlets `test -x`, UV scripts/vserver.functions:1208-1210); backups never run', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vsgitops-initx-'));
  const put = async (rel: string, content: string, mode: number) => {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), content);
    await fsp.chmod(path.join(dir, rel), mode);
  };
  await fsp.writeFile(path.join(dir, 'context'), '1001\n');
  await put('scripts/pre-start', '#!/bin/sh\nlogger start\n', 0o755);
  await put('scripts/post-stop.d/10-net', 'ip route flush cache\n', 0o644);
  await put('scripts/pre-start~', 'old\n', 0o755); // isRegularFile skips *~ (UV scripts/functions:74-76)
  await put('scripts/post-stop.d/20-x.rpmnew', 'new\n', 0o755);
  await put('scripts/notes.txt', 'not a hook\n', 0o644);
  await fsp.symlink('/usr/local/lib/hook', path.join(dir, 'scripts/initialize'));
  const r = await readGuestConfig(dir);
  t.deepEqual(r.spec.scripts, {
    'post-stop.d/10-net': { content: 'ip route flush cache\n', executable: false },
    'pre-start': { content: '#!/bin/sh\nlogger start\n', executable: true },
  });
  const un = unmodelledEntries(r.tree, initxPaths(r.spec));
  for (const rel of ['scripts/pre-start~', 'scripts/post-stop.d/20-x.rpmnew', 'scripts/notes.txt', 'scripts/initialize']) t.true(un.includes(rel), rel);
  t.false(un.includes('scripts/pre-start'));
});

test('a host without these files has none of the fields (other guests\' observed specs stay as they were)', (t) => {
  t.deepEqual(pick(read({ 'uts/nodename': 'g\n' }).spec), {});
});

test('the config digest changes when a hook only changes its executable bit (run vs sourced)', async (t) => {
  const { digestConfigTree } = await import('../../../src/providers/vserver/digest.js');
  const a: ConfigTree = new Map([['scripts', { kind: 'dir' }], ['scripts/pre-start', { kind: 'file', content: 'x\n', exec: true }]]);
  const b: ConfigTree = new Map([['scripts', { kind: 'dir' }], ['scripts/pre-start', { kind: 'file', content: 'x\n', exec: false }]]);
  const c: ConfigTree = new Map([['scripts', { kind: 'dir' }], ['scripts/pre-start', { kind: 'file', content: 'x\n' }]]);
  t.not(digestConfigTree(a), digestConfigTree(b));
  t.is(digestConfigTree(b), digestConfigTree(c));
});

test('observed spec.files still holds the modelled files\' bytes, so manifests that carry them (written before these fields) plan no change', async (t) => {
  const { diffSpec } = await import('../../../src/reconciler/diff.js');
  const r = read({ 'sysctl/0/setting': 'a.b\n', 'sysctl/0/value': '1\n', 'apps/init/cmd.start': '/x\n' });
  t.deepEqual(r.spec.sysctl, [{ name: '0', setting: 'a.b', value: '1' }]);
  t.deepEqual(r.spec.files, { 'apps/init/cmd.start': '/x\n', 'sysctl/0/setting': 'a.b\n', 'sysctl/0/value': '1\n' });
  // ... but they are not listed as kept as is: a modelled field stands for them
  t.deepEqual(r.unmodelled.filter((u) => !u.startsWith('uts/')), []);
  const older: GuestSpec = { ...r.spec, files: { 'sysctl/0/value': '1\n', 'apps/init/cmd.start': '/x\n' } };
  delete older.sysctl;
  delete older.initExtra;
  t.deepEqual(diffSpec(r.spec, older), []);
});
