/**
 * Issue 10 (initx) acceptance on a simulated host: the 15-init-extras corpus
 * tree (apps/init extras, depends, sysctl, cgroup files, fstab.remote, hooks)
 * round-trips (import-corpus.test.ts), and after adoption a one-field change
 * in git is exactly that change, on exactly the file util-vserver reads. A
 * cgroup file beyond the six changes live in a running guest's cgroup.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, inProcessHost, simHostWithRepo } from '../helpers/e2e.js';
import { webManifest } from '../helpers/manifests.js';
import { computePlan, executePlan } from '../../src/pipeline/pipeline.js';
import { cgroupDir, readCgroupLayout } from '../../src/providers/vserver/cgroup-layout.js';
import { simHostPaths } from '../../src/providers/vserver/host-paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TREE = path.resolve(here, '../../../test/fixtures/import-corpus/15-init-extras');

/** path -> mode and content (or link target) below `dir`, the marker left out. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const e of await fsp.readdir(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const a = path.join(abs, e.name);
      if (e.name === '.vsgitops') continue;
      if (e.isSymbolicLink()) out[r] = `-> ${await fsp.readlink(a)}`;
      else if (e.isDirectory()) await walk(a, r);
      else out[r] = `${((await fsp.stat(a)).mode & 0o777).toString(8)} ${await fsp.readFile(a, 'utf8')}`;
    }
  };
  await walk(dir, '');
  return out;
}

test('15-init-extras: import is exact, adopt plans nothing, and each one-field change in git is exactly one change on one file', async (t) => {
  t.timeout(240_000);
  const { dir, repo, sim, src } = await simHostWithRepo('initx-e2e');
  const etc = path.join(sim, 'etc/vservers');
  await fsp.cp(TREE, etc, { recursive: true, verbatimSymlinks: true });
  const cfg = path.join(etc, 'initx');
  const before = await snapshot(cfg);
  const out = path.join(dir, 'imported');
  const imp = await cli(['import', '--host', `sim:${sim}`, '--out', out, 'initx']);
  t.is(imp.exitCode, 0, imp.stderr);
  t.regex(imp.stdout, /initx\.yaml: exact/);
  let yaml = await fsp.readFile(path.join(out, 'initx.yaml'), 'utf8');
  // the modelled files left spec.files; what util-vserver reads differently stays carried, with the reason
  t.regex(yaml, /\n  sysctl: +# sysctl/);
  t.regex(yaml, /scripts:\n {4}initialize: \|\n/);
  t.regex(yaml, /# item "# stop the app first": getFileArray has no comments/);
  t.regex(yaml, / {4}apps\/init\/cmd\.stop: \|/);
  t.notRegex(yaml, / {4}sysctl\/0\/setting:/);
  await repo.commit({ 'initx.yaml': yaml }, 'import');
  t.is((await cli(['adopt', 'initx', ...src])).exitCode, 0);
  const plan = await cli(['plan', ...src]);
  t.is(plan.exitCode, 0, plan.stdout + plan.stderr);
  t.regex(plan.stdout, /No changes\./);
  t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
  t.deepEqual(await snapshot(cfg), before, 'apply changed nothing');

  const oneChange = async (edit: (y: string) => string, wantPath: string, wantFile: string) => {
    const next = edit(yaml);
    t.not(next, yaml, wantPath);
    yaml = next;
    await repo.commit({ 'initx.yaml': yaml }, wantPath);
    const was = await snapshot(cfg);
    const p = JSON.parse((await cli(['plan', ...src, '--output', 'json'])).stdout) as { actions: { guest: string; changes: { path: string; note?: string }[] }[] };
    t.deepEqual(p.actions.map((a) => [a.guest, a.changes.map((c) => c.path)]), [['initx', [wantPath]]]);
    const text = wantPath.startsWith('scripts[') ? (await cli(['plan', ...src])).stdout : '';
    t.is((await cli(['apply', ...src, '--yes'])).exitCode, 0);
    const now = await snapshot(cfg);
    t.deepEqual(Object.keys(now).filter((k) => now[k] !== was[k]), [wantFile], wantPath);
    return { text, now };
  };
  // vsysctl's value file (UV src/vsysctl.c:114), the other entry's files keep their bytes
  let r = await oneChange((y) => y.replace('value: "4096\\t87380\\t6291456"', 'value: "4096\\t87380\\t4194304"'), 'sysctl[tcp]', 'sysctl/tcp/value');
  t.is(r.now['sysctl/tcp/value'], '644 4096\t87380\t4194304\n');
  // a hook sourced until now becomes a program: the same bytes, mode 0755 (execScriptlets `test -x`)
  r = await oneChange((y) => y.replace('    post-start.d/10-routes:\n      executable: false\n      content: |\n        ip route', '    post-start.d/10-routes: |\n      ip route'), 'scripts[post-start.d/10-routes]', 'scripts/post-start.d/10-routes');
  t.is(r.now['scripts/post-start.d/10-routes'], '755 ip route add 198.51.100.0/24 dev eth0 || :\n');
  t.regex(r.text, /note: host-root script change/);
  // the next plan has exactly one change: the one before converged
  r = await oneChange((y) => y.replace('memory.memsw.limit_in_bytes: "2G"', 'memory.memsw.limit_in_bytes: "3G"'), 'cgroupFiles[memory.memsw.limit_in_bytes]', 'cgroup/memory.memsw.limit_in_bytes');
  t.is(r.now['cgroup/memory.memsw.limit_in_bytes'], '644 3G\n');
  t.regex((await cli(['plan', ...src])).stdout, /No changes\./, 'converged');
});

test('a cgroup file beyond the six changes live in the running guest\'s cgroup (no restart); a file the manifest drops stays', async (t) => {
  t.timeout(120_000);
  const { sim, manifests, opts } = await inProcessHost('initx-cg');
  const converge = async (extra: string) => {
    await fsp.writeFile(path.join(manifests, 'web.yaml'), webManifest(extra));
    const computed = await computePlan(opts);
    const cs = await executePlan(opts, computed, computed.plan);
    t.true(cs.ok, JSON.stringify(cs.entries));
    t.deepEqual((await computePlan(opts)).plan.actions, [], 'converged');
    return computed.plan;
  };
  await converge('  cgroupFiles: {cpu.rt_runtime_us: 0, blkio.weight: 500}\n');
  const layout = await readCgroupLayout(simHostPaths(sim), 'web');
  const live = (f: string) => fsp.readFile(path.join(cgroupDir(layout, f), f), 'utf8');
  // util-vserver copied the guest's cgroup/* into the new cgroup at start (UV scripts/vserver.functions:1603-1617)
  t.is(await live('cpu.rt_runtime_us'), '0\n');
  const plan = await converge('  cgroupFiles: {cpu.rt_runtime_us: 950000}\n');
  t.deepEqual(plan.actions.map((a) => [a.kind, a.restart, a.changes.map((c) => [c.path, c.effect])]), [['update', false, [['cgroupFiles[cpu.rt_runtime_us]', 'live']]]]);
  t.is(await live('cpu.rt_runtime_us'), '950000\n');
  t.is(await fsp.readFile(path.join(sim, 'etc/vservers/web/cgroup/cpu.rt_runtime_us'), 'utf8'), '950000\n');
  t.is(await fsp.readFile(path.join(sim, 'etc/vservers/web/cgroup/blkio.weight'), 'utf8'), '500\n', 'not named any more: kept');
  t.is(await live('blkio.weight'), '500\n');
});
