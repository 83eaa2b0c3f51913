/**
 * The kill -9 campaign (issue 14, `make reliability`): an apply is killed with
 * SIGKILL at a random moment while it creates, updates (live and restart),
 * replaces and deletes guests of a small fleet on a simulated host (every
 * fifth run, a `vserver NAME start` also dies half way); then one
 * further apply must converge to an empty plan with no guest lost, no
 * duplicate context, no orphaned marker, no stale lock and no journal left.
 *
 *   node dist/test/reliability/kill-campaign.js [--runs 50] [--seed N]
 *
 * Prints one line per run and a summary `kill campaign: runs N, converged N, lost N`;
 * exits 1 when a run did not converge or lost a guest.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, cli, manifest, tempDir, TestRepo, type GuestOpts } from '../helpers/e2e.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same kill points. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Revisions the campaign cycles through: every kind of action appears between two of them. */
const REVISIONS: GuestOpts[][] = [
  [{ name: 'a', context: 1001 }, { name: 'b', context: 1002, deletion: 'delete' }, { name: 'c', context: 1003, state: 'stopped' }],
  // live limit change, restart (address), start, create
  [{ name: 'a', context: 1001, nproc: 300 }, { name: 'b', context: 1002, address: '192.0.2.102/24', deletion: 'delete' }, { name: 'c', context: 1003 }, { name: 'd', context: 1004, deletion: 'delete' }],
  // replace (context id), delete, flag change
  [{ name: 'a', context: 1011, nproc: 300 }, { name: 'c', context: 1003, flags: ['virt_mem'] }, { name: 'd', context: 1004, deletion: 'delete' }],
  // delete, create, stop (a deleted guest is built again a cycle later: retain would keep its root in the way)
  [{ name: 'a', context: 1011 }, { name: 'c', context: 1003, state: 'stopped' }, { name: 'e', context: 1005, deletion: 'delete' }],
];

interface RunResult {
  run: number;
  killedAfterMs: number;
  converged: boolean;
  rolledBack: boolean;
  lost: string[];
  problems: string[];
}

async function simChildrenRunning(sim: string): Promise<boolean> {
  const r = await execa('pgrep', ['-f', `${sim}/`], { reject: false });
  // the guests' init processes live until their guest stops: only shim commands count
  const pids = r.stdout.split('\n').filter(Boolean);
  for (const pid of pids) {
    const cmd = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(`${sim}/bin/`) && !cmd.includes('init')) return true;
  }
  return false;
}

/**
 * A plan whose only finding is the guest whose start the run made die half way,
 * blocked because that restart or replace was rolled back (issue 14 item 4: a
 * rolled-back change is not retried until git changes the guest). That is the
 * designed outcome of the injected start failure, not of the kill.
 */
function onlyRolledBack(planStdout: string, halfStart: string | undefined): boolean {
  if (!halfStart) return false;
  try {
    const p = JSON.parse(planStdout) as { actions?: unknown[]; blocked?: { guest: string; reason: string }[] };
    return (p.actions ?? []).length === 0 && (p.blocked ?? []).length > 0 && (p.blocked ?? []).every((b) => b.guest === halfStart && /rolled back/.test(b.reason));
  } catch {
    return false;
  }
}

async function check(sim: string, want: GuestOpts[], src: string[], halfStart?: string): Promise<{ converged: boolean; rolledBack: boolean; lost: string[]; problems: string[] }> {
  const problems: string[] = [];
  const plan = await cli(['plan', ...src, '--output', 'json']);
  const rolledBack = plan.exitCode === 5 && onlyRolledBack(plan.stdout, halfStart);
  const converged = plan.exitCode === 0 || rolledBack;
  if (!converged) problems.push(`plan exit ${plan.exitCode}: ${plan.stderr.trim().split('\n').pop() ?? ''} ${plan.stdout.slice(0, 400)}`);
  const etc = path.join(sim, 'etc/vservers');
  const lost = want.filter((g) => !fs.existsSync(path.join(etc, g.name, '.vsgitops'))).map((g) => g.name);
  const inv = JSON.parse(await fsp.readFile(path.join(sim, 'var/lib/vsgitops/inventory.json'), 'utf8').catch(() => '{"guests":{}}')) as { guests: Record<string, unknown> };
  const listed = Object.keys(inv.guests).sort();
  const wanted = want.map((g) => g.name).sort();
  if (listed.join() !== wanted.join()) problems.push(`inventory ${listed.join(',')} != desired ${wanted.join(',')}`);
  for (const name of fs.readdirSync(etc)) {
    if (name.startsWith('.')) continue;
    if (fs.existsSync(path.join(etc, name, '.vsgitops')) && !wanted.includes(name)) problems.push(`orphaned marker: ${name}`);
  }
  const xids = fs.readdirSync(path.join(sim, 'proc/virtual')).filter((n) => /^\d+$/.test(n));
  const running = want.filter((g) => (g.state ?? 'running') === 'running');
  if (xids.length !== running.length) problems.push(`contexts ${xids.join(',')} for ${running.length} running guests`);
  for (const f of ['apply.lock', 'apply-journal.jsonl']) if (fs.existsSync(path.join(sim, 'var/lib/vsgitops', f))) problems.push(`${f} left behind`);
  const startDir = path.join(sim, 'var/lib/vsgitops/starting');
  const intents = fs.existsSync(startDir) ? fs.readdirSync(startDir).filter((n) => n.endsWith('.json')) : [];
  if (intents.length > 0) problems.push(`start intents left behind: ${intents.join(',')}`);
  return { converged, rolledBack, lost, problems };
}

