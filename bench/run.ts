/**
 * `make bench` (issue 4): validate, observe and plan at 100, 1,000 and 10,000
 * guests on a simulated host, and create/apply of 100 guests from empty.
 *
 * Every measured step runs in a fresh child process (`--child STEP`), which
 * reports its time, its peak RSS (process.resourceUsage().maxRSS) and its heap.
 * Beside each step the bench measures the floor: the time to merely read the
 * same files with fs.readFile, in the same child-process setup.
 *
 *   node dist/bench/run.js                       # all sizes (about 7 min on 2 loaded cores)
 *   node dist/bench/run.js --sizes 100,1000      # a quicker subset
 *   node dist/bench/run.js --reps 1 --no-apply   # fewer repetitions, skip apply
 *   node dist/bench/run.js --markdown            # also print the table as Markdown
 *   node dist/bench/run.js --pipeline            # also the full pipeline row at 10,000
 *   node dist/bench/run.js --fresh               # rebuild the fixtures
 *   node dist/bench/run.js --fixtures-only       # only build the fixtures
 *   node dist/bench/run.js --no-processes        # skip the whole-process rows (--version, validate, plan --repo)
 *   node dist/bench/run.js --no-sim-commands     # skip the simulator command rows (10 and 10,000 guests)
 *   node dist/bench/run.js --no-steps            # skip the per-size child steps (validate, observe, plan, pipeline)
 *   node dist/bench/run.js --apply-concurrency 1,4   # the apply rows: actions run at once (default 1 and 4)
 *   node dist/bench/run.js --no-floor-check      # skip checking that the floor reads what observe reads
 *
 * Fixtures live under .bench/ (removed by `make clean`); see BENCHMARKS.md.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { loadDesiredState, type DesiredState, type SourceSpec } from '../src/desired/load.js';
import { selectForHost } from '../src/desired/host-select.js';
import { silentLogger } from '../src/log.js';
import type { DesiredGuest, GuestSpec, ObservedHost } from '../src/model/guest.js';
import { execaRunner, type CommandRunner } from '../src/providers/command-runner.js';
import { simHostPaths, type HostPaths } from '../src/providers/vserver/host-paths.js';
import { MARKER_FILE, markerContent } from '../src/providers/vserver/marker.js';
import { createObserveCache, observeHost, type ObserveCache } from '../src/providers/vserver/observe.js';
import { readInventory, writeInventory } from '../src/reconciler/inventory.js';
import type { Inventory } from '../src/reconciler/inventory-types.js';
import { computePlan, executePlan, type PipelineOptions } from '../src/pipeline/pipeline.js';
import { DEFAULT_PLAN_OPTIONS, planHost } from '../src/reconciler/plan.js';
import { simInit } from '../src/sim/init.js';
import { seedSimHost } from '../src/sim/seed.js';
import { readObserveFloor, recordingFs } from './floor.js';

const HOST = 'bench-host';
const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SELF), '../..');

// ------------------------------------------------------------------ fixtures

/** Guest i of a fleet: 90% running, every 10th stopped; a mix of the fields a manifest can set. */
export function benchManifest(i: number): string {
  const name = `g${String(i).padStart(5, '0')}`;
  const ctx = 1000 + i;
  const a = `10.${1 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
  return [
    'apiVersion: vsgitops.io/v1',
    'kind: VServer',
    'metadata:',
    `  name: ${name}`,
    `  labels: {role: ${['web', 'db', 'mail', 'dns'][i % 4]}, tier: bench}`,
    'spec:',
    `  context: ${ctx}`,
    `  hosts: {names: [${HOST}]}`,
    `  uts: {nodename: ${name}.example.org, domainname: example.org}`,
    `  state: ${i % 10 === 9 ? 'stopped' : 'running'}`,
    '  startOnBoot: true',
    '  build: {method: skeleton, distribution: bookworm}',
    '  init: {style: plain}',
    '  interfaces:',
    `    - {device: eth0, address: ${a}/16}`,
    `    - {device: eth0, address: "2001:db8:${(i >> 8).toString(16)}::${(i & 0xff).toString(16) || '100'}/64"}`,
    '  flags: [virt_uptime, fakeinit]',
    '  capabilities:',
    '    context: [raw_icmp]',
    `  limits: {nproc: ${100 + (i % 50)}, nofile: 4096, openfd: 4096}`,
    '  memory: {limit: 512Mi}',
    `  cpu: {shares: ${256 + (i % 4) * 128}}`,
    '  policy: {deletion: retain, drift: enforce}',
    '',
  ].join('\n');
}

/** Every 100th guest differs on the host (an older nproc): the plan has ~1% live updates. */
const changed = (i: number) => i % 100 === 50;

interface FixtureMeta {
  size: number;
  manifests: string;
  repo: string;
  host: string;
  expectedActions: number;
  files: number;
  /** apply: the number of commands the apply ran (for its spawn floor) */
  commands?: number;
  /** apply: actions run at once (issue 12, simx) */
  concurrency?: number;
}

async function git(cwd: string, args: string[]): Promise<string> {
  return (await execa('git', args, { cwd })).stdout;
}

/** .bench/N: manifests/ (dir source), repo/ (git, the same files), host/ (seeded, managed, ~1% changed). */
async function buildFixture(root: string, size: number): Promise<FixtureMeta> {
  const dir = path.join(root, String(size));
  const metaFile = path.join(dir, 'meta.json');
  if (fs.existsSync(metaFile)) return JSON.parse(fs.readFileSync(metaFile, 'utf8')) as FixtureMeta;
  fs.rmSync(dir, { recursive: true, force: true });
  const manifests = path.join(dir, 'manifests');
  const repo = path.join(dir, 'repo');
  const hostDir = path.join(dir, 'host');
  fs.mkdirSync(manifests, { recursive: true });
  fs.mkdirSync(path.join(repo, 'manifests'), { recursive: true });
  for (let i = 0; i < size; i++) {
    const text = benchManifest(i);
    const f = `g${String(i).padStart(5, '0')}.yaml`;
    fs.writeFileSync(path.join(manifests, f), text);
    fs.writeFileSync(path.join(repo, 'manifests', f), text);
  }
  await git(repo, ['init', '-q', '-b', 'main']);
  await git(repo, ['add', '-A']);
  await git(repo, ['-c', 'gc.auto=0', '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', `${size} guests`]);
  await git(repo, ['gc', '-q']); // packed, as a clone would be

  const state = await loadDesiredState({ kind: 'dir', dir: manifests });
  if (state.problems.length > 0) throw new Error(`bench manifests invalid: ${JSON.stringify(state.problems.slice(0, 3))}`);
  const desired = selectForHost(state.guests, { name: HOST, labels: {} });
  if (desired.length !== size) throw new Error(`expected ${size} guests for ${HOST}, got ${desired.length}`);
  const seeded: GuestSpec[] = desired.map((d, i) => {
    if (!changed(i)) return d.spec;
    const nproc = d.spec.limits.nproc!;
    return { ...d.spec, limits: { ...d.spec.limits, nproc: { ...nproc, soft: 77, hard: 77 } } };
  });
  const host = seedSimHost(hostDir, seeded, { name: HOST });
  const inv: Inventory = { version: 1, guests: {} };
  desired.forEach((d, i) => {
    fs.writeFileSync(path.join(host.paths.etcVservers, d.spec.name, MARKER_FILE), markerContent(HOST));
    inv.guests[d.spec.name] = {
      context: d.spec.context,
      appliedSpec: seeded[i]!,
      appliedRevision: null,
      appliedBuild: d.build,
      driftMode: d.policy.drift,
      deletion: d.policy.deletion,
    };
  });
  await writeInventory(host.paths.stateDir, inv);
  const meta: FixtureMeta = { size, manifests, repo, host: hostDir, expectedActions: desired.filter((_, i) => changed(i)).length, files: size };
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

// ------------------------------------------------------------------ child steps

interface StepResult {
  ms: number;
  /** 1-minute load average when the step ended */
  load?: number;
  maxRssMB: number;
  heapUsedMB: number;
  /** heap still in use after a full GC with the step's result held */
  heapRetainedMB: number;
  detail?: Record<string, unknown>;
}

/** The manifest floor: list the directory and read every file, synchronously. */
function readManifestsFloor(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of fs.readdirSync(dir)) {
    bytes += fs.readFileSync(path.join(dir, name), 'utf8').length;
    files++;
  }
  return { files, bytes };
}

/** The host floor: exactly what observe needs (bench/floor.ts) + the inventory the planner reads. */
function readHostFloor(paths: HostPaths): Record<string, number> {
  const r = readObserveFloor(paths);
  const inv = fs.readFileSync(path.join(paths.stateDir, 'inventory.json'), 'utf8');
  return { ...r, files: r.files + 1, bytes: r.bytes + inv.length };
}

function hostSource(meta: FixtureMeta): SourceSpec {
  return { kind: 'git', repo: meta.repo, path: 'manifests' };
}

const snapshot = (meta: FixtureMeta, what: 'observed' | 'desired') => path.join(path.dirname(meta.host), `${what}.json`);

async function preloadDesired(meta: FixtureMeta): Promise<DesiredGuest[]> {
  // the validate-dir step leaves its result here, so this child need not validate again
  if (fs.existsSync(snapshot(meta, 'desired'))) return JSON.parse(fs.readFileSync(snapshot(meta, 'desired'), 'utf8')) as DesiredGuest[];
  const s = await loadDesiredState({ kind: 'dir', dir: meta.manifests });
  return selectForHost(s.guests, { name: HOST, labels: {} });
}

function countingRunner(inner: CommandRunner): { runner: CommandRunner; count: () => number } {
  let n = 0;
  return {
    runner: { run: (argv, o) => ((n += 1), inner.run(argv, o)) },
    count: () => n,
  };
}

/** Runs one step; returns what to keep alive (for the retained-heap figure) and details. */
async function runStep(step: string, meta: FixtureMeta): Promise<StepResult> {
  const paths = simHostPaths(meta.host);
  // inputs prepared before the clock starts (not part of the step)
  const pre: { desired?: DesiredGuest[]; observed?: Awaited<ReturnType<typeof observeHost>>; inventory?: Inventory; cache?: ObserveCache } = {};
  if (step === 'observe-incremental') {
    // the agent's second pass: the first (full) observation fills its cache (issue 12, agentx)
    pre.cache = createObserveCache({ fullEveryMs: 3_600_000 });
    pre.observed = await observeHost(paths, { hostName: HOST, runner: execaRunner(), cache: pre.cache });
  }
  if (step === 'plan' || step === 'observe+plan') pre.desired = await preloadDesired(meta);
  if (step === 'plan') {
    // the observe step leaves its result here, so this child need not observe again
    const snap = snapshot(meta, 'observed');
    pre.observed = fs.existsSync(snap) ? (JSON.parse(fs.readFileSync(snap, 'utf8')) as ObservedHost) : await observeHost(paths, { hostName: HOST, runner: execaRunner() });
    pre.inventory = await readInventory(paths.stateDir);
  }
  let held: unknown;
  let detail: Record<string, unknown> = {};
  global.gc?.();
  const t0 = performance.now();
  switch (step) {
    case 'baseline':
      break;
    case 'validate-dir':
    case 'validate-git': {
      const src: SourceSpec = step === 'validate-dir' ? { kind: 'dir', dir: meta.manifests } : hostSource(meta);
      const s = await loadDesiredState(src);
      held = s;
      detail = { guests: s.guests.length, problems: s.problems.length };
      break;
    }
    case 'floor-manifests': {
      detail = readManifestsFloor(meta.manifests);
      break;
    }
    case 'observe': {
      const o = await observeHost(paths, { hostName: HOST, runner: execaRunner() });
      held = o;
      detail = { guests: o.guests.length, running: o.guests.filter((g) => g.running).length, unmanagedContexts: o.unmanagedContexts.length };
      break;
    }
    case 'observe-incremental': {
      const o = await observeHost(paths, { hostName: HOST, runner: execaRunner(), cache: pre.cache! });
      held = o;
      if (o.digest !== pre.observed!.digest) throw new Error('the incremental observation differs from the full one');
      detail = { guests: o.guests.length, reused: pre.cache!.last.reused, read: pre.cache!.last.read };
      break;
    }
    case 'plan': {
      const plan = planHost({ revision: null, hostName: HOST, desired: pre.desired!, desiredValid: true, observed: pre.observed!, inventory: pre.inventory!, options: DEFAULT_PLAN_OPTIONS });
      held = plan;
      detail = { actions: plan.actions.length, unchanged: plan.unchanged.length };
      break;
    }
    case 'observe+plan': {
      const [observed, inventory] = await Promise.all([observeHost(paths, { hostName: HOST, runner: execaRunner() }), readInventory(paths.stateDir)]);
      const plan = planHost({ revision: null, hostName: HOST, desired: pre.desired!, desiredValid: true, observed, inventory, options: DEFAULT_PLAN_OPTIONS });
      held = [observed, plan];
      detail = { actions: plan.actions.length, unchanged: plan.unchanged.length };
      break;
    }
    case 'floor-host': {
      detail = readHostFloor(paths);
      break;
    }
    case 'pipeline': {
      const c = await computePlan({ source: hostSource(meta), host: { paths, name: HOST, labels: {} }, runner: execaRunner(), log: silentLogger() });
      held = c;
      detail = { actions: c.plan.actions.length, unchanged: c.plan.unchanged.length };
      break;
    }
    case 'floor-all': {
      const m = readManifestsFloor(meta.manifests);
      const h = readHostFloor(paths);
      detail = { files: m.files + h.files!, bytes: m.bytes + h.bytes! };
      break;
    }
    case 'apply': {
      // meta.host is an empty simulated host; meta.manifests the guests to create
      const { runner, count } = countingRunner(execaRunner());
      const opts: PipelineOptions = { source: { kind: 'dir', dir: meta.manifests }, host: { paths, name: HOST, labels: {} }, runner, log: silentLogger() };
      const c = await computePlan(opts);
      const cs = await executePlan({ ...opts, ...(meta.concurrency ? { concurrency: meta.concurrency } : {}) }, c, c.plan);
      const failed = cs.entries.filter((e) => e.outcome === 'failed');
      detail = { ...(meta.concurrency ? { concurrency: meta.concurrency } : {}), actions: c.plan.actions.length, commands: count(), ok: cs.ok, created: cs.entries.filter((e) => e.outcome === 'created').length, failed: failed.length };
      held = cs;
      break;
    }
    case 'check-floor': {
      // the floor must read exactly what observe reads: both through a recording fs, compare
      const o = recordingFs();
      await observeHost(paths, { hostName: HOST, runner: execaRunner(), fs: o.fs });
      const f = recordingFs();
      readObserveFloor(paths, f.fs);
      const onlyObserve = [...o.seen].filter((x) => !f.seen.has(x));
      const onlyFloor = [...f.seen].filter((x) => !o.seen.has(x));
      detail = { paths: o.seen.size, onlyObserve: onlyObserve.length, onlyFloor: onlyFloor.length, examples: [...onlyObserve.slice(0, 3), ...onlyFloor.slice(0, 3)].join('; ') };
      break;
    }
    case 'floor-spawn': {
      // as many bare node processes as the apply ran commands, one after the other like the executor
      const runner = execaRunner();
      for (let k = 0; k < (meta.commands ?? 0); k++) await runner.run([process.execPath, '-e', '0']);
      detail = { commands: meta.commands ?? 0 };
      break;
    }
    default:
      throw new Error(`unknown step ${step}`);
  }
  const ms = performance.now() - t0;
  const heapUsedMB = process.memoryUsage().heapUsed / 2 ** 20;
  global.gc?.();
  const heapRetainedMB = process.memoryUsage().heapUsed / 2 ** 20;
  const result = { ms, load: os.loadavg()[0]!, maxRssMB: process.resourceUsage().maxRSS / 1024, heapUsedMB, heapRetainedMB, detail };
  // after the figures are taken: the plan step reads this instead of observing again
  if (step === 'observe') fs.writeFileSync(snapshot(meta, 'observed'), JSON.stringify(held));
  if (step === 'validate-dir') fs.writeFileSync(snapshot(meta, 'desired'), JSON.stringify(selectForHost((held as DesiredState).guests, { name: HOST, labels: {} })));
  return result;
}

// ------------------------------------------------------------------ parent

const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs a whole process; wall time from the parent, peak RSS from /usr/bin/time when present. */
async function processRun(argv: string[], okCodes: number[]): Promise<StepResult> {
  const t0 = performance.now();
  const r = TIME
    ? await execa(TIME, ['-f', 'VSG_MAXRSS_KB %M', ...argv], { reject: false, timeout: 600_000 })
    : await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 600_000 });
  const ms = performance.now() - t0;
  if (!okCodes.includes(r.exitCode ?? -1)) throw new Error(`${argv.join(' ')}: exit ${String(r.exitCode)}: ${r.stderr.slice(0, 2000)}`);
  const m = /VSG_MAXRSS_KB (\d+)/.exec(r.stderr);
  return { ms, load: os.loadavg()[0]!, maxRssMB: m ? Number(m[1]) / 1024 : 0, heapUsedMB: 0, heapRetainedMB: 0 };
}

/** A whole-process row: `reps` runs of the command, alternating with its floor command. */
async function processRow(size: number, step: string, reps: number, argv: string[], okCodes: number[], floorArgv?: string[]): Promise<Row> {
  const row: Row = { size, step, runs: [], floorRuns: [] };
  for (let k = 0; k < reps; k++) {
    if (floorArgv) row.floorRuns.push(await processRun(floorArgv, [0]));
    row.runs.push(await processRun(argv, okCodes));
  }
  return row;
}

interface Row {
  size: number;
  step: string;
  floorStep?: string;
  runs: StepResult[];
  floorRuns: StepResult[];
  /** x floor = the median of each repetition's step/floor (floor and step measured back to back) */
  paired?: boolean;
}

let childWallMs = 0;

async function child(step: string, metaFile: string): Promise<StepResult> {
  const t = performance.now();
  const r = await execa(process.execPath, ['--expose-gc', SELF, '--child', step, '--meta', metaFile], { reject: false, timeout: 600_000 });
  if (r.exitCode !== 0) throw new Error(`bench step ${step} failed (exit ${r.exitCode}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()!;
  const res = JSON.parse(last) as StepResult;
  const wall = performance.now() - t;
  childWallMs += wall;
  if (process.env.BENCH_DEBUG) process.stderr.write(`      [${step}: ${f0(res.ms)} ms measured, ${f0(wall)} ms wall]\n`);
  return res;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function parseArgs(argv: string[]) {
  const o = { sizes: [100, 1000, 10000], reps: 0, apply: true, markdown: false, json: '', workdir: path.join(REPO_ROOT, '.bench'), child: '', meta: '', fresh: false, pipeline: false, fixturesOnly: false, checkFloor: true, processes: true, simCommands: true, runSteps: true, steps: [] as string[], applyConcurrency: [1, 4] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--sizes') o.sizes = v().split(',').map((s) => Number(s.trim()));
    else if (a === '--reps') o.reps = Number(v());
    else if (a === '--no-apply') o.apply = false;
    else if (a === '--markdown') o.markdown = true;
    else if (a === '--json') o.json = v();
    else if (a === '--workdir') o.workdir = path.resolve(v());
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--pipeline') o.pipeline = true;
    else if (a === '--fixtures-only') o.fixturesOnly = true;
    else if (a === '--no-floor-check') o.checkFloor = false;
    else if (a === '--no-processes') o.processes = false;
    else if (a === '--no-sim-commands') o.simCommands = false;
    else if (a === '--no-steps') o.runSteps = false;
    else if (a === '--apply-concurrency') o.applyConcurrency = v().split(',').map((s) => Number(s.trim()));
    else if (a === '--steps') o.steps = v().split(',').map((x) => x.trim()); // only these in-process steps (names as in the table)
    else if (a === '--child') o.child = v();
    else if (a === '--meta') o.meta = v();
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node dist/bench/run.js [--sizes 100,1000,10000] [--reps N] [--no-apply] [--markdown] [--json FILE] [--workdir DIR] [--fresh] [--pipeline]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 60000)) throw new Error('--sizes: integers 1..60000');
  return o;
}

/** minReps (issue 12, agentx): a ratio from one sample swung 1.4×–2.9× on the shared machine; this row takes the median of paired ratios */
const STEPS: { step: string; floor?: string; minReps?: number }[] = [
  { step: 'validate-dir', floor: 'floor-manifests' },
  { step: 'validate-git', floor: 'floor-manifests' },
  { step: 'observe', floor: 'floor-host' },
  { step: 'observe-incremental', floor: 'floor-host' },
  { step: 'plan' },
  { step: 'observe+plan', floor: 'floor-host', minReps: 5 },
  { step: 'pipeline', floor: 'floor-all' },
];

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);

