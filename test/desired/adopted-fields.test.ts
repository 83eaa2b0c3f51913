/** Issue 10: the manifest fields of adopted hosts and spec.files, through validation and normalization. */
import test from 'ava';
import { validateManifestFiles } from '../../src/desired/validate.js';
import { webManifest } from '../helpers/manifests.js';

const doc = (extra: string): string => webManifest(extra, { init: false });

function load(extra: string) {
  const text = doc(extra);
  return validateManifestFiles([{ path: 'web.yaml', size: text.length, bytes: new TextEncoder().encode(text) }]);
}

test('left out, the new fields are not in the spec (not managed)', (t) => {
  const r = load('');
  t.deepEqual(r.problems, []);
  const s = r.guests[0]!.spec;
  for (const k of ['bootMarks', 'utsExtra', 'nice', 'ionice', 'personality', 'files'] as const) t.is(s[k], undefined, k);
});

test('uts extras, marks, nice, ionice, personality and files normalize to the model', (t) => {
  const r = load(`  uts: {release: "4.9.0-vs", machine: i686}
  bootMarks: [web, db]
  nice: -5
  ionice: {class: "2", priority: 7}
  personality: {type: linux32, flags: [short_inode]}
  files:
    scripts/pre-start: "#!/bin/sh\\r\\n\\techo hi\\n"
    apps/init/depends: "db\\n"
`);
  t.deepEqual(r.problems, []);
  const s = r.guests[0]!.spec;
  t.deepEqual(s.utsExtra, { release: '4.9.0-vs', machine: 'i686' });
  t.deepEqual(s.bootMarks, ['web', 'db']);
  t.is(s.nice, -5);
  t.deepEqual(s.ionice, { class: '2', priority: 7 });
  t.deepEqual(s.personality, { type: 'linux32', flags: ['short_inode'] });
  t.deepEqual(s.files, { 'apps/init/depends': 'db\n', 'scripts/pre-start': '#!/bin/sh\r\n\techo hi\n' });
});

const REFUSED: [string, string, RegExp][] = [
  ['a path a modelled field writes', '  files: {cflags: "lock\\n"}', /'cflags' is written by spec\.flags: set that field instead/],
  ['an interface file', '  files: {interfaces/0/ip: "10.0.0.1\\n"}', /written by spec\.interfaces/],
  ['any dlimits entry file', '  files: {dlimits/0/space_total: "1\\n"}', /written by spec\.disk/],
  ['the boot mark file', '  files: {apps/init/mark: "web\\n"}', /spec\.startOnBoot \/ spec\.bootMarks/],
  ['util-vserver links', '  files: {vdir/etc/passwd: "x"}', /(guest root link|must|match|component|path)/],
  ['a climbing path', '  files: {scripts/../../x: "x"}', /relative path|component/],
  ['a dot component', '  files: {./x: "x"}', /./],
  ['ESC in content', '  files: {motd: "\\e[31m"}', /control character \(U\+001B at character 1\); file content in spec\.files may hold TAB, LF and CR only/],
  ['NUL in content', '  files: {motd: "a\\0"}', /U\+0000/],
  ['a mark "default"', '  bootMarks: [default]', /./],
  ['ionice priority 8', '  ionice: {priority: 8}', /./],
];
for (const [title, extra, re] of REFUSED) {
  test(`spec.files / new fields refuse ${title}`, (t) => {
    const r = load(extra);
    t.true(r.problems.length > 0, 'refused');
    t.regex(r.problems.map((p) => p.message).join('\n'), re);
    t.is(r.guests.length, 0);
  });
}

test('spec.files: at most 64 KiB per file and 256 KiB per manifest', (t) => {
  const big = 'x'.repeat(64 * 1024 + 1);
  t.regex(load(`  files: {a: "${big}"}`).problems.map((p) => p.message).join('\n'), /65536/);
  const five = Array.from({ length: 5 }, (_, i) => `    f${i}: "${'y'.repeat(60 * 1024)}"`).join('\n');
  t.regex(load(`  files:\n${five}\n`).problems.map((p) => p.message).join('\n'), /at most 262144 bytes in all/);
});

test('nflags and ncapabilities: util-vserver names and spellings, one value per bit (UV lib/nflags-net.c, lib/ncaps-net.c)', (t) => {
  const r = load('  nflags: ["NXF_HIDE_NETIF,remap_lback", "~lock"]\n  ncapabilities: [tun_create]\n');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.guests[0]!.spec.nflags, ['~lock', 'lback_remap', 'hide_netif']);
  t.deepEqual(r.guests[0]!.spec.ncaps, ['tun_create']);
  t.regex(load('  ncapabilities: [secure_mount]\n').problems.map((p) => p.message).join('\n'), /Unknown ncap 'secure_mount'/);
});
