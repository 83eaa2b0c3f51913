/** Issue 10: which unmodelled files spec.files can carry, and who owns a path. */
import test from 'ava';
import { VSERVER_SCHEMA } from '../../../src/desired/schema.js';
import type { ConfigTree } from '../../../src/providers/vserver/config-read.js';
import { FILES_PATH, filesContentProblem, ownerOf } from '../../../src/model/owned-paths.js';
import { carriableFiles, unmodelledEntries } from '../../../src/providers/vserver/unmodelled.js';

const tree = (entries: [string, string | { link: string; dir?: boolean; content?: string } | null][]): ConfigTree =>
  new Map(entries.map(([k, v]) => [k, v === null ? { kind: 'dir' } : typeof v === 'string' ? { kind: 'file', content: v } : { kind: 'symlink', target: v.link, ...(v.dir ? { dir: true } : {}), ...(v.content !== undefined ? { content: v.content } : {}) }]));

test('carried: text files not owned by a field; not carried: links, files below a link, control characters, owned paths, dot names', (t) => {
  const tr = tree([
    ['context', '1001\n'],
    ['fstab.remote', 'nfs:/x /x nfs defaults 0 0\n'],
    ['scripts', null],
    ['scripts/pre-start', '#!/bin/sh\r\n'],
    ['motd', 'a\u001bb\n'],
    ['blob', 'x\ufffdy'],
    ['hostlink', { link: '/etc/hostname', content: 'h\n' }],
    ['interfaces', null],
    ['interfaces/0', { link: '../../local-interfaces/x', dir: true }],
    ['interfaces/0/uid', '1000\n'],
    ['interfaces/1', null],
    ['interfaces/1/uid', '1001\n'],
    ['dlimits', null],
    ['dlimits/a', null],
    ['dlimits/a/space_total', '1\n'],
    ['dlimits/b', null],
    ['dlimits/b/space_total', '2\n'],
    ['apps', null],
    ['apps/.svn', null],
    ['apps/.svn/entries', 'x\n'],
  ]);
  const un = unmodelledEntries(tr);
  t.deepEqual(un, ['apps/.svn/entries', 'blob', 'dlimits/b/space_total', 'fstab.remote', 'hostlink', 'interfaces/0/uid', 'interfaces/1/uid', 'motd', 'scripts/pre-start']);
  t.deepEqual(carriableFiles(tr, un), { 'fstab.remote': 'nfs:/x /x nfs defaults 0 0\n', 'interfaces/1/uid': '1001\n', 'scripts/pre-start': '#!/bin/sh\r\n' });
});

test('content policy: TAB, LF, CR allowed; other controls, U+FFFD and more than 64 KiB refused', (t) => {
  t.is(filesContentProblem('a\tb\r\n'), undefined);
  t.regex(filesContentProblem('\u0000')!, /U\+0000/);
  t.regex(filesContentProblem('\u007f')!, /U\+007F/);
  t.regex(filesContentProblem('\u0085')!, /U\+0085/);
  t.regex(filesContentProblem('\ufffd')!, /not valid UTF-8/);
  t.regex(filesContentProblem('x'.repeat(65537))!, /65537 bytes/);
});

test('ownerOf names the manifest field for every file vsgitops renders', (t) => {
  t.is(ownerOf('cflags'), 'spec.flags');
  t.is(ownerOf('uts/release'), 'spec.uts.release');
  t.is(ownerOf('rlimits/nproc.hard'), 'spec.limits.nproc');
  t.is(ownerOf('interfaces/eth0/prefix'), 'spec.interfaces');
  t.is(ownerOf('dlimits/0/reserved'), 'spec.disk');
  t.is(ownerOf('cgroup/cpu.shares'), 'spec.cpu.shares');
  t.regex(ownerOf('vdir/etc/passwd')!, /guest root/);
  t.is(ownerOf('interfaces/eth0/uid'), undefined); // a tun's owner: not modelled
  t.is(ownerOf('cgroup/memory.memsw.limit_in_bytes'), undefined);
});

test('the schema and the importer agree on which paths spec.files may name', (t) => {
  const spec = (VSERVER_SCHEMA as { properties: { spec: { properties: { files: { propertyNames: { pattern: string } } } } } }).properties.spec.properties.files;
  t.is(spec.propertyNames.pattern, FILES_PATH.source.replace(/\\\//g, '/'));
  for (const ok of ['nflags', 'scripts/pre-start', 'sysctl/0/value', 'apps/init/cmd.start', 'a/b/c/d/e/f']) t.true(FILES_PATH.test(ok), ok);
  for (const bad of ['.svn/x', 'a/../b', '/abs', 'a//b', 'a/~b', '~x', 'a b', 'a/b/c/d/e/f/g']) t.false(FILES_PATH.test(bad), bad);
});
