/**
 * /etc/vservers read exactly as util-vserver reads it (issue 10 item 3). Each
 * test names the util-vserver source it checks against (repository
 * linux-vserver/util-vserver @ c0e96369): what observe reports must be what
 * util-vserver will do at `vserver NAME start` or at boot, never a silent fix.
 */
import test from 'ava';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseGuestConfig, parseXid, readLoop, shellRead, type ConfigTree } from '../../../src/providers/vserver/config-read.js';
import { normalizeList, parseListStrict } from '../../../src/model/names.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import { observeHost } from '../../../src/providers/vserver/observe.js';
import type { CommandRunner } from '../../../src/providers/command-runner.js';

const DIR = '/etc/vservers/g';

function tree(files: Record<string, string>): ConfigTree {
  const t: ConfigTree = new Map();
  for (const [rel, content] of Object.entries(files)) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (!t.has(parts.slice(0, i).join('/'))) t.set(parts.slice(0, i).join('/'), { kind: 'dir' });
    t.set(rel, { kind: 'file', content });
  }
  return t;
}
const parse = (files: Record<string, string>) => parseGuestConfig(DIR, tree({ context: '1516\n', ...files }));
const messages = (r: { problems: { file: string; message: string }[] }, rel: string) =>
  r.problems.filter((p) => p.file === path.join(DIR, rel)).map((p) => p.message);

// ---- context: vcontext --xid → vc_xidopt2xid, strtol base 10 (UV lib/xidopt2xid.c:43-49)
test('context 01516 is 1516 (strtol base 10, lib/xidopt2xid.c:45), not octal', (t) => {
  const r = parseGuestConfig(DIR, tree({ context: '01516\n' }));
  t.is(r.spec.context, 1516);
  t.deepEqual(r.problems, []);
});
test('context 0x5ed is not a context id (lib/xidopt2xid.c:47: endptr at x): reported, the start fails', (t) => {
  const r = parseGuestConfig(DIR, tree({ context: '0x5ed\n' }));
  t.is(r.contextFile, undefined);
  t.regex(messages(r, 'context')[0]!, /invalid context id "0x5ed".*start` fails/);
});
test('context with CRLF: `read` keeps the CR (scripts/vserver.functions:450), vcontext rejects "1516\\r"', (t) => {
  const r = parseGuestConfig(DIR, tree({ context: '1516\r\n' }));
  t.is(r.contextFile, undefined);
  t.regex(messages(r, 'context')[0]!, /invalid context id "1516\\r"/);
});
test('context without a final newline: `read ctx <file || :` still sets it (scripts/vserver.functions:450)', (t) => {
  const r = parseGuestConfig(DIR, tree({ context: '1516' }));
  t.is(r.contextFile, 1516);
});
test('parseXid: strtol base 10 over the whole value', (t) => {
  t.is(parseXid('+42'), 42);
  t.is(parseXid('42 '), undefined);
  t.is(parseXid(''), undefined);
});

// ---- bash read
test('shellRead is bash `read` without -r: blanks trimmed, backslashes removed, CR kept, EOF before newline fails', (t) => {
  t.deepEqual(shellRead('  a b \t\nrest'), { value: 'a b', complete: true, consumed: 8 });
  t.deepEqual(shellRead('x\\ y\n').value, 'x y');
  t.deepEqual(shellRead('a\\\nb\n').value, 'ab');
  t.deepEqual(shellRead('v\r\n').value, 'v\r');
  t.deepEqual(shellRead('last'), { value: 'last', complete: false, consumed: 4 });
});
test('readLoop (_readFileToArray, scripts/vserver.functions:93-107): comments, blanks and the unterminated last line', (t) => {
  t.deepEqual(readLoop('a\n\n# c\n  b  \nlast'), { lines: [{ text: 'a', line: 1 }, { text: 'b', line: 4 }], dropped: 'last' });
  t.deepEqual(readLoop('a\n'), { lines: [{ text: 'a', line: 1 }] });
});

// ---- list files: each line → vattribute --flag/--bcap/--ccap, strict list parser (lib/listparser.hc:55-102)
test('list file without a final newline: the read loop drops the last line (scripts/vserver.functions:100-105); reported', (t) => {
  const r = parse({ bcapabilities: 'NET_ADMIN\nSYS_TIME' });
  t.deepEqual(r.spec.bcaps, ['NET_ADMIN']);
  t.regex(messages(r, 'bcapabilities')[0]!, /last line "SYS_TIME" has no final newline/);
});
test('list file with CRLF: every name keeps its CR and vattribute rejects it; the start fails (vserver.start:101 set -e)', (t) => {
  const r = parse({ cflags: 'virt_mem\r\nhide_netif\r\n' });
  t.deepEqual(r.spec.flags, []);
  const m = messages(r, 'cflags');
  t.is(m.length, 2);
  t.regex(m[0]!, /rejects "virt_mem\\r".*CRLF.*start` fails/);
});
test('`SYSLOG, RAW_ICMP`: the list parser does not trim (listparser.hc:70-82) so the line fails; the valid lines stay in the report', (t) => {
  const r = parse({ ccapabilities: 'SECURE_MOUNT\nSYSLOG, RAW_ICMP\nset_utsname\n' });
  t.deepEqual(r.spec.ccaps, ['set_utsname', 'secure_mount']);
  const p = r.problems.find((x) => x.file.endsWith('ccapabilities'))!;
  t.is(p.line, 2);
  t.regex(p.message, /rejects "SYSLOG, RAW_ICMP" at " RAW_ICMP"/);
});
test('an inline comment is part of the item (only whole `#` lines are skipped, vserver.functions:102): the line fails', (t) => {
  const r = parse({ bcapabilities: 'NET_ADMIN # for tun\nSYS_TIME\n' });
  t.deepEqual(r.spec.bcaps, ['SYS_TIME']);
  t.regex(messages(r, 'bcapabilities')[0]!, /rejects "NET_ADMIN # for tun"/);
});
test('`namespace` in cflags is skipped by _generateFlagOptions (scripts/vserver.functions:419-420): not a context flag, reported', (t) => {
  const r = parse({ cflags: 'namespace\nvirt_mem\n' });
  t.deepEqual(r.spec.flags, ['virt_mem']);
  t.regex(messages(r, 'cflags')[0]!, /"namespace" is not a context flag/);
});
test('parseListStrict: empty items fail, a trailing comma ends the list, prefixes of all/none, ^N and numbers', (t) => {
  t.false(parseListStrict('bcap', ',CHOWN').ok);
  t.false(parseListStrict('bcap', 'CHOWN,,KILL').ok);
  t.true(parseListStrict('bcap', 'CHOWN,').ok);
  const r = parseListStrict('bcap', '~a,^29,0x1,!!cap_kill');
  t.true(r.ok);
  if (r.ok) t.deepEqual(r.items.map((i) => [i.negate, i.special ?? i.name ?? String(i.value)]), [[true, 'all'], [false, String(1n << 29n)], [false, '1'], [false, 'KILL']]);
});

