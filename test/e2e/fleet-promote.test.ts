/**
 * Issue 11 acceptance: a fleet of four simulated hosts, each with its agent
 * (`vsgitops run`, a process) following its environment's branch of one git
 * repository. A pull request changes one guest's limit and another's address:
 * `diff` reports one live change and one restart (exit 3) and its Markdown
 * matches the golden file; after the merge the staging agents converge;
 * `promote` refuses while a staging host is drifted and succeeds once it
 * healed; the prod agents converge to the same revision; `fleet status`
 * shows all four converged.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { cli, manifest, tempDir } from '../helpers/e2e.js';
import { AgentProcess, procLimit, readStatus, until } from '../helpers/agent-process.js';

const TOKEN = 'e2e-agent-token-7f3a';
const HOSTS = [
  { name: 'st-a', env: 'staging', slot: 'a' },
  { name: 'st-b', env: 'staging', slot: 'b' },
  { name: 'pr-a', env: 'prod', slot: 'a' },
  { name: 'pr-b', env: 'prod', slot: 'b' },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const git = async (cwd: string, args: string[]) => (await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd })).stdout.trim();

/** A manifest placed by label (the fleet file gives each host its labels). */
const guest = (o: { name: string; context: number; slot: string; nproc?: number; address: string }) =>
  manifest({ name: o.name, context: o.context, nproc: o.nproc, address: o.address }).replace(/ {2}hosts: .*\n/, `  hosts: {matchLabels: {slot: ${o.slot}}}\n`);