async function main(): Promise<void> {
  const runs = arg('runs', 50);
  const rand = prng(arg('seed', 20261203));
  const dir = await tempDir('kill-campaign');
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  if ((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode !== 0) throw new Error('sim init failed');
  const src = ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`];
  const commit = (gs: GuestOpts[]) => repo.commit(Object.fromEntries(gs.map((g) => [`${g.name}.yaml`, manifest(g)])));

  // how long an uninterrupted apply takes here: kill points are drawn within it
  await commit(REVISIONS[0]!);
  const t0 = Date.now();
  const warm = await cli(['apply', ...src, '--yes', '--allow-mass-delete']);
  if (warm.exitCode !== 0) throw new Error(`first apply failed: ${warm.stderr}`);
  const span = Math.max(500, Date.now() - t0);

  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    const want = REVISIONS[run % REVISIONS.length]!;
    await commit(want);
    const killAt = Math.floor(rand() * span);
    // every fifth run, a `vserver NAME start` of a running guest also dies half way
    // (context without run file: UV scripts/vserver.start:148-161)
    const faults = path.join(sim, '.sim/faults.json');
    const starting = want.filter((g) => (g.state ?? 'running') === 'running');
    const halfStart = run % 5 === 0 ? starting[Math.floor(rand() * starting.length)]?.name : undefined;
    if (halfStart) await fsp.writeFile(faults, JSON.stringify({ faults: [{ tool: 'vserver', match: `${halfStart} start`, action: 'die-halfway', count: 1 }] }));
    const child = execa(process.execPath, [CLI, 'apply', ...src, '--yes', '--allow-mass-delete'], { reject: false, env: { VSGITOPS_LOG_LEVEL: 'error' }, stdin: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAt);
    await child;
    clearTimeout(timer);
    // util-vserver's commands go on without their caller: let them finish, as they would on a host
    for (let i = 0; i < 600 && (await simChildrenRunning(sim)); i++) await new Promise((r) => setTimeout(r, 100));
    await fsp.rm(faults, { force: true });
    const again = await cli(['apply', ...src, '--yes', '--allow-mass-delete']);
    const c = await check(sim, want, src, halfStart);
    if (again.exitCode !== 0 && !(c.rolledBack && again.exitCode === 5)) c.problems.unshift(`recovery apply exit ${again.exitCode}: ${again.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const r: RunResult = { run, killedAfterMs: killAt, converged: c.converged && (again.exitCode === 0 || (c.rolledBack && again.exitCode === 5)) && c.problems.length === 0, rolledBack: c.rolledBack, lost: c.lost, problems: c.problems };
    results.push(r);
    process.stdout.write(`run ${run}: killed after ${killAt} ms of ~${span}${halfStart ? ` (a start of ${halfStart} dies half way)` : ''}: ${r.converged ? (r.rolledBack ? 'converged (the injected start failure was rolled back and is not retried until git changes the guest)' : 'converged') : 'NOT converged'}${r.lost.length ? `, lost ${r.lost.join(',')}` : ''}${r.problems.length ? ` (${r.problems.join('; ')})` : ''}\n`);
  }
  const converged = results.filter((r) => r.converged).length;
  const lost = results.reduce((n, r) => n + r.lost.length, 0);
  const rolled = results.filter((r) => r.rolledBack).length;
  process.stdout.write(`kill campaign: runs ${results.length}, converged ${converged}, lost ${lost}${rolled ? ` (rolled back ${rolled})` : ''}\n`);
  await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  process.exitCode = converged === results.length && lost === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`kill campaign failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