function table(rows: Row[], baseline: StepResult, md: boolean): string {
  const head = ['guests', 'step', 'time ms', 'floor ms', 'x floor', 'load', 'max RSS MB', 'RSS-base MB', 'heap MB', 'retained MB', 'notes'];
  const body = rows.map((r) => {
    const ms = median(r.runs.map((x) => x.ms));
    const fl = r.floorRuns.length ? median(r.floorRuns.map((x) => x.ms)) : undefined;
    const ratio = fl === undefined ? undefined : r.paired ? median(r.runs.map((x, k) => x.ms / r.floorRuns[k]!.ms)) : ms / fl;
    const rss = median(r.runs.map((x) => x.maxRssMB));
    const d = r.runs[0]!.detail ?? {};
    const notes = Object.entries(d).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    return [
      String(r.size), r.step, f0(ms), fl === undefined ? '-' : f0(fl), ratio === undefined ? '-' : ratio.toFixed(2) + (r.paired ? ` (median of ${r.runs.length} paired)` : ''), f1(median(r.runs.map((x) => x.load ?? 0))),
      f0(rss), f0(rss - baseline.maxRssMB), f1(median(r.runs.map((x) => x.heapUsedMB))), f1(median(r.runs.map((x) => x.heapRetainedMB))), notes,
    ];
  });
  if (md) {
    const line = (c: string[]) => `| ${c.join(' | ')} |`;
    return [line(head), line(head.map((_, i) => (i < 2 || i === head.length - 1 ? '---' : '---:'))), ...body.map(line)].join('\n') + '\n';
  }
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 || i === c.length - 1 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.child) {
    const meta = JSON.parse(fs.readFileSync(o.meta, 'utf8')) as FixtureMeta;
    const r = await runStep(o.child, meta);
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const started = performance.now();
  const say = (s: string) => process.stderr.write(s + '\n');
  say(`vsgitops bench: sizes ${o.sizes.join(', ')}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load ${os.loadavg().map(f1).join(' ')}`);
  if (o.fresh) fs.rmSync(o.workdir, { recursive: true, force: true });
  fs.mkdirSync(o.workdir, { recursive: true });

  const rows: Row[] = [];
  let baseline: StepResult | undefined;
  for (const size of o.sizes) {
    const t = performance.now();
    const meta = await buildFixture(o.workdir, size);
    const metaFile = path.join(o.workdir, String(size), 'meta.json');
    say(`  ${size} guests: fixture ready (${f0(performance.now() - t)} ms)`);
    if (o.fixturesOnly || !o.runSteps) continue;
    baseline ??= await child('baseline', metaFile);
    if (o.checkFloor) {
      const c = await child('check-floor', metaFile);
      const d = c.detail ?? {};
      if (d.onlyObserve !== 0 || d.onlyFloor !== 0) throw new Error(`the floor does not read what observe reads at ${size}: ${JSON.stringify(d)}`);
      say(`    floor check: observe and the floor read the same ${String(d.paths)} paths`);
    }
    const reps = o.reps > 0 ? o.reps : size >= 10000 ? 1 : 3;
    // the full pipeline is about validate-git + observe+plan; at 10,000 it is left out unless asked for
    const steps = STEPS.filter((s) => (s.step !== 'pipeline' || size < 10000 || o.pipeline) && (o.steps.length === 0 || o.steps.includes(s.step)));
    // a floor is measured once per repetition and shared by the steps reading the same files
    const floors = new Map<string, StepResult>();
    for (const s of steps) {
      const row: Row = { size, step: s.step, floorStep: s.floor, runs: [], floorRuns: [], ...(s.minReps ? { paired: true } : {}) };
      for (let k = 0; k < Math.max(reps, size <= 1000 ? (s.minReps ?? 0) : 0); k++) {
        // floor and step alternate, so both see the same cache and load
        if (s.floor) {
          const key = `${s.floor}#${k}`;
          if (row.paired) row.floorRuns.push(await child(s.floor, metaFile)); // its own floor, right before the step
          else {
            if (!floors.has(key)) floors.set(key, await child(s.floor, metaFile));
            row.floorRuns.push(floors.get(key)!);
          }
        }
        row.runs.push(await child(s.step, metaFile));
      }
      const d = row.runs[0]!.detail ?? {};
      if ('actions' in d && d.actions !== meta.expectedActions) throw new Error(`${s.step} at ${size}: expected ${meta.expectedActions} actions, got ${String(d.actions)}`);
      if ('guests' in d && d.guests !== size) throw new Error(`${s.step} at ${size}: expected ${size} guests, got ${String(d.guests)}`);
      rows.push(row);
      say(`    ${s.step}: ${f0(median(row.runs.map((x) => x.ms)))} ms`);
    }
  }

  if (o.processes) {
    // whole processes, as a user runs them (issue 12's table)
    const node = process.execPath;
    const version = await processRow(0, 'cli --version (process)', 5, [node, CLI, '--version'], [0], [node, '-e', '0']);
    rows.push(version);
    say(`    cli --version: ${f0(median(version.runs.map((x) => x.ms)))} ms`);
    for (const size of o.sizes) {
      const meta = await buildFixture(o.workdir, size);
      const reps = o.reps > 0 ? o.reps : size >= 10000 ? 1 : 3;
      const v = await processRow(size, 'validate (process)', reps, [node, CLI, 'validate', meta.manifests], [0], [node, path.join(REPO_ROOT, 'dist/bench/parse-floor.js'), meta.manifests]);
      rows.push(v);
      say(`    ${size}: validate process ${f0(median(v.runs.map((x) => x.ms)))} ms`);
      // plan is read-only: exit 2 = changes pending (the ~1% seeded differences)
      const planArgv = [node, CLI, 'plan', '--repo', meta.repo, '--path', 'manifests', '--host', `sim:${meta.host}`, '--host-name', HOST];
      const p = await processRow(size, 'plan --repo (process)', reps, planArgv, [2]);
      rows.push(p);
      say(`    ${size}: plan --repo process ${f0(median(p.runs.map((x) => x.ms)))} ms, peak RSS ${f0(median(p.runs.map((x) => x.maxRssMB)))} MB`);
    }
  }

  if (o.simCommands) {
    // ---- issue 12 (simx): one simulator command on a small and a large host, against `node -e 0`
    const node = process.execPath;
    const big = o.sizes.includes(10000) ? 10000 : Math.max(...o.sizes);
    const ratios: string[] = [];
    for (const size of [10, big]) {
      const meta = await buildFixture(o.workdir, size);
      simInit(meta.host, { name: HOST }); // shims of this build; a host of an older layout is converted by the warm-up
      const cmds: [string, string[]][] = [['vserver-info', ['g00000', 'RUNNING']], ['vattribute', ['--xid', '1000', '--get']]];
      for (const [tool, args] of cmds) {
        const argv = [path.join(meta.host, 'bin', tool), ...args];
        await processRun(argv, [0]); // warm-up
        const reps = o.reps > 0 ? Math.max(o.reps, 5) : 7;
        const row = await processRow(size, `sim ${tool} ${args.join(' ')} (process)`, reps, argv, [0], [node, '-e', '0']);
        rows.push(row);
        const x = median(row.runs.map((r) => r.ms)) / median(row.floorRuns.map((r) => r.ms));
        ratios.push(`${tool} at ${size}: ${x.toFixed(2)}x`);
      }
    }
    say(`    simulator command vs node -e 0: ${ratios.join(', ')}`);
  }

  if (o.apply) {
    // create/apply of 100 guests from empty, through the real executor and the shims
    const dir = path.join(o.workdir, 'apply-100');
    const src = await buildFixture(o.workdir, 100);
    const reps = o.reps > 0 ? o.reps : 1;
    for (const concurrency of o.applyConcurrency) {
      // issue 12 (simx): the same apply with 1 and with N actions at once
      const row: Row = { size: 100, step: concurrency > 1 ? `apply (create, concurrency ${concurrency})` : 'apply (create)', runs: [], floorRuns: [] };
      for (let k = 0; k < reps; k++) {
        fs.rmSync(dir, { recursive: true, force: true });
        simInit(path.join(dir, 'host'), { name: HOST });
        const meta: FixtureMeta = { ...src, host: path.join(dir, 'host'), expectedActions: 100, ...(concurrency > 1 ? { concurrency } : {}) };
        const metaFile = path.join(dir, 'meta.json');
        fs.writeFileSync(metaFile, JSON.stringify(meta));
        const r = await child('apply', metaFile);
        if (r.detail?.ok !== true || r.detail.created !== 100) throw new Error(`apply: ${JSON.stringify(r.detail)}`);
        row.runs.push(r);
        fs.writeFileSync(metaFile, JSON.stringify({ ...meta, commands: r.detail.commands }));
        row.floorRuns.push(await child('floor-spawn', metaFile));
      }
      rows.push(row);
      say(`    ${row.step}: ${f0(median(row.runs.map((x) => x.ms)))} ms`);
    }
  }

  baseline ??= { ms: 0, maxRssMB: 0, heapUsedMB: 0, heapRetainedMB: 0 };
  process.stdout.write(`\nbaseline child (modules loaded, nothing done): max RSS ${f0(baseline.maxRssMB)} MB, heap ${f1(baseline.heapRetainedMB)} MB\n`);
  process.stdout.write(table(rows, baseline, false));
  if (o.markdown) process.stdout.write('\n' + table(rows, baseline, true));
  process.stdout.write(`\ntotal ${f0((performance.now() - started) / 1000)} s; load average now ${os.loadavg().map(f1).join(' ')}\n`);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, loadavg: os.loadavg(), baseline, rows }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
