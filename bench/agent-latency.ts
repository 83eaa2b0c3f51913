/**
 * Agent benchmark (issue 5): commit-to-converged latency of the real agent
 * (`vsgitops run` as a process) for a one-field change — local repository
 * watched by chokidar, and a remote over http on 127.0.0.1 triggered by a
 * signed GitHub webhook — and the agent's idle CPU and memory with 1,000
 * guests on a simulated host.
 *
 *   node dist/bench/agent-latency.js [--runs 10] [--idle-seconds 30] [--guests 1000] [--json FILE]
 *
 * Latency: from just before `git commit` (local) or `git push` (remote; the
 * webhook is sent as soon as the push returns, as a forge would) until the
 * simulated host's /proc/virtual/XID/limit shows the new value, polled every
 * 5 ms. Idle CPU: utime+stime from /proc/PID/stat over the window, after the
 * startup pass; RSS from /proc/PID/status.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { simInit } from '../src/sim/init.js';
import { seedSimHost } from '../src/sim/seed.js';
import { validateManifestFiles } from '../src/desired/validate.js';
import { markerContent, MARKER_FILE } from '../src/providers/vserver/marker.js';
import { writeInventory } from '../src/reconciler/inventory.js';
import type { Inventory } from '../src/reconciler/inventory-types.js';
import { manifest } from '../test/helpers/e2e.js';
import { AgentProcess, procLimit, readStatus, sendGithubPush, until } from '../test/helpers/agent-process.js';
import { startGitHttpServer } from '../test/agent/helpers/git-http-server.js';

interface Options {
  runs: number;
  idleSeconds: number;
  guests: number;
  json: string | null;
  /** only the N-guest series and idle cost (skips the 1-guest local and webhook series) */
  guestsOnly: boolean;
  /** after the N-guest series, the same series with a full observe on every pass (intervals.fullObserve: 1ms) */
  compareFull: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 10, idleSeconds: 30, guests: 1000, json: null, guestsOnly: false, compareFull: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--runs': o.runs = Number(v); i++; break;
      case '--idle-seconds': o.idleSeconds = Number(v); i++; break;
      case '--guests': o.guests = Number(v); i++; break;
      case '--json': o.json = v ?? null; i++; break;
      case '--guests-only': o.guestsOnly = true; break;
      case '--compare-full': o.compareFull = true; break;
      default: throw new Error(`unknown argument ${argv[i]} (--runs N, --idle-seconds S, --guests N, --json FILE)`);
    }
  }
  for (const [k, n] of [['runs', o.runs], ['idle-seconds', o.idleSeconds], ['guests', o.guests]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a positive integer`);
  }
  return o;
}

const HOST = 'host-a';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const git = (cwd: string, args: string[]) => execa('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], { cwd });

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

interface Series {
  name: string;
  samples: number[];
  /** durationMs of the pass that applied each change (from the agent's log) */
  passMs: number[];
  passes: number;
  /** trigger of each pass during the runs, e.g. git, webhook, fetch+webhook */
  triggers: string[];
}

async function tmp(prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `vsgitops-bench-${prefix}-`));
}

async function newRepo(dir: string, files: Record<string, string>): Promise<string> {
  await fsp.mkdir(path.join(dir, 'manifests'), { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  for (const [f, text] of Object.entries(files)) await fsp.writeFile(path.join(dir, 'manifests', f), text);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'initial']);
  return (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
}

async function waitApplied(stateDir: string, rev: string, agent: AgentProcess, ms = 600_000): Promise<void> {
  await until(async () => (await readStatus(stateDir))?.lastAppliedRevision === rev, () => `revision ${rev} applied\n${agent.text().slice(-3000)}`, ms);
  // the status file can be written before the pass line reaches us: wait for it, so it is not counted as a run's pass
  await agent.waitLog((l) => l.message === 'pass' && l.revision === rev, `pass line for ${rev}`);
}

/** One-field changes (nproc of web, xid 1001); `publish` makes the commit visible (push + webhook for remote). */
async function measureChanges(
  name: string,
  runs: number,
  repo: string,
  sim: string,
  agent: AgentProcess,
  publish: (rev: string) => Promise<void>,
): Promise<Series> {
  const samples: number[] = [];
  const passMs: number[] = [];
  const passesBefore = agent.passes().length;
  let nproc = (await procLimit(sim, 1001)) ?? 200;
  for (let i = 0; i <= runs; i++) {
    nproc += 1;
    await fsp.writeFile(path.join(repo, 'manifests', 'web.yaml'), manifest({ name: 'web', context: 1001, host: HOST, nproc }));
    await git(repo, ['add', '-A']);
    const t0 = performance.now();
    await git(repo, ['commit', '-q', '-m', `nproc ${nproc}`]);
    const rev = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    await publish(rev);
    const want = nproc;
    await until(async () => (await procLimit(sim, 1001)) === want, () => `nproc ${want} on the host\n${agent.text().slice(-3000)}`, 60_000);
    const t1 = performance.now();
    // the pass line is written right after the host changed
    const line = await agent.waitLog((l) => l.message === 'pass' && l.revision === rev, `pass line for ${rev}`, 60_000);
    if (i > 0) {
      // run 0 warms up (first change after startup)
      samples.push(t1 - t0);
      passMs.push(Number(line.durationMs));
    }
    await sleep(300);
  }
  const during = agent.passes().slice(passesBefore);
  return { name, samples, passMs, passes: during.length, triggers: during.map((p) => String(p.trigger)) };
}

async function benchLocal(o: Options): Promise<Series> {
  const dir = await tmp('local');
  const sim = path.join(dir, 'host');
  simInit(sim, { name: HOST });
  const repo = path.join(dir, 'repo');
  const rev = await newRepo(repo, { 'web.yaml': manifest({ name: 'web', context: 1001, host: HOST, nproc: 200 }) });
  const agent = AgentProcess.start(['--source', repo, '--path', 'manifests', '--host', `sim:${sim}`, '--host-name', HOST]);
  try {
    await waitApplied(path.join(sim, 'var/lib/vsgitops'), rev, agent);
    return await measureChanges('local repository (watch)', o.runs, repo, sim, agent, async () => {});
  } finally {
    agent.kill('SIGTERM');
    await agent.exited;
  }
}

async function benchRemote(o: Options): Promise<Series> {
  const dir = await tmp('remote');
  const sim = path.join(dir, 'host');
  simInit(sim, { name: HOST });
  const served = path.join(dir, 'served');
  await fsp.mkdir(served);
  await execa('git', ['init', '-q', '--bare', '-b', 'main', path.join(served, 'hosts.git')]);
  const repo = path.join(dir, 'repo');
  const rev = await newRepo(repo, { 'web.yaml': manifest({ name: 'web', context: 1001, host: HOST, nproc: 200 }) });
  await git(repo, ['remote', 'add', 'origin', path.join(served, 'hosts.git')]);
  await git(repo, ['push', '-q', 'origin', 'main']);
  const server = await startGitHttpServer(served);
  const secret = 'bench-secret';
  const config = path.join(dir, 'agent.yaml');
  await fsp.writeFile(
    config,
    `source: {url: "${server.url}/hosts.git", ref: main, path: manifests}\nhost: "sim:${sim}"\nhostName: ${HOST}\n` +
      `intervals: {poll: 1h}\nwebhook: {enabled: true, bind: 127.0.0.1, port: 0, secretEnv: BENCH_WEBHOOK_SECRET}\n`,
  );
  const agent = AgentProcess.start(['--config', config], { env: { BENCH_WEBHOOK_SECRET: secret } });
  try {
    await waitApplied(path.join(sim, 'var/lib/vsgitops'), rev, agent);
    const l = await agent.waitLog((x) => x.message === 'webhook receiver listening', 'webhook listening');
    const hook = `http://127.0.0.1:${String(l.port)}/hooks/git`;
    return await measureChanges(
      'remote over http + GitHub webhook',
      o.runs,
      repo,
      sim,
      agent,
      async (r) => {
        await git(repo, ['push', '-q', 'origin', 'main']);
        const status = await sendGithubPush(hook, secret, 'refs/heads/main', r);
        if (status !== 202) throw new Error(`webhook answered ${status}`);
      },
    );
  } finally {
    agent.kill('SIGTERM');
    await agent.exited;
    await server.close();
  }
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 (utime) and 15 (stime), counted from 1 with pid and comm: index 11 and 12 after ')'
  return Number(f[11]) + Number(f[12]);
}

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

