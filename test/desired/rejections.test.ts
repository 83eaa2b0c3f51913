import test from 'ava';
import { manifest, validateText } from './helpers.js';

interface Expected {
  line: number;
  path: string;
  message: RegExp;
  column?: number;
}

interface Case {
  title: string;
  text: string | Uint8Array;
  expect: Expected[];
  maxFileBytes?: number;
}

const spec = (...lines: string[]) => manifest(lines);
const e = (line: number, path: string, message: RegExp, column?: number): Expected => ({ line, path, message, ...(column ? { column } : {}) });

const cases: Case[] = [
  // identity
  { title: 'name with path traversal', text: manifest([], { name: '../../etc' }), expect: [e(4, 'metadata.name', /must be a guest name.*got "\.\.\/\.\.\/etc"/, 9)] },
  { title: 'name "..', text: manifest([], { name: '".."' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name starting with a dot', text: manifest([], { name: '.hidden' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name with shell metacharacters', text: manifest([], { name: '"web1;rm -rf /"' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name with command substitution', text: manifest([], { name: '"$(reboot)"' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name with a space', text: manifest([], { name: '"web 1"' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name in upper case', text: manifest([], { name: 'Web1' }), expect: [e(4, 'metadata.name', /must be a guest name/)] },
  { title: 'name longer than 63 characters', text: manifest([], { name: 'a'.repeat(64) }), expect: [e(4, 'metadata.name', /at most 63 characters/)] },
  { title: 'name as a number', text: manifest([], { name: '42' }), expect: [e(4, 'metadata.name', /must be a guest name.*got 42/)] },
  { title: 'context 1 (watch context)', text: manifest([], { context: '1' }), expect: [e(6, 'spec.context', /from 2 to 49151.*got 1\)/, 12)] },
  { title: 'context in the dynamic range', text: manifest([], { context: '49152' }), expect: [e(6, 'spec.context', /from 2 to 49151/)] },
  { title: 'context as a string', text: manifest([], { context: '"1001"' }), expect: [e(6, 'spec.context', /an integer from 2 to 49151.*got "1001"/)] },
  { title: 'context fractional', text: manifest([], { context: '1001.5' }), expect: [e(6, 'spec.context', /integer/)] },
  { title: 'hosts empty', text: manifest([], { hosts: '{}' }), expect: [e(7, 'spec.hosts', /must not be empty/)] },
  { title: 'hosts with an empty name list', text: manifest([], { hosts: '{names: []}' }), expect: [e(7, 'spec.hosts', /at least one host/)] },
  { title: 'hosts as a string', text: manifest([], { hosts: 'host-a' }), expect: [e(7, 'spec.hosts', /must be a map.*got "host-a"/)] },
  { title: 'host selector label with a bad key', text: manifest([], { hosts: '{matchLabels: {"bad key": x}}' }), expect: [e(7, 'spec.hosts.matchLabels.bad key', /invalid key 'bad key'/)] },
  { title: 'bad label value', text: manifest([], { hosts: '{matchLabels: {site: "fra 1"}}' }), expect: [e(7, 'spec.hosts.matchLabels.site', /label value/)] },
  // document shape
  { title: 'wrong apiVersion', text: manifest().replace('vsgitops.io/v1', 'vsgitops.io/v2'), expect: [e(1, 'apiVersion', /must be vsgitops\.io\/v1/, 13)] },
  { title: 'wrong kind', text: manifest().replace('kind: VServer', 'kind: Pod'), expect: [e(2, 'kind', /must be VServer.*got "Pod"/)] },
  { title: 'missing spec', text: 'apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: web1}\n', expect: [e(1, 'spec', /required field 'spec' is missing/)] },
  { title: 'missing build', text: 'apiVersion: vsgitops.io/v1\nkind: VServer\nmetadata: {name: web1}\nspec:\n  context: 5\n  hosts: {names: [a]}\n', expect: [e(5, 'spec.build', /required field 'build' is missing/)] },
  { title: 'unknown spec field (typo) points at the key', text: spec('  contxt: 5'), expect: [e(9, 'spec.contxt', /unknown field 'contxt'; allowed: context, hosts/, 3)] },
  { title: 'document is a list', text: '- a\n- b\n', expect: [e(1, '', /must be a map.*got a list/)] },
  // run state, init, policy
  { title: 'unknown run state', text: spec('  state: paused'), expect: [e(9, 'spec.state', /running or stopped.*got "paused"/)] },
  { title: 'startOnBoot as a string', text: spec('  startOnBoot: "yes"'), expect: [e(9, 'spec.startOnBoot', /true or false/)] },
  { title: 'unknown init style', text: spec('  init: {style: systemd}'), expect: [e(9, 'spec.init.style', /one of sysv, plain, minit, gentoo, openrc, arch/)] },
  { title: 'unknown deletion policy', text: spec('  policy: {deletion: purge}'), expect: [e(9, 'spec.policy.deletion', /retain or delete/)] },
  { title: 'unknown drift mode', text: spec('  policy: {drift: ignore}'), expect: [e(9, 'spec.policy.drift', /enforce or warn/)] },
  { title: 'nodename with shell metacharacters', text: spec('  uts: {nodename: "web1 && reboot"}'), expect: [e(9, 'spec.uts.nodename', /host name/)] },
  // build
  { title: 'unknown build method', text: manifest([], { build: '{method: yum}' }), expect: [e(8, 'spec.build.method', /one of skeleton, debootstrap, template, clone, rsync/)] },
  { title: 'debootstrap without distribution', text: manifest([], { build: '{method: debootstrap}' }), expect: [e(8, 'spec.build.distribution', /build method 'debootstrap' needs 'distribution'/)] },
  { title: 'template without templates', text: manifest([], { build: '{method: template}' }), expect: [e(8, 'spec.build.templates', /needs 'templates'/)] },
  { title: 'template with an empty list', text: manifest([], { build: '{method: template, templates: []}' }), expect: [e(8, 'spec.build.templates', /at least 1 item/)] },
  { title: 'clone without source', text: manifest([], { build: '{method: clone}' }), expect: [e(8, 'spec.build.source', /needs 'source'/)] },
  { title: 'clone from a relative path', text: manifest([], { build: '{method: clone, source: vservers/gold}' }), expect: [e(8, 'spec.build.source', /absolute path/)] },
  { title: 'rsync without source', text: manifest([], { build: '{method: rsync}' }), expect: [e(8, 'spec.build.source', /needs 'source'/)] },
  { title: 'mirror with skeleton', text: manifest([], { build: '{method: skeleton, mirror: "http://x/"}' }), expect: [e(8, 'spec.build.mirror', /'mirror' is not used by build method 'skeleton'/, 29)] },
  { title: 'extraArgs with template', text: manifest([], { build: '{method: template, templates: [/t.tar], extraArgs: [-x]}' }), expect: [e(8, 'spec.build.extraArgs', /not used by build method 'template'/)] },
  { title: 'distribution that looks like an option', text: manifest([], { build: '{method: debootstrap, distribution: --foreign}' }), expect: [e(8, 'spec.build.distribution', /distribution name/)] },
  { title: 'source that looks like an option', text: manifest([], { build: '{method: rsync, source: "-e sh"}' }), expect: [e(8, 'spec.build.source', /does not start with '-'/)] },
  { title: 'mirror that is not a URL', text: manifest([], { build: '{method: debootstrap, distribution: bookworm, mirror: "javascript:alert(1)"}' }), expect: [e(8, 'spec.build.mirror', /http\(s\):\/\/, ftp:\/\/ or file:\/\/ URL/)] },
  { title: 'extraArgs with a newline', text: manifest([], { build: '{method: skeleton, extraArgs: ["a\\nb"]}' }), expect: [e(8, 'spec.build.extraArgs[0]', /control character \(U\+000A/)] },
  // interfaces
  { title: 'address without prefix', text: spec('  interfaces: [{device: eth0, address: 192.0.2.1}]'), expect: [e(9, 'spec.interfaces[0].address', /with a prefix length/)] },
  { title: 'IPv4 octet out of range', text: spec('  interfaces: [{device: eth0, address: 192.0.2.300/24}]'), expect: [e(9, 'spec.interfaces[0].address', /'192\.0\.2\.300' is not an IPv4 or IPv6 address/)] },
  { title: 'IPv4 with a leading zero', text: spec('  interfaces: [{device: eth0, address: 192.0.2.010/24}]'), expect: [e(9, 'spec.interfaces[0].address', /leading zero/)] },
  { title: 'IPv4 prefix too long', text: spec('  interfaces: [{device: eth0, address: 192.0.2.1/33}]'), expect: [e(9, 'spec.interfaces[0].address', /0 to 32 \(got 33\)/)] },
  { title: 'IPv6 prefix too long', text: spec('  interfaces: [{device: eth0, address: "2001:db8::1/129"}]'), expect: [e(9, 'spec.interfaces[0].address', /0 to 128/)] },
  { title: 'interface without device or nodev', text: spec('  interfaces: [{address: 192.0.2.1/24}]'), expect: [e(9, 'spec.interfaces[0]', /needs 'device'.*or 'nodev: true'/)] },
  { title: 'interface with device and nodev', text: spec('  interfaces: [{device: eth0, nodev: true, address: 192.0.2.1/24}]'), expect: [e(9, 'spec.interfaces[0].nodev', /not both/)] },
  { title: 'device with shell metacharacters', text: spec('  interfaces: [{device: "eth0;reboot", address: 192.0.2.1/24}]'), expect: [e(9, 'spec.interfaces[0].device', /network device name/)] },
  {
    title: 'same address twice in one guest',
    text: spec('  interfaces:', '    - {device: eth0, address: 192.0.2.1/24}', '    - {device: eth1, address: 192.0.2.1/32}'),
    expect: [e(11, 'spec.interfaces[1].address', /address 192\.0\.2\.1 is used twice/)],
  },
  {
    title: 'same IPv6 address in two spellings',
    text: spec('  interfaces:', '    - {nodev: true, address: "2001:db8::1/64"}', '    - {nodev: true, address: "2001:DB8:0:0::0001/64"}'),
    expect: [e(11, 'spec.interfaces[1].address', /2001:db8::1 is used twice/)],
  },
  {
    title: 'interface name given twice',
    text: spec('  interfaces:', '    - {name: a, device: eth0, address: 192.0.2.1/24}', '    - {name: a, device: eth0, address: 192.0.2.2/24}'),
    expect: [e(11, 'spec.interfaces[1].name', /interface name 'a' is used twice/)],
  },
  // flags and capabilities
  { title: 'unknown flag', text: spec('  flags: [virt_mem, bogus]'), expect: [e(9, 'spec.flags[1]', /^Unknown flag 'bogus'$/, 21)] },
  { title: 'unknown flag inside a comma list', text: spec('  flags: ["virt_mem,~nope"]'), expect: [e(9, 'spec.flags[0]', /^Unknown flag 'nope'$/)] },
  { title: 'unknown system capability', text: spec('  capabilities: {system: [CAP_NET_ADMIN, FLY]}'), expect: [e(9, 'spec.capabilities.system[1]', /^Unknown bcap 'FLY'$/)] },
  { title: 'unknown context capability', text: spec('  capabilities: {context: [nope]}'), expect: [e(9, 'spec.capabilities.context[0]', /^Unknown ccap 'nope'$/)] },
  { title: 'flag list not a list', text: spec('  flags: virt_mem'), expect: [e(9, 'spec.flags', /must be a list/)] },
  // limits
  { title: 'limit soft above hard', text: spec('  limits: {nproc: {soft: 500, hard: 300}}'), expect: [e(9, 'spec.limits.nproc.soft', /soft limit 500 is greater than hard limit 300/, 26)] },
  { title: 'limit soft above hard (inf)', text: spec('  limits: {nofile: {soft: inf, hard: 10}}'), expect: [e(9, 'spec.limits.nofile.soft', /soft limit inf is greater than hard limit 10/)] },
  { title: 'limit min above soft', text: spec('  limits: {nofile: {soft: 10, min: 20}}'), expect: [e(9, 'spec.limits.nofile.min', /min 20 is greater than soft limit 10/)] },
  { title: 'limit that G4 cannot set', text: spec('  limits: {rss: 100}'), expect: [e(9, 'spec.limits.rss', /unknown field 'rss'; expected one of nproc, nofile/)] },
  { title: 'negative limit', text: spec('  limits: {nofile: -1}'), expect: [e(9, 'spec.limits.nofile', /non-negative integer, "inf"/)] },
  { title: 'limit with a unit', text: spec('  limits: {nofile: 4K}'), expect: [e(9, 'spec.limits.nofile', /non-negative integer, "inf".*got "4K"/)] },
  { title: 'limit object with unknown field', text: spec('  limits: {nofile: {max: 4}}'), expect: [e(9, 'spec.limits.nofile.max', /unknown field 'max'/)] },
  // memory, cpu, disk
  { title: 'memory with a decimal unit', text: spec('  memory: {limit: 512MB}'), expect: [e(9, 'spec.memory.limit', /Ki, Mi, Gi, Ti.*got "512MB"/)] },
  { title: 'memory below one page', text: spec('  memory: {limit: 100}'), expect: [e(9, 'spec.memory.limit', /at least 4Ki/)] },
  { title: 'memory too large', text: spec('  memory: {limit: 9999999999Ti}'), expect: [e(9, 'spec.memory.limit', /too large/)] },
  { title: 'cpu shares out of range', text: spec('  cpu: {shares: 1}'), expect: [e(9, 'spec.cpu.shares', /from 2 to 262144/)] },
  { title: 'cpu list malformed', text: spec('  cpu: {cpus: "0;1"}'), expect: [e(9, 'spec.cpu.cpus', /CPU list/)] },
  { title: 'cpu range backwards', text: spec('  cpu: {cpus: "3-1"}'), expect: [e(9, 'spec.cpu.cpus', /range '3-1' runs backwards/)] },
  { title: 'cfs quota too small', text: spec('  cpu: {quotaUs: 10}'), expect: [e(9, 'spec.cpu.quotaUs', /1000 to 1000000/)] },
  { title: 'disk space not whole KiB', text: spec('  disk: {space: 1000, inodes: 10}'), expect: [e(9, 'spec.disk.space', /whole number of KiB/)] },
  { title: 'disk without inodes', text: spec('  disk: {space: 1Gi}'), expect: [e(9, 'spec.disk.inodes', /required field 'inodes' is missing/, 9)] },
  { title: 'disk reserved above 100', text: spec('  disk: {space: 1Gi, inodes: 1, reserved: 101}'), expect: [e(9, 'spec.disk.reserved', /percentage from 0 to 100/)] },
  { title: 'disk directory relative', text: spec('  disk: {space: 1Gi, inodes: 1, directory: data}'), expect: [e(9, 'spec.disk.directory', /absolute path/)] },
  // control characters (issue 14): rejected wherever they would land in a util-vserver file
  { title: 'fstab device with ESC', text: spec('  fstab: [{device: "none\\e[2K", mountpoint: /tmp, type: tmpfs}]'), expect: [e(9, 'spec.fstab[0].device', /control character \(U\+001B at character 5\)/)] },
  { title: 'fstab options with NUL', text: spec('  fstab: [{device: none, mountpoint: /tmp, type: tmpfs, options: "rw\\0"}]'), expect: [e(9, 'spec.fstab[0].options', /control character \(U\+0000/)] },
  { title: 'fstab type with DEL', text: spec('  fstab: [{device: none, mountpoint: /tmp, type: "tmp\\x7ffs"}]'), expect: [e(9, 'spec.fstab[0].type', /control character \(U\+007F/)] },
  { title: 'fstab mount point with C1 CSI', text: spec('  fstab: [{device: none, mountpoint: "/tmp\\x9b31m", type: tmpfs}]'), expect: [e(9, 'spec.fstab[0].mountpoint', /control character \(U\+009B/)] },
  { title: 'disk directory with DEL', text: spec('  disk: {directory: "/vservers/x\\x7f", space: 1Gi, inodes: 10}'), expect: [e(9, 'spec.disk.directory', /control character \(U\+007F/)] },
  { title: 'build mirror with C1 NEL', text: manifest([], { build: '{method: debootstrap, distribution: bookworm, mirror: "http://x/\\x85y"}' }), expect: [e(8, 'spec.build.mirror', /control character \(U\+0085/)] },
  { title: 'build extra argument with a carriage return', text: manifest([], { build: '{method: skeleton, extraArgs: ["--x\\rOK"]}' }), expect: [e(8, 'spec.build.extraArgs[0]', /control character \(U\+000D/)] },
  { title: 'flag with a TAB', text: spec('  flags: ["sched_hard\\tx"]'), expect: [e(9, 'spec.flags[0]', /control character \(U\+0009/)] },
  { title: 'key with ESC', text: spec('  "\\e[8m": 1'), expect: [e(9, 'spec.\x1b[8m', /key contains a control character/)] },
  // paths and addresses (issue 14)
  { title: 'fstab mount point climbing out with ..', text: spec('  fstab: [{device: none, mountpoint: /../../etc, type: tmpfs}]'), expect: [e(9, 'spec.fstab[0].mountpoint', /'\.\.' is not allowed in "\/\.\.\/\.\.\/etc"/)] },
  { title: 'fstab mount point with .. inside', text: spec('  fstab: [{device: none, mountpoint: /srv/../etc, type: tmpfs}]'), expect: [e(9, 'spec.fstab[0].mountpoint', /'\.\.' is not allowed/)] },
  { title: 'disk directory with ..', text: spec('  disk: {directory: /vservers/../etc, space: 1Gi, inodes: 10}'), expect: [e(9, 'spec.disk.directory', /'\.\.' is not allowed in "\/vservers\/\.\.\/etc"/)] },
  { title: 'interface 0.0.0.0/0', text: spec('  interfaces: [{device: eth0, address: 0.0.0.0/0}]'), expect: [e(9, 'spec.interfaces[0].address', /0\.0\.0\.0 is the unspecified address/)] },
  { title: 'interface ::/0', text: spec('  interfaces: [{device: eth0, address: "::/0"}]'), expect: [e(9, 'spec.interfaces[0].address', /:: is the unspecified address/)] },
  { title: 'interface 0.0.0.0/24', text: spec('  interfaces: [{device: eth0, address: 0.0.0.0/24}]'), expect: [e(9, 'spec.interfaces[0].address', /unspecified address/)] },
  { title: 'interface with a default-route prefix', text: spec('  interfaces: [{device: eth0, address: 192.0.2.5/0}]'), expect: [e(9, 'spec.interfaces[0].address', /prefix length 0 makes 192\.0\.2\.5\/0 a default route/)] },
  { title: 'fstab mount points equal once normalized', text: spec('  fstab: [{device: none, mountpoint: /tmp, type: tmpfs}, {device: none, mountpoint: //tmp/, type: tmpfs}]'), expect: [e(9, 'spec.fstab[1].mountpoint', /mount point \/tmp is listed twice/)] },
  // fstab
  { title: 'fstab mount point relative', text: spec('  fstab: [{device: none, mountpoint: tmp, type: tmpfs}]'), expect: [e(9, 'spec.fstab[0].mountpoint', /absolute path/)] },
  { title: 'fstab field with whitespace', text: spec('  fstab: [{device: none, mountpoint: /tmp, type: "tmp fs"}]'), expect: [e(9, 'spec.fstab[0].type', /without whitespace/)] },
  { title: 'fstab entry without type', text: spec('  fstab: [{device: none, mountpoint: /tmp}]'), expect: [e(9, 'spec.fstab[0].type', /required field 'type' is missing/)] },
  {
    title: 'fstab mount point twice',
    text: spec('  fstab:', '    - {device: none, mountpoint: /tmp, type: tmpfs}', '    - {device: none, mountpoint: /tmp, type: tmpfs}'),
    expect: [e(11, 'spec.fstab[1].mountpoint', /mount point \/tmp is listed twice/)],
  },
  // several problems at once
  {
    title: 'every problem is reported at once, schema and semantic',
    text: manifest(['  flags: [nope]', '  limits: {nproc: {soft: 5, hard: 1}}', '  state: paused'], { context: '0', build: '{method: debootstrap}' }),
    expect: [
      e(6, 'spec.context', /from 2 to 49151/),
      e(8, 'spec.build.distribution', /needs 'distribution'/),
      e(9, 'spec.flags[0]', /Unknown flag 'nope'/),
      e(10, 'spec.limits.nproc.soft', /greater than hard/),
      e(11, 'spec.state', /running or stopped/),
    ],
  },
  // hostile YAML
  { title: 'duplicate key', text: spec('  context: 1002'), expect: [e(9, '', /YAML: duplicate key/, 3)] },
  {
    title: 'billion laughs',
    text: [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n'),
    expect: [e(1, '', /aliases expand too much \(possible "billion laughs" attack\)/)],
  },
  { title: 'too many aliases', text: 'a: &x 1\nb: [' + new Array(150).fill('*x').join(',') + ']\n', expect: [e(1, '', /too many aliases \(150 > 100\)/)] },
  { title: '!!js/function tag', text: spec('  x: !!js/function "function () { return 1 }"'), expect: [e(9, '', /YAML tag '!!js\/function' is not allowed/, 6)] },
  { title: '!!python/object tag', text: '!!python/object/apply:os.system ["id"]\n', expect: [e(1, '', /YAML tag '!!python\/object\/apply:os\.system' is not allowed/, 1)] },
  { title: 'custom tag on a map', text: spec('  memory: !Ref {limit: 1Gi}'), expect: [e(9, '', /YAML tag '!Ref' is not allowed/, 11)] },
  { title: '!!binary tag', text: spec('  x: !!binary aGVsbG8='), expect: [e(9, '', /YAML tag '!!binary' is not allowed/)] },
  { title: 'deeply nested flow collections', text: 'a: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n', expect: [e(1, '', /^YAML: nested too deeply$/)] },
  { title: 'syntax error', text: 'apiVersion: vsgitops.io/v1\nkind: [VServer\n', expect: [e(3, '', /^YAML: /)] },
  { title: 'non-UTF-8 bytes', text: new Uint8Array([0x61, 0x3a, 0x20, 0x0a, 0x62, 0x3a, 0x20, 0xc3, 0x28, 0x0a]), expect: [e(2, '', /not valid UTF-8 \(byte 0xc3 at offset 7\)/, 4)] },
  { title: 'UTF-16 file', text: new Uint8Array([0xff, 0xfe, 0x61, 0x00]), expect: [e(1, '', /not valid UTF-8/, 1)] },
  { title: 'overlong UTF-8 encoding', text: new Uint8Array([0x61, 0xc0, 0xaf]), expect: [e(1, '', /not valid UTF-8 \(byte 0xc0/, 2)] },
  { title: 'file over the configured size limit', text: manifest(), maxFileBytes: 100, expect: [e(0, '', /file is too large \(\d+ bytes; the limit is 100\)/)] },
  { title: 'file over the default 1 MiB limit', text: '#' + 'x'.repeat(1024 * 1024) + '\n', expect: [e(0, '', /the limit is 1048576/)] },
];

test('table covers many rejections', (t) => {
  t.true(cases.length >= 80);
});

for (const c of cases) {
  test(`rejects: ${c.title}`, (t) => {
    const r = validateText(c.text, c.maxFileBytes);
    t.deepEqual(r.guests, [], 'no guest from an invalid manifest');
    t.is(r.problems.length, c.expect.length, JSON.stringify(r.problems, null, 1));
    c.expect.forEach((want, i) => {
      const got = r.problems[i]!;
      t.is(got.file, 'm.yaml');
      t.is(got.line, want.line, `line of ${got.message}`);
      t.is(got.path, want.path);
      t.regex(got.message, want.message);
      if (want.column !== undefined) t.is(got.column, want.column, `column of ${got.message}`);
    });
  });
}
