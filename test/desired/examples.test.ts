import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { loadDesiredState } from '../../src/desired/load.js';
import { selectForHost } from '../../src/desired/host-select.js';

const dir = 'examples/desired-state';
const yamlFiles = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

test('every example validates and normalizes', async (t) => {
  const state = await loadDesiredState({ kind: 'dir', dir });
  t.deepEqual(state.problems, []);
  t.is(state.files, yamlFiles.length);
  t.true(state.guests.length >= 6);
  t.is(state.revision, null);
  const roles = new Set(state.guests.map((g) => g.labels.role));
  for (const role of ['web', 'db', 'mail', 'dns']) t.true(roles.has(role), `a ${role} guest`);
  const web1 = state.guests.find((g) => g.spec.name === 'web1')!;
  t.is(web1.spec.cgroup.memoryLimit, 1024 ** 3);
  t.deepEqual(web1.spec.limits.nproc, { soft: 200, hard: 300 });
  t.deepEqual(web1.spec.interfaces.map((i) => i.name), ['0', 'v6']);
});

for (const f of yamlFiles) {
  test(`example ${f} validates on its own and carries the schema modeline`, async (t) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const docs = text.split(/^---$/m);
    for (const d of docs) t.regex(d.trim(), /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/vserver\.schema\.json/);
    t.true(fs.existsSync(path.resolve(dir, '../../schemas/vserver.schema.json')));
  });
}

test('the example fleet splits over two hosts', async (t) => {
  const state = await loadDesiredState({ kind: 'dir', dir });
  const fra = selectForHost(state.guests, { name: 'vs-fra1', labels: { site: 'fra1', tier: 'frontend' } }).map((g) => g.spec.name);
  const ams = selectForHost(state.guests, { name: 'vs-ams1', labels: { site: 'ams1', tier: 'backend' } }).map((g) => g.spec.name);
  t.deepEqual(fra, ['ns1', 'prom1', 'web1']);
  t.deepEqual(ams, ['db1', 'ns2', 'mail1', 'web2']);
  t.is(fra.length + ams.length, state.guests.length);
});