// ---- rlimits (lib/parselimit.c) and dlimits (scripts/vserver.functions:1288-1328, src/vdlimit.c:186-198)
test('rlimits -1 is unlimited (VC_LIM_INFINITY = ~0ULL, lib/vserver.h:74); a CRLF value fails vlimit and the start', (t) => {
  const r = parse({ 'rlimits/nproc': '-1\n', 'rlimits/nofile': '1024\r\n' });
  t.deepEqual(r.spec.limits.nproc, { soft: 'inf', hard: 'inf' });
  t.is(r.spec.limits.nofile, undefined);
  t.regex(messages(r, 'rlimits/nofile')[0]!, /Invalid limit.*CRLF.*start` fails/);
});
const dl = (over: Record<string, string> = {}) => ({
  'dlimits/root/directory': '/vservers/g\n',
  'dlimits/root/space_total': '1000000\n',
  'dlimits/root/inodes_total': '-1\n',
  'dlimits/root/reserved': '5\n',
  ...over,
});
test('dlimits inodes_total -1 is unlimited: vdlimit stores strtol(-1) in a uint32 = VC_CDLIM_INFINITY (lib/vserver.h:78)', (t) => {
  const r = parse(dl());
  t.deepEqual(r.spec.disk, { directory: '/vservers/g', spaceKiB: 1000000, inodes: 4294967295, reservedPercent: 5 });
  t.deepEqual(r.problems, []);
});
test('dlimits file without a final newline: getFileValue fails and util-vserver skips the disk limit (vserver.functions:1301-1304)', (t) => {
  const r = parse(dl({ 'dlimits/root/reserved': '5' }));
  t.is(r.spec.disk, undefined);
  t.regex(messages(r, 'dlimits/root/reserved')[0]!, /no final newline.*skipped/);
});
test('dlimits value with CRLF: vdlimit cannot parse it (src/vdlimit.c:190), the start fails', (t) => {
  const r = parse(dl({ 'dlimits/root/space_total': '1000\r\n' }));
  t.is(r.spec.disk, undefined);
  t.regex(messages(r, 'dlimits/root/space_total')[0]!, /cannot parse "1000\\r".*start` fails/);
});

