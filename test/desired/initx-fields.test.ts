/** Issue 10 (initx): spec.init extras, depends, sysctl, cgroupFiles, fstabRemote and scripts through validation and normalization. */
import test from 'ava';
import { validateManifestFiles } from '../../src/desired/validate.js';
import { webManifest } from '../helpers/manifests.js';

const doc = (extra: string): string => webManifest(extra, { init: false });
function load(extra: string) {
  const text = doc(extra);
  return validateManifestFiles([{ path: 'web.yaml', size: text.length, bytes: new TextEncoder().encode(text) }]);
}

test('left out, the initx fields are not in the spec (not managed)', (t) => {
  const r = load('');
  t.deepEqual(r.problems, []);
  for (const k of ['initExtra', 'depends', 'sysctl', 'cgroupFiles', 'fstabRemote', 'scripts'] as const) t.is(r.guests[0]!.spec[k], undefined, k);
});

test('the initx fields normalize to the model', (t) => {
  const r = load(`  init:
    style: plain
    runlevel: 3
    runlevelStop: "0"
    cmd: {start: [/sbin/init, "--foo bar"], stopSync: [/bin/true]}
    killSequence: [15, 30, KILL]
    environment: [LANG=C]
  depends: [db, auth]
  sysctl:
    - {name: shm, setting: kernel.shmmax, value: 33554432}
    - {setting: net.ipv4.tcp_rmem, value: "4096\\t87380\\t6291456"}
  cgroupFiles: {memory.memsw.limit_in_bytes: 1G, cpu.rt_runtime_us: 0}
  fstabRemote:
    - {device: "nfs:/export", mountpoint: /srv/, type: nfs, options: ro}
  scripts:
    pre-start: "#!/bin/sh\\r\\nlogger x\\n"
    post-stop.d/10-net: {content: "flush\\n", executable: false}
`);
  t.deepEqual(r.problems, []);
  const s = r.guests[0]!.spec;
  t.is(s.initStyle, 'plain');
  t.deepEqual(s.initExtra, { runlevel: '3', runlevelStop: '0', cmdStart: ['/sbin/init', '--foo bar'], cmdStopSync: ['/bin/true'], killSequence: ['15', '30', 'KILL'], environment: ['LANG=C'] });
  t.deepEqual(s.depends, ['db', 'auth']);
  // entries sorted by name; the index is the default name
  t.deepEqual(s.sysctl, [{ name: '1', setting: 'net.ipv4.tcp_rmem', value: '4096\t87380\t6291456' }, { name: 'shm', setting: 'kernel.shmmax', value: '33554432' }]);
  t.deepEqual(s.cgroupFiles, { 'cpu.rt_runtime_us': '0', 'memory.memsw.limit_in_bytes': '1G' });
  t.deepEqual(s.fstabRemote, [{ device: 'nfs:/export', mountpoint: '/srv', type: 'nfs', options: 'ro', dump: 0, pass: 0 }]);
  t.deepEqual(s.scripts, { 'post-stop.d/10-net': { content: 'flush\n', executable: false }, 'pre-start': { content: '#!/bin/sh\r\nlogger x\n', executable: true } });
});

const REFUSED: [string, string, RegExp][] = [
  ['a glob character in a command (bash expands it: getFileArray does not quote)', '  init: {cmd: {start: ["/etc/rc.d/*"]}}\n', /spec\.init\.cmd\.start\[0\]/],
  ['a command item starting with # (getFileArray has no comments)', '  init: {cmd: {start: ["#x"]}}\n', /spec\.init\.cmd\.start\[0\]/],
  ['a killseq item with a blank (one line is one item)', '  init: {killSequence: ["15 5 9"]}\n', /spec\.init\.killSequence\[0\]/],
  ['a depends entry that is no guest name', '  depends: ["# db"]\n', /spec\.depends\[0\]/],
  ['two sysctl entries with one name', '  sysctl: [{name: a, setting: x.y, value: 1}, {name: a, setting: x.z, value: 2}]\n', /used twice/],
  ['a sysctl setting climbing out of /proc/sys', '  sysctl: [{setting: ../../etc/passwd, value: x}]\n', /spec\.sysctl\[0\]\.setting/],
  ['a cgroup file the six fields own', '  cgroupFiles: {cpu.shares: 512}\n', /is spec\.cpu\.shares: set that field instead/],
  ['a cgroup file name with a path separator', '  cgroupFiles: {"memory/../x.y": 1}\n', /spec\.cgroupFiles/],
  ['a hook that is no util-vserver hook', '  scripts: {pre-begin: "x\\n"}\n', /spec\.scripts/],
  ['a hook name util-vserver skips (isRegularFile)', '  scripts: {"pre-start.d/10-x~": "x\\n"}\n', /spec\.scripts/],
  ['a hook with an ESC character', '  scripts: {pre-start: "\\u001b[1m\\n"}\n', /spec\.scripts\.pre-start/],
  ['a file both a field and spec.files write', '  depends: [db]\n  files: {apps/init/depends: "db\\n"}\n', /is written by spec\.depends/],
  ['any sysctl/ file in spec.files while sysctl is set', '  sysctl: []\n  files: {sysctl/9/setting: "a.b\\n"}\n', /is written by spec\.sysctl/],
];
for (const [title, extra, re] of REFUSED) {
  test(`refused: ${title}`, (t) => {
    const r = load(extra);
    t.true(r.problems.some((p) => re.test(`${p.path}: ${p.message}`)), JSON.stringify(r.problems.map((p) => `${p.path}: ${p.message}`)));
    t.is(r.guests.length, 0);
  });
}

test('manifests that carry these files in spec.files (written before the fields existed) stay valid', (t) => {
  const r = load('  files: {apps/init/cmd.start: "/x\\n", sysctl/0/setting: "a.b\\n", sysctl/0/value: "1\\n", scripts/pre-start: "x\\n", fstab.remote: "", cgroup/blkio.weight: "5\\n"}\n');
  t.deepEqual(r.problems, []);
});
