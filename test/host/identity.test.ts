import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VsError } from '../../src/errors.js';
import { readHostFile, renderHostFile, resolveHostIdentity, writeHostFile, type HostIdentity } from '../../src/host/identity.js';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-hostid-'));
const fra1: HostIdentity = { name: 'vs-fra1', labels: { site: 'fra1', tier: 'frontend' } };

interface Case {
  title: string;
  stored?: HostIdentity;
  given: { name?: string; labels?: Record<string, string> };
  allowChange?: boolean;
  want?: { name: string; labels: Record<string, string>; source: string; changed: boolean };
  error?: RegExp;
}

const cases: Case[] = [
  { title: 'no host file, nothing given: the default name, no labels', given: {}, want: { name: 'machine', labels: {}, source: 'default', changed: false } },
  { title: 'no host file: what is given', given: { name: 'vs-fra1', labels: { site: 'fra1' } }, want: { name: 'vs-fra1', labels: { site: 'fra1' }, source: 'given', changed: false } },
  { title: 'host file, nothing given: the file (a forgotten --host-label changes nothing)', stored: fra1, given: {}, want: { ...fra1, source: 'file', changed: false } },
  { title: 'host file, the same name given: the file', stored: fra1, given: { name: 'vs-fra1' }, want: { ...fra1, source: 'file', changed: false } },
  { title: 'host file, the same labels in another order: the file', stored: fra1, given: { labels: { tier: 'frontend', site: 'fra1' } }, want: { ...fra1, source: 'file', changed: false } },
  { title: 'host file, another name: refused', stored: fra1, given: { name: 'vs-ams1' }, error: /this host is "vs-fra1" .* but the command says "vs-ams1" .*--host-identity-change/ },
  { title: 'host file, fewer labels: refused', stored: fra1, given: { labels: { site: 'fra1' } }, error: /labels site=fra1,tier=frontend .* labels site=fra1\./ },
  { title: 'host file, another label with --host-identity-change: the new identity, changed', stored: fra1, given: { labels: { site: 'ams1' } }, allowChange: true, want: { name: 'vs-fra1', labels: { site: 'ams1' }, source: 'given', changed: true } },
  { title: 'an invalid given name is refused', given: { name: '../x' }, error: /not a valid host name/ },
];

for (const c of cases) {
  test(`resolveHostIdentity: ${c.title}`, async (t) => {
    const d = dir();
    if (c.stored) await writeHostFile(d, c.stored);
    const run = () => resolveHostIdentity({ stateDir: d, given: c.given, defaultName: 'machine', allowChange: c.allowChange ?? false });
    if (c.error) {
      const err = t.throws(run) as VsError;
      t.regex(err.message, c.error);
      return;
    }
    const r = run();
    t.deepEqual({ name: r.name, labels: r.labels, source: r.source, changed: r.changed }, c.want!);
  });
}

test('the host file round-trips, with keys and values quoted', async (t) => {
  const d = dir();
  const id = { name: 'vs-fra1', labels: { 'example.org/zone': 'a', site: 'yes' } };
  await writeHostFile(d, id);
  t.deepEqual(readHostFile(d), id);
  t.regex(renderHostFile(id), /^kind: Host$/m);
  t.is(readHostFile(dir()), undefined);
});

const badFiles: [string, string, RegExp][] = [
  ['unknown field', 'name: a\nlables: {x: y}\n', /host\.yaml:2:1: lables: unknown field/],
  ['name not a string', 'name: [a]\n', /host\.yaml:1:1: name: must be a string/],
  ['label value not a string', 'name: a\nlabels: {x: {y: z}}\n', /host\.yaml:2:1: labels: must map keys to string values/],
  ['broken YAML', 'name: a\n  b: c\n', /host\.yaml:\d+:\d+: /],
  ['not a mapping', '- a\n', /host\.yaml:1:1: the host file must be a mapping/],
];
for (const [title, text, re] of badFiles) {
  test(`a bad host file is an error naming the file, line and field: ${title}`, (t) => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'host.yaml'), text);
    const err = t.throws(() => readHostFile(d)) as VsError;
    t.is(err.code, 'CONFIG');
    t.regex(err.message, re);
  });
}