// ---- boot marks: grep -qx over the mark file (scripts/functions:594-602), disabled (:582)
test('boot mark matches a whole line exactly: "default " is another mark, reported; startOnBoot false', (t) => {
  const r = parse({ 'apps/init/mark': 'default \n' });
  t.false(r.spec.startOnBoot);
  t.regex(messages(r, 'apps/init/mark')[0]!, /mark "default " is not "default"/);
});
test('boot mark "default" with a top-level disabled file: the boot service skips the guest; reported', (t) => {
  const r = parse({ 'apps/init/mark': 'default\n', disabled: '' });
  t.true(r.spec.startOnBoot);
  t.regex(messages(r, 'disabled')[0]!, /boot service skips this guest/);
});
test('boot mark without a final newline still matches (grep reads the last line)', (t) => {
  t.true(parse({ 'apps/init/mark': 'default' }).spec.startOnBoot);
});

// ---- interfaces
test('bare address without prefix: passed without one, the kernel uses /32 (scripts/vserver.functions:645); reported', (t) => {
  const r = parse({ 'interfaces/0/ip': '192.0.2.5\n', 'interfaces/0/dev': 'eth0\n' });
  t.deepEqual(r.spec.interfaces, [{ name: '0', device: 'eth0', address: '192.0.2.5', family: 4, prefix: 32 }]);
  t.regex(messages(r, 'interfaces/0/ip')[0]!, /without one, and the kernel .* uses \/32/);
});
test('dot-dirs under interfaces/ (.svn) are skipped like the `interfaces/*` glob (scripts/vserver.functions:706)', (t) => {
  const r = parse({ 'interfaces/0/ip': '192.0.2.5\n', 'interfaces/0/dev': 'eth0\n', 'interfaces/0/prefix': '24\n', 'interfaces/.svn/entries': '10\n' });
  t.is(r.spec.interfaces.length, 1);
  t.deepEqual(r.problems, []);
});

// ---- equivalent spellings (item 5)
test('capabilities by name, CAP_ prefix or ^N bit normalize to one value; flags in any case', (t) => {
  t.deepEqual(normalizeList('bcap', ['^29', '^30']), { ok: true, tokens: ['AUDIT_WRITE', 'AUDIT_CONTROL'] });
  t.deepEqual(normalizeList('bcap', ['CAP_AUDIT_WRITE', 'audit_control']), { ok: true, tokens: ['AUDIT_WRITE', 'AUDIT_CONTROL'] });
  t.deepEqual(normalizeList('flag', ['VIRT_MEM', 'Hide_Netif']), normalizeList('flag', ['virt_mem', 'secure']));
  t.deepEqual(normalizeList('ccap', ['0x1000']), { ok: true, tokens: ['syslog'] });
  t.deepEqual(normalizeList('bcap', ['^40']), { ok: true, tokens: ['^40'] });
});

// ---- which directories are guests (scripts/functions:571-583, scripts/vserver)
const noRunner: CommandRunner = { run: async () => ({ exitCode: 1, stdout: '', stderr: '', durationMs: 0 }) };
test('observe: dirs without vdir or context (local-interfaces/, CVS/), backup names, legacy NAME.conf are not guests; each reported', async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-uv-'));
  const paths = simHostPaths(root);
  const w = async (rel: string, c: string) => {
    await fs.mkdir(path.dirname(path.join(paths.etcVservers, rel)), { recursive: true });
    await fs.writeFile(path.join(paths.etcVservers, rel), c);
  };
  await w('real/context', '1001\n');
  await fs.symlink('/vservers/real', path.join(paths.etcVservers, 'real/vdir'));
  await w('local-interfaces/192.0.2.1/ip', '192.0.2.1\n');
  await w('CVS/Entries', '');
  await w('real.~1700000000~/context', '1001\n');
  await w('old.conf', 'S_CONTEXT=5\n');
  // a VServer kernel (observe refuses a host without /proc/virtual/info)
  await fs.mkdir(path.join(paths.proc, 'virtual'), { recursive: true });
  await fs.writeFile(path.join(paths.proc, 'virtual/info'), 'VCIVersion:\t0002:0308\nVCISyscall:\t236\nVCIKernel:\t13001f11\n');
  const host = await observeHost(paths, { hostName: 'h', runner: noRunner });
  t.deepEqual(host.guests.map((g) => g.spec.name), ['real']);
  const notes = (host.problems ?? []).map((p) => `${path.relative(paths.etcVservers, p.file)}: ${p.message}`);
  t.true(notes.some((n) => n.startsWith('local-interfaces: not a guest')));
  t.true(notes.some((n) => n.startsWith('CVS: not a guest')));
  t.true(notes.some((n) => n.startsWith('real.~1700000000~: backup name')));
  t.true(notes.some((n) => n.startsWith('old.conf: legacy (pre-0.30) guest old: not supported')));
});