interface IdleResult {
  guests: number;
  seedMs: number;
  startupPassMs: number;
  startupResult: string;
  change: Series;
  idleSeconds: number;
  cpuMs: number;
  cpuPercent: number;
  passesWhileIdle: number;
  rssMiB: number;
  /** --compare-full: the same changes with every pass a full observe */
  changeFull?: Series;
}

async function benchIdle(o: Options): Promise<IdleResult> {
  const dir = await tmp('idle');
  const sim = path.join(dir, 'host');
  const repo = path.join(dir, 'repo');
  const stateDir = path.join(sim, 'var/lib/vsgitops');
  const files: Record<string, string> = { 'web.yaml': manifest({ name: 'web', context: 1001, host: HOST, nproc: 200 }) };
  for (let i = 0; i < o.guests - 1; i++) {
    const ctx = 2000 + i;
    files[`g${i}.yaml`] = manifest({ name: `g${i}`, context: ctx, host: HOST, address: `10.${(ctx >> 16) & 255}.${(ctx >> 8) & 255}.${ctx & 255}/16`, state: i % 4 === 3 ? 'stopped' : 'running' });
  }
  const t0 = performance.now();
  const validated = validateManifestFiles(Object.entries(files).map(([f, text]) => ({ path: `manifests/${f}`, size: text.length, bytes: Buffer.from(text) })));
  if (validated.problems.length) throw new Error(`bench manifests invalid: ${JSON.stringify(validated.problems.slice(0, 3))}`);
  seedSimHost(sim, validated.guests.map((g) => g.spec), { name: HOST });
  const rev = await newRepo(repo, files);
  // the seeded guests are vsgitops' own: marker in each config dir and an inventory entry, as after an apply
  const inv: Inventory = { version: 1, guests: {} };
  for (const g of validated.guests) {
    fs.writeFileSync(path.join(sim, 'etc/vservers', g.spec.name, MARKER_FILE), markerContent(HOST));
    inv.guests[g.spec.name] = { context: g.spec.context, appliedSpec: g.spec, appliedRevision: rev, appliedBuild: g.build, driftMode: g.policy.drift, deletion: g.policy.deletion };
  }
  await writeInventory(stateDir, inv);
  const seedMs = performance.now() - t0;

  const agent = AgentProcess.start(['--source', repo, '--path', 'manifests', '--host', `sim:${sim}`, '--host-name', HOST]);
  try {
    const first = await agent.waitLog((l) => l.message === 'pass', 'startup pass', 600_000);
    if (first.result !== 'unchanged' && first.result !== 'applied') throw new Error(`startup pass ${first.result}: ${JSON.stringify(first)}`);
    const change = await measureChanges(`local, ${o.guests} guests`, o.guestsOnly ? o.runs : Math.min(o.runs, 5), repo, sim, agent, async () => {});
    await sleep(2000);
    const passes = agent.passes().length;
    const c0 = cpuTicks(agent.pid);
    const w0 = performance.now();
    await sleep(o.idleSeconds * 1000);
    const c1 = cpuTicks(agent.pid);
    const wall = performance.now() - w0;
    const tick = 1000 / 100; // CLK_TCK is 100 on Linux
    const cpuMs = (c1 - c0) * tick;
    const rssMiB = rssKiB(agent.pid) / 1024;
    let changeFull: Series | undefined;
    if (o.compareFull) {
      agent.kill('SIGTERM');
      await agent.exited;
      const config = path.join(dir, 'full-observe.yaml');
      await fsp.writeFile(config, 'intervals: {fullObserve: 1ms}\n');
      const full = AgentProcess.start(['--config', config, '--source', repo, '--path', 'manifests', '--host', `sim:${sim}`, '--host-name', HOST]);
      try {
        await full.waitLog((l) => l.message === 'pass', 'startup pass (full observe)', 600_000);
        changeFull = await measureChanges(`local, ${o.guests} guests, full observe every pass`, o.guestsOnly ? o.runs : Math.min(o.runs, 5), repo, sim, full, async () => {});
      } finally {
        full.kill('SIGTERM');
        await full.exited;
      }
    }
    return {
      ...(changeFull ? { changeFull } : {}),
      guests: o.guests,
      seedMs,
      startupPassMs: Number(first.durationMs),
      startupResult: String(first.result),
      change,
      idleSeconds: o.idleSeconds,
      cpuMs,
      cpuPercent: (100 * cpuMs) / wall,
      passesWhileIdle: agent.passes().length - passes,
      rssMiB,
    };
  } finally {
    agent.kill('SIGTERM');
    await agent.exited;
  }
}

