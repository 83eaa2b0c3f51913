/**
 * Issue 10 acceptance: every real-world-shaped tree in test/fixtures/import-corpus
 * (see its PROVENANCE.md) round-trips on a simulated host: import → commit →
 * adopt → plan prints "No changes" and exits 0 → apply changes nothing on disk.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, tempDir, TestRepo } from '../helpers/e2e.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../test/fixtures/import-corpus');

/** path → file content (with mode) or link target, below `dir`; the vsgitops marker is left out. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const e of (await fsp.readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const a = path.join(abs, e.name);
      if (e.name === '.vsgitops' || r === '.defaults' || r === '.vsgitops-retained') continue;
      if (e.isSymbolicLink()) out[r] = `-> ${await fsp.readlink(a)}`;
      else if (e.isDirectory()) {
        out[r + '/'] = 'dir';
        await walk(a, r);
      } else out[r] = `${((await fsp.stat(a)).mode & 0o777).toString(8)} ${await fsp.readFile(a, 'utf8')}`;
    }
  };
  await walk(dir, '');
  return out;
}

const trees = (await fsp.readdir(CORPUS, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

test('the corpus has at least 12 trees', (t) => {
  t.true(trees.length >= 12, trees.join(', '));
});

// One simulated host holds every tree (guest names and context ids are distinct across the corpus):
// the round trip runs once, and each tree's files are compared on their own.
test('round trip of every corpus tree on one simulated host: import, commit, adopt, plan "No changes", apply changes nothing', async (t) => {
  t.timeout(300_000);
  const dir = await tempDir('corpus');
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const etc = path.join(sim, 'etc/vservers');
  const members: Record<string, string[]> = {};
  for (const tree of trees) {
    members[tree] = (await fsp.readdir(path.join(CORPUS, tree))).sort();
    await fsp.cp(path.join(CORPUS, tree), etc, { recursive: true, verbatimSymlinks: true });
  }
  const before = await snapshot(etc);

  const out = path.join(dir, 'imported');
  const imp = await cli(['import', '--host', `sim:${sim}`, '--out', out]);
  t.is(imp.exitCode, 0, imp.stderr);
  t.notRegex(imp.stdout, /NOT EXACT/, imp.stdout);
  const files: Record<string, string> = {};
  for (const f of (await fsp.readdir(out)).sort()) files[f] = await fsp.readFile(out + '/' + f, 'utf8');
  // every tree gives at least one manifest; non-guests (local-interfaces, CVS, backups, NAME.conf) give none
  for (const tree of trees) t.true(members[tree]!.some((m) => files[`${m}.yaml`] !== undefined), tree);
  for (const notGuest of ['local-interfaces', 'CVS', 'db.~1700000000~', 'old']) t.false(notGuest + '.yaml' in files, notGuest);
  // deterministic: a second import gives the same bytes
  const out2 = path.join(dir, 'imported2');
  t.is((await cli(['import', '--host', `sim:${sim}`, '--out', out2])).exitCode, 0);
  for (const f of Object.keys(files)) t.is(await fsp.readFile(path.join(out2, f), 'utf8'), files[f]);

  const repo = await TestRepo.create(path.join(dir, 'repo'));
  await repo.commit(files, 'import');
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  const adopt = await cli(['adopt', '--all', ...src]);
  t.is(adopt.exitCode, 0, adopt.stdout + adopt.stderr);
  t.regex(adopt.stdout, /no change pending/);
  const plan = await cli(['plan', ...src]);
  t.is(plan.exitCode, 0, plan.stdout + plan.stderr);
  t.regex(plan.stdout, /No changes\./);
  const apply = await cli(['apply', ...src, '--yes']);
  t.is(apply.exitCode, 0, apply.stdout + apply.stderr);
  const after = await snapshot(etc);
  for (const tree of trees) {
    const pick = (snap: Record<string, string>) => Object.fromEntries(Object.entries(snap).filter(([k]) => members[tree]!.some((m) => k === m + '/' || k === m || k.startsWith(m + '/'))));
    t.deepEqual(pick(after), pick(before), tree);
  }
  t.deepEqual(after, before);

  // issue 10: after adoption a one-field change in git is exactly that change, on the file util-vserver
  // reads: the 14-adopted-extras guest keeps its disk limit in dlimits/0 (no second dlimits/vsgitops),
  // its other boot marks and every file carried in spec.files stay byte for byte
  t.true(files['hooks.yaml']!.includes('disk: {space: 2097152Ki, inodes: 100000}'), files['hooks.yaml']);
  await repo.commit({ ...files, 'hooks.yaml': files['hooks.yaml']!.replace('disk: {space: 2097152Ki, inodes: 100000}', 'disk: {space: 3Gi, inodes: 100000}') }, 'one field');
  const one = await cli(['plan', ...src, '--output', 'json']);
  const onePlan = JSON.parse(one.stdout) as { actions: { guest: string; changes: { path: string }[] }[] };
  t.deepEqual(onePlan.actions.map((a) => [a.guest, a.changes.map((c) => c.path)]), [['hooks', ['disk.spaceKiB']]]);
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  const changed = await snapshot(etc);
  t.deepEqual(Object.keys(changed).filter((k) => !(k in before)), [], 'nothing added (no dlimits/vsgitops)');
  t.deepEqual(Object.keys(changed).filter((k) => changed[k] !== before[k]), ['hooks/dlimits/0/space_total']);
  t.is(changed['hooks/dlimits/0/space_total'], '644 3145728\n');
});