test('fleet: diff a pull request, converge staging, promote behind the gate, converge prod', async (t) => {
  const dir = await tempDir('fleet');
  const repo = path.join(dir, 'repo');
  await fsp.mkdir(path.join(repo, 'hosts'), { recursive: true });
  await git(repo, ['init', '-q', '-b', 'main']);
  const ports = await Promise.all(HOSTS.map(() => freePort()));
  const fleet = [
    'apiVersion: vsgitops.io/v1',
    'kind: Fleet',
    'environments:',
    '  staging: {ref: staging}',
    '  prod: {ref: prod}',
    'hosts:',
    ...HOSTS.map((h, i) => `  - {name: ${h.name}, environment: ${h.env}, labels: {slot: "${h.slot}"}, agent: {url: "http://127.0.0.1:${ports[i]}"}}`),
    '',
  ].join('\n');
  const write = async (webNproc: number, dbAddress: string) => {
    await fsp.writeFile(path.join(repo, 'hosts/fleet.yaml'), fleet);
    await fsp.writeFile(path.join(repo, 'hosts/web.yaml'), guest({ name: 'web', context: 1001, slot: 'a', nproc: webNproc, address: '192.0.2.10/24' }));
    await fsp.writeFile(path.join(repo, 'hosts/db.yaml'), guest({ name: 'db', context: 1002, slot: 'b', address: dbAddress }));
  };
  await write(200, '192.0.2.11/24');
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', 'initial fleet']);
  const c0 = await git(repo, ['rev-parse', 'HEAD']);
  await git(repo, ['branch', 'staging']);
  await git(repo, ['branch', 'prod']);

  const validate = await cli(['validate', '--repo', repo, '--path', 'hosts', '--format', 'github']);
  t.is(validate.exitCode, 0, validate.stdout + validate.stderr);

  // four simulated hosts, four agents
  const sims: string[] = [];
  const agents: AgentProcess[] = [];
  t.teardown(() => agents.forEach((a) => a.kill('SIGKILL')));
  for (const [i, h] of HOSTS.entries()) {
    const sim = path.join(dir, h.name);
    t.is((await cli(['sim', 'init', sim, '--name', h.name])).exitCode, 0);
    sims.push(sim);
    const config = path.join(dir, `${h.name}.yaml`);
    await fsp.writeFile(config, [
      `source: {url: ${repo}, ref: ${h.env}, path: hosts}`,
      `host: "sim:${sim}"`,
      `hostName: ${h.name}`,
      `hostLabels: {slot: "${h.slot}"}`,
      'intervals: {resync: 1s}',
      `http: {enabled: true, bind: 127.0.0.1, port: ${ports[i]}, tokenEnv: AGENT_TOKEN}`,
      'alerts: {sinks: [{type: log}]}',
      '',
    ].join('\n'));
    agents.push(AgentProcess.start(['-c', config], { cwd: dir, env: { AGENT_TOKEN: TOKEN } }));
  }
  const stateOf = (i: number) => path.join(sims[i]!, 'var/lib/vsgitops');
  const allAt = async (idx: number[], rev: string) =>
    until(async () => {
      for (const i of idx) {
        const s = await readStatus(stateOf(i));
        if (!s || s.lastAppliedRevision !== rev || !['applied', 'unchanged'].includes(s.lastPass.result)) return false;
      }
      return true;
    }, () => `hosts ${idx.map((i) => HOSTS[i]!.name).join(', ')} at ${rev}\n${idx.map((i) => agents[i]!.text().slice(-1500)).join('\n---\n')}`, 120_000);
  await allAt([0, 1, 2, 3], c0);
  t.is(await procLimit(sims[0]!, 1001), 200);

  // the pull request: one limit, one address
  await git(repo, ['checkout', '-q', '-b', 'change', 'staging']);
  await write(300, '192.0.2.12/24');
  await git(repo, ['commit', '-q', '-am', 'web: nproc 300; db: new address']);
  const c1 = await git(repo, ['rev-parse', 'HEAD']);

  const diffArgs = ['diff', '--repo', repo, '--path', 'hosts', '--environment', 'staging', '--to', 'change'];
  const json = await cli([...diffArgs, '--output', 'json']);
  t.is(json.exitCode, 3, json.stderr);
  const d = JSON.parse(json.stdout) as { from: string; to: string; summary: Record<string, number>; hosts: { name: string; actions: { guest: string; effect: string }[] }[] };
  t.is(d.from, c0, 'default --from: the merge base with the environment\'s branch');
  t.is(d.to, c1);
  t.deepEqual(d.summary, { live: 1, restart: 1 });
  t.deepEqual(d.hosts.map((h) => `${h.name}: ${h.actions.map((a) => `${a.guest} ${a.effect}`).join(', ')}`), ['st-b: db restart', 'st-a: web live']);
  const md = await cli([...diffArgs, '--output', 'markdown']);
  t.is(md.exitCode, 3);
  const golden = await fsp.readFile(path.resolve('test/fixtures/fleet/diff-golden.md'), 'utf8');
  t.is(md.stdout.split(c0.slice(0, 12)).join('<FROM>').split(c1.slice(0, 12)).join('<TO>') + '\n', golden);

  // merge: staging converges, prod stays
  await git(repo, ['checkout', '-q', 'staging']);
  await git(repo, ['merge', '-q', '--ff-only', 'change']);
  await allAt([0, 1], c1);
  t.is(await procLimit(sims[0]!, 1001), 300);
  t.is(await procLimit(sims[2]!, 1001), 200, 'prod untouched');

  // a guest started by hand on st-b: drift that nothing heals by itself
  const vserver = (i: number, args: string[]) => execa(path.join(sims[i]!, 'bin/vserver'), args, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  t.is((await vserver(1, ['rogue', 'build', '-m', 'skeleton', '--context', '1099', '--hostname', 'rogue', '--interface', 'eth0:192.0.2.99/24'])).exitCode, 0);
  t.is((await vserver(1, ['rogue', 'start'])).exitCode, 0);
  await until(async () => ((await readStatus(stateOf(1)))?.drift ?? []).some((x) => x.guest === 'rogue' && x.kind === 'unmanaged'), 'st-b reports the unmanaged guest', 60_000);

  const env = { VSGITOPS_AGENT_TOKEN: TOKEN };
  const promoteArgs = ['promote', '--repo', repo, '--path', 'hosts', '--from', 'staging', '--to', 'prod'];
  const dry = await cli([...promoteArgs, '--dry-run'], { env });
  t.is(dry.exitCode, 1, dry.stdout + dry.stderr);
  t.regex(dry.stdout, /st-b .*FAIL: drift: rogue \(unmanaged\)/);
  const refused = await cli(promoteArgs, { env });
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /1 of 2 host\(s\) of staging not converged at .* \(st-b\): prod not moved/);
  t.is(await git(repo, ['rev-parse', 'prod']), c0, 'prod did not move');
  const noToken = await cli(promoteArgs);
  t.is(noToken.exitCode, 1);
  t.regex(noToken.stdout, /st-a .*FAIL: no answer: HTTP 401 \(token refused\)/);

  // heal: the hand-made guest goes away
  t.is((await vserver(1, ['rogue', 'stop'])).exitCode, 0);
  t.is((await vserver(1, ['--silent', 'rogue', 'delete'])).exitCode, 0);
  await until(async () => {
    const s = await readStatus(stateOf(1));
    return s !== null && !s.drift.some((x) => x.guest === 'rogue');
  }, 'st-b healed', 60_000);

  const promoted = await cli([...promoteArgs, '--output', 'json'], { env });
  t.is(promoted.exitCode, 0, promoted.stdout + promoted.stderr);
  const report = JSON.parse(promoted.stdout) as { promoted: boolean; revision: string; targetBefore: string; gate: { open: boolean } };
  t.true(report.promoted);
  t.true(report.gate.open);
  t.is(report.revision, c1);
  t.is(report.targetBefore, c0);
  t.is(await git(repo, ['rev-parse', 'prod']), c1);
  await allAt([2, 3], c1);
  t.is(await procLimit(sims[2]!, 1001), 300);

  const status = await cli(['fleet', 'status', '--repo', repo, '--ref', 'prod', '--path', 'hosts', '--output', 'json'], { env });
  t.is(status.exitCode, 0, status.stdout + status.stderr);
  const fs = JSON.parse(status.stdout) as { hosts: { name: string; converged: boolean; revision: string }[] };
  t.deepEqual(fs.hosts.map((h) => `${h.name} ${h.converged} ${h.revision === c1}`), ['st-a true true', 'st-b true true', 'pr-a true true', 'pr-b true true']);

  // promoting staging again is a no-op; a prod ahead of staging is not a fast-forward
  await git(repo, ['checkout', '-q', 'prod']);
  await git(repo, ['commit', '-q', '--allow-empty', '-m', 'hotfix on prod']);
  await git(repo, ['checkout', '-q', 'staging']);
  const nonFf = await cli(promoteArgs, { env });
  t.is(nonFf.exitCode, 1);
  t.regex(nonFf.stderr, /not a fast-forward/);

  // a host that does not answer is never shown as healthy
  agents[3]!.kill('SIGTERM');
  await agents[3]!.exited;
  const down = await cli(['fleet', 'status', '--repo', repo, '--ref', 'staging', '--path', 'hosts', '--timeout', '3s'], { env });
  t.is(down.exitCode, 4);
  t.regex(down.stdout, /^pr-b +prod +\? +NO ANSWER/m);
  t.regex(down.stdout, /3 of 4 hosts converged, 1 did not answer/);
});