function summarize(triggers: string[]): string {
  const n = new Map<string, number>();
  for (const t of triggers) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n].map(([t, c]) => `${c}x ${t}`).join(', ');
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;

function row(s: Series): string[] {
  return [s.name, String(s.samples.length), fmt(quantile(s.samples, 0.5)), fmt(quantile(s.samples, 0.95)), fmt(Math.max(...s.samples)), fmt(quantile(s.passMs, 0.5)), String(s.passes)];
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`;
  console.log(`agent benchmark on ${machine}`);
  const none: Series = { name: '(skipped: --guests-only)', samples: [0], passMs: [0], passes: 0, triggers: [] };
  const local = o.guestsOnly ? none : await benchLocal(o);
  const remote = o.guestsOnly ? none : await benchRemote(o);
  const idle = await benchIdle(o);
  console.log('\ncommit-to-converged latency, one-field change (nproc of one guest; host /proc shows the new limit)');
  console.log(table(['source', 'runs', 'median', 'p95', 'max', 'pass median', 'passes'], [row(local), row(remote), row(idle.change), ...(idle.changeFull ? [row(idle.changeFull)] : [])]));
  console.log(`  aims: local < 1000 ms, webhook < 2000 ms`);
  console.log(`\nidle agent with ${idle.guests} guests on a simulated host (local repository, default intervals)`);
  console.log(
    table(
      ['measure', 'value'],
      [
        ['seed host + repo', fmt(idle.seedMs)],
        [`startup pass (${idle.startupResult})`, fmt(idle.startupPassMs)],
        [`CPU time over ${idle.idleSeconds} s idle`, `${Math.round(idle.cpuMs)} ms (${idle.cpuPercent.toFixed(2)} %)`],
        ['passes while idle', String(idle.passesWhileIdle)],
        ['RSS after idle', `${idle.rssMiB.toFixed(0)} MiB`],
      ],
    ),
  );
  console.log(`\npass triggers during the runs: local ${summarize(local.triggers)}; remote ${summarize(remote.triggers)}; ${idle.guests} guests ${summarize(idle.change.triggers)}`);
  if (o.json) await fsp.writeFile(o.json, JSON.stringify({ machine, local, remote, idle }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
