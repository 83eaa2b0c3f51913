/**
 * Issue 6 acceptance: drift detection, alerts, status and metrics through real
 * processes — the agent (`vsgitops run`) on a simulated host, a real git
 * repository, webhook receivers on 127.0.0.1, the `drift` and `status` commands.
 * One agent per drift mode; each scenario walks through its steps on it.
 */
import test, { type ExecutionContext } from 'ava';
import { createHmac, timingSafeEqual } from 'node:crypto';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { runShim } from '../helpers/run-shim.js';
import { CLI, cli, manifest, readText, tempDir, TestRepo } from '../helpers/e2e.js';
import { parsePrometheusText, valueOf } from '../observability/helpers/prom-parse.js';
import { deadPort, startReceiver } from '../observability/helpers/receiver.js';

const SECRET = 'e2e-alert-secret';
const CONDITIONS = ['Ready', 'Progressing', 'Drifted', 'Failed', 'Suspended'];
const KINDS = ['pending', 'config', 'runtime', 'unmanaged', 'failed'];
const RESULTS = ['applied', 'unchanged', 'failed', 'invalid', 'suspended'];

interface Alert {
  type: 'appeared' | 'changed' | 'resolved';
  key: string;
  kind: string;
  guest?: string;
  fields: string[];
  message: string;
  mode: string;
  at: string;
  resolution?: string;
}
interface Condition {
  type: string;
  status: boolean;
  reason: string;
}
interface DriftItem {
  kind: string;
  guest?: string;
  fields: string[];
  mode: string;
  ignored?: { reason: string; expires: string };
}
interface Status {
  lastAppliedRevision: string | null;
  lastSucceededAt: string | null;
  lastPass: { id: string; finishedAt: string; result: string };
  guests: { name: string; mode: string; conditions: Condition[] }[];
  drift: DriftItem[];
}
interface PassLine {
  message: string;
  passId: string;
  result: string;
  timestamp: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A simulated host, a repository and the command-line arguments that point at them. */
async function setup(t: ExecutionContext, name: string) {
  const dir = await tempDir(name);
  // registered first, so it runs last: after the agent is gone
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  if (init.exitCode !== 0) throw new Error(`sim init failed: ${init.stderr}`);
  const tool = async (t: string, args: string[]) => {
    const r = await runShim(path.join(sim, 'bin', t), args); // result at exit: a started guest's init keeps the pipes
    if (r.exitCode !== 0) throw new Error(`${t} ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr}`);
    return r;
  };
  return {
    dir,
    repo,
    sim,
    tool,
    statusFile: path.join(sim, 'var/lib/vsgitops/status.json'),
    src: ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`],
    nprocFile: (g: string, which: 'hard' | 'soft') => path.join(sim, 'etc/vservers', g, 'rlimits', `nproc.${which}`),
    /** "soft/hard" of the PROC row in /proc/virtual/<xid>/limit */
    procLimit: async (xid: number) => {
      const row = (await readText(path.join(sim, 'proc/virtual', String(xid), 'limit'))).split('\n').find((l) => l.startsWith('PROC:'))!;
      const pairs = [...row.matchAll(/(\S+)\/\s*(\S+)/g)];
      return `${pairs[1]![1]}/${pairs[1]![2]}`;
    },
  };
}
type Env = Awaited<ReturnType<typeof setup>>;

/** `vsgitops run` as a child process; stderr (JSON log lines) collected. */
async function startAgent(t: ExecutionContext, env: Env, config: string, extraEnv: Record<string, string> = {}) {
  const file = path.join(env.dir, 'agent.yaml');
  await fsp.writeFile(file, config);
  const child: ResultPromise = execa(process.execPath, [CLI, 'run', '--config', file], {
    reject: false,
    stdin: 'ignore',
    env: { ...extraEnv },
    extendEnv: true,
    // SIGTERM must end the agent by itself (bounded wait for alerts); a SIGKILL after 30 s shows it did not
    forceKillAfterDelay: 30_000,
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const lines = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{') && l.endsWith('}'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const port = await until('the agent serves /metrics', () => {
    if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${stderr}`);
    const m = /serving \/healthz \/readyz \/metrics on 127\.0\.0\.1:(\d+)/.exec(stderr);
    return m ? Number(m[1]) : undefined;
  });
  const status = async (): Promise<Status | undefined> => {
    try {
      return JSON.parse(await readText(env.statusFile)) as Status;
    } catch {
      return undefined;
    }
  };
  const passes = () => lines().filter((l) => l.message === 'pass') as unknown as PassLine[];
  return {
    child,
    port,
    stderr: () => stderr,
    lines,
    passes,
    status,
    /** resolves once `n` more passes have finished and been recorded in the status file */
    passesLater: async (n: number) => {
      const seen = new Set<string>();
      const first = (await status())?.lastPass.id;
      return until(`${n} more passes`, async () => {
        const s = await status();
        if (s && s.lastPass.id !== first) seen.add(s.lastPass.id);
        return seen.size >= n ? s : undefined;
      });
    },
  };
}
type Agent = Awaited<ReturnType<typeof startAgent>>;

/** Every alert received, with its HMAC signature checked against the exact body. */
function alertsOf(t: ExecutionContext, rx: Awaited<ReturnType<typeof startReceiver>>): Alert[] {
  return rx.received.map((r) => {
    const sig = String(r.headers['x-vsgitops-signature'] ?? '');
    const want = 'sha256=' + createHmac('sha256', SECRET).update(r.body, 'utf8').digest('hex');
    t.true(sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want)), `signature of ${r.body}`);
    t.is(r.headers['content-type'], 'application/json');
    return JSON.parse(r.body) as Alert;
  });
}
const typesFor = (alerts: Alert[], key: string) => alerts.filter((a) => a.key === key).map((a) => a.type);
const cond = (s: Status, guest: string, type: string) => s.guests.find((g) => g.name === guest)?.conditions.find((c) => c.type === type);

/**
 * Scrapes /metrics and checks every number against status.json (and the pass
 * log lines) of the same pass. Retries when a pass finished in between.
 */
async function metricsMatchStatus(t: ExecutionContext, agent: Agent, revision: string) {
  const { fams, status } = await until('a consistent /metrics and status.json', async () => {
    const res = await fetch(`http://127.0.0.1:${agent.port}/metrics`);
    t.is(res.status, 200);
    t.regex(res.headers.get('content-type') ?? '', /^text\/plain/);
    const fams = parsePrometheusText(await res.text());
    const status = await agent.status();
    if (!status || valueOf(fams, 'vsgitops_last_pass_timestamp_seconds') !== Date.parse(status.lastPass.finishedAt) / 1000) return undefined;
    // the pass log line is written before status and metrics are updated; wait for our copy of it
    if (!agent.passes().some((p) => p.passId === status.lastPass.id)) return undefined;
    return { fams, status };
  });
  const passes = agent.passes();
  const upTo = passes.slice(0, passes.findIndex((p) => p.passId === status.lastPass.id) + 1);
  for (const result of RESULTS) {
    t.is(valueOf(fams, 'vsgitops_passes_total', { result }), upTo.filter((p) => p.result === result).length, `passes ${result}`);
  }
  const histogramCount = fams.get('vsgitops_pass_duration_seconds')!.samples.filter((s) => s.name.endsWith('_count')).reduce((n, s) => n + s.value, 0);
  t.is(histogramCount, upTo.length);
  for (const condition of CONDITIONS) {
    for (const state of [true, false]) {
      const n = status.guests.filter((g) => g.conditions.some((c) => c.type === condition && c.status === state)).length;
      t.is(valueOf(fams, 'vsgitops_guests', { condition, status: String(state) }), n, `guests ${condition}=${state}`);
    }
  }
  for (const kind of KINDS) {
    for (const ignored of [true, false]) {
      const n = status.drift.filter((d) => d.kind === kind && Boolean(d.ignored) === ignored).length;
      t.is(valueOf(fams, 'vsgitops_drift_items', { kind, ignored: String(ignored) }), n, `drift ${kind} ignored=${ignored}`);
    }
  }
  t.is(status.lastAppliedRevision, revision);
  t.is(valueOf(fams, 'vsgitops_last_applied_revision_info', { revision }), 1);
  t.is(fams.get('vsgitops_last_applied_revision_info')!.samples.length, 1);
  t.is(valueOf(fams, 'vsgitops_last_success_timestamp_seconds'), Date.parse(status.lastSucceededAt!) / 1000);
  return { fams, status };
}

/** A webhook receiver that never answers, recording when each request began and when its connection closed. */
async function startHangingReceiver() {
  const requests: { start: number; end?: number }[] = [];
  const server = http.createServer((req) => {
    const r: { start: number; end?: number } = { start: Date.now() };
    requests.push(r);
    req.resume();
    req.socket.on('close', () => (r.end = Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('enforce: a hand edit and a live vlimit each alert once and heal; unmanaged guests reported and untouched; ignore entries; a dead sink does not delay passes; /metrics matches status', async (t) => {
  const env = await setup(t, 'drift-enforce');
  const rx = await startReceiver();
  const hang = await startHangingReceiver();
  t.teardown(rx.close);
  t.teardown(hang.close);
  const down = await deadPort();

  // two guests made by hand: neither git nor the inventory knows them
  await env.tool('vserver', ['legacy', 'build', '-m', 'skeleton', '--context', '2001', '--hostname', 'legacy']);
  await env.tool('vserver', ['legacy', 'start']);
  await env.tool('vserver', ['old', 'build', '-m', 'skeleton', '--context', '2002', '--hostname', 'old']);
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const g of ['legacy', 'old']) {
      const base = path.join(env.sim, 'etc/vservers', g);
      for (const f of (await fsp.readdir(base, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
        const p = path.join(f.parentPath, f.name);
        out[path.relative(env.sim, p)] = await readText(p);
      }
    }
    out['proc/virtual/2001/limit'] = await readText(path.join(env.sim, 'proc/virtual/2001/limit'));
    return out;
  };
  const before = await snapshot();

  // both unmanaged guests are on the ignore list; legacy's entry is later made to run out while the agent runs
  const ignore = (legacyExpires: string) =>
    [
      'ignore:',
      '  - guest: legacy',
      '    kind: unmanaged',
      '    reason: being migrated (TICKET-1)',
      `    expires: "${legacyExpires}"`,
      '  - guest: old',
      '    kind: unmanaged',
      '    reason: kept for the auditors (TICKET-2)',
      '    expires: 2999-12-31',
      '',
    ].join('\n');
  const web = manifest({ name: 'web', context: 1001, nproc: 200 });
  await env.repo.commit({ 'web.yaml': web, 'vsgitops-ignore.yaml': ignore('2999-12-31') });

  const agent = await startAgent(
    t,
    env,
    [
      'source: {url: ./repo, path: manifests}',
      'host: sim:./host',
      'intervals: {resync: 1s, debounce: 20ms}',
      'http: {enabled: true, port: 0}',
      'alerts:',
      '  sinks:',
      `    - {type: webhook, url: "${rx.url}", secretEnv: VSG_ALERT_SECRET}`,
      `    - {type: webhook, name: hanging, url: "${hang.url}"}`,
      `    - {type: webhook, name: down, url: "http://127.0.0.1:${down}/alerts"}`,
      '',
    ].join('\n'),
    { VSG_ALERT_SECRET: SECRET },
  );

  const first = await until('web created and ready', async () => {
    const s = await agent.status();
    return s && s.lastAppliedRevision !== null && cond(s, 'web', 'Ready')?.status ? s : undefined;
  });
  // both unmanaged guests are reported, and ignored while their entries hold
  t.deepEqual(
    first.drift.filter((d) => d.kind === 'unmanaged').map((d) => [d.guest, Boolean(d.ignored)]),
    [
      ['legacy', true],
      ['old', true],
    ],
  );
  t.false(
    first.drift.some((d) => d.kind === 'config' || d.kind === 'runtime'),
    'creating the guest of a new commit is not drift (and not alerted: see the alert list below)',
  );

  // legacy's entry now runs out in 2 s (no alert may come before that)
  const expires = new Date(Date.now() + 2000).toISOString();
  const rev = await env.repo.commit({ 'web.yaml': web, 'vsgitops-ignore.yaml': ignore(expires) });

  // 1. a hand edit of the guest's configuration
  await fsp.writeFile(env.nprocFile('web', 'hard'), '500\n');
  await until('config drift alert', () => alertsOf(t, rx).some((a) => a.key === 'config/web' && a.type === 'appeared'));
  const appeared = alertsOf(t, rx).find((a) => a.key === 'config/web')!;
  t.is(appeared.kind, 'config');
  t.is(appeared.mode, 'enforce');
  t.deepEqual(appeared.fields, ['limits.nproc.hard']);
  t.regex(appeared.message, /500 -> 200/);
  await until('hand edit healed', async () => (await readText(env.nprocFile('web', 'hard'))).trim() === '200');
  await until('config drift resolved', () => typesFor(alertsOf(t, rx), 'config/web').includes('resolved'));

  // the hanging sink got that alert and holds the request: passes go on meanwhile (checked below)
  t.true(hang.requests.length >= 1, 'the hanging sink was called');

  // 2. a live limit change
  t.is(await env.procLimit(1001), '200/200');
  await env.tool('vlimit', ['--xid', '1001', '--nproc', '77']);
  await until('runtime drift alert', () => alertsOf(t, rx).some((a) => a.key === 'runtime/web' && a.type === 'appeared'));
  const live = alertsOf(t, rx).find((a) => a.key === 'runtime/web')!;
  t.deepEqual(live.fields, ['runtime.limits.nproc.hard', 'runtime.limits.nproc.soft']);
  await until('live change healed', async () => (await env.procLimit(1001)) === '200/200');
  await until('runtime drift resolved', () => typesFor(alertsOf(t, rx), 'runtime/web').includes('resolved'));

  // 3. the expired entry: legacy alerts (once), old stays suppressed
  await until('legacy alerts after its ignore entry expired', () => alertsOf(t, rx).some((a) => a.key === 'unmanaged/legacy'));
  const after = await agent.passesLater(2);
  const alerts = alertsOf(t, rx);
  t.deepEqual(typesFor(alerts, 'config/web'), ['appeared', 'resolved']);
  t.deepEqual(typesFor(alerts, 'runtime/web'), ['appeared', 'resolved']);
  t.deepEqual(typesFor(alerts, 'unmanaged/legacy'), ['appeared']);
  t.deepEqual(typesFor(alerts, 'unmanaged/old'), []);
  t.deepEqual(alerts.filter((a) => !['config/web', 'runtime/web', 'unmanaged/legacy'].includes(a.key)), [], 'no other alerts');
  t.true(Date.parse(alerts.find((a) => a.key === 'unmanaged/legacy')!.at) >= Date.parse(expires));
  t.deepEqual(
    after.drift.map((d) => [d.kind, d.guest, Boolean(d.ignored)]),
    [
      ['unmanaged', 'legacy', false],
      ['unmanaged', 'old', true],
    ],
  );
  const warning = agent.lines().find((l) => typeof l.message === 'string' && l.message.includes('ignore entry (guest legacy, kind unmanaged) expired'));
  t.truthy(warning, 'the expired entry is logged');
  t.regex(String(warning?.message), /vsgitops-ignore\.yaml:2: /);
  t.is(warning?.level, 'warn');

  // unmanaged guests: untouched (configuration, running state, limits)
  t.deepEqual(await snapshot(), before);
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['legacy', 'status'], { reject: false })).exitCode, 0);
  t.is((await execa(path.join(env.sim, 'bin/vserver'), ['old', 'status'], { reject: false })).exitCode, 3);

  // the hanging sink: passes kept finishing while one of its requests was held open
  const now = Date.now();
  const during = agent.passes().filter((p) => hang.requests.some((r) => Date.parse(p.timestamp) > r.start && Date.parse(p.timestamp) < (r.end ?? now)));
  t.true(during.length >= 3, `passes finished while the sink hung: ${during.length}`);

  // /metrics against status.json; delivery counters per sink
  await metricsMatchStatus(t, agent, rev);
  await until('sent and failed alerts counted', async () => {
    const fams = parsePrometheusText(await (await fetch(`http://127.0.0.1:${agent.port}/metrics`)).text());
    return valueOf(fams, 'vsgitops_alerts_sent_total', { sink: 'webhook' }) === rx.received.length && valueOf(fams, 'vsgitops_alerts_failed_total', { sink: 'down' }) >= 1;
  });

  // shutdown: the hanging sink still holds alerts; they are abandoned after a bounded wait and the agent exits
  agent.child.kill('SIGTERM');
  const done = await agent.child;
  t.is(done.signal, undefined, 'exited by itself, not killed');
  t.is(done.exitCode, 0, agent.stderr().slice(-2000));
  t.true(agent.lines().some((l) => l.message === 'alerts abandoned at shutdown' && l.sink === 'hanging'));
});

test('warn: drift is reported, not healed; drift exits 4 then 0 and changes nothing; status and /metrics reflect it', async (t) => {
  const env = await setup(t, 'drift-warn');
  const rx = await startReceiver();
  t.teardown(rx.close);
  await fsp.writeFile(path.join(env.dir, 'alert-secret'), SECRET + '\n');
  const rev = await env.repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001, nproc: 200, drift: 'warn' }) });
  const agent = await startAgent(
    t,
    env,
    [
      'source: {url: ./repo, path: manifests}',
      'host: sim:./host',
      'intervals: {resync: 1s, debounce: 20ms}',
      'http: {enabled: true, port: 0}',
      'alerts:',
      `  sinks: [{type: webhook, url: "${rx.url}", secretFile: ./alert-secret}]`,
      '',
    ].join('\n'),
  );
  await until('web created and ready', async () => {
    const s = await agent.status();
    return s && s.lastAppliedRevision === rev && cond(s, 'web', 'Ready')?.status ? s : undefined;
  });
  const clean = await cli(['drift', ...env.src]);
  t.is(clean.exitCode, 0, clean.stdout + clean.stderr);

  // a hand edit and a live change at once
  await fsp.writeFile(env.nprocFile('web', 'hard'), '500\n');
  await env.tool('vlimit', ['--xid', '1001', '--nproc', '77']);
  await until('both alerts', () => ['config/web', 'runtime/web'].every((k) => alertsOf(t, rx).some((a) => a.key === k)));
  const drifted = await agent.passesLater(2);
  // reported, not changed
  t.is((await readText(env.nprocFile('web', 'hard'))).trim(), '500');
  t.is(await env.procLimit(1001), '77/77');
  t.deepEqual(
    alertsOf(t, rx).map((a) => [a.type, a.key, a.mode]),
    [
      ['appeared', 'config/web', 'warn'],
      ['appeared', 'runtime/web', 'warn'],
    ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
  );
  t.deepEqual(
    drifted.drift.map((d) => [d.kind, d.guest, d.mode, d.fields]),
    [
      ['runtime', 'web', 'warn', ['runtime.limits.nproc.hard', 'runtime.limits.nproc.soft']],
      ['config', 'web', 'warn', ['limits.nproc.hard']],
    ],
  );
  t.false(agent.stderr().includes('"outcome":"updated"'), 'no action ran');

  // status --output json
  const st = await cli(['status', '--host', `sim:${env.sim}`, '--output', 'json']);
  t.is(st.exitCode, 0, st.stderr);
  const status = JSON.parse(st.stdout) as Status;
  t.deepEqual(
    Object.fromEntries(status.guests.find((g) => g.name === 'web')!.conditions.map((c) => [c.type, [c.status, c.reason]])),
    { Ready: [false, 'DriftReported'], Progressing: [false, 'Idle'], Drifted: [true, 'DriftReported'], Failed: [false, 'Succeeded'], Suspended: [false, 'Active'] },
  );

  // vsgitops drift: exit 4, the items, nothing changed
  const d = await cli(['drift', ...env.src, '--output', 'json']);
  t.is(d.exitCode, 4, d.stderr);
  const report = JSON.parse(d.stdout) as { revision: string; drift: DriftItem[] };
  t.is(report.revision, rev);
  t.deepEqual(report.drift.map((i) => [i.kind, i.guest, i.fields]), [
    ['runtime', 'web', ['runtime.limits.nproc.hard', 'runtime.limits.nproc.soft']],
    ['config', 'web', ['limits.nproc.hard']],
  ]);
  const text = await cli(['drift', ...env.src]);
  t.is(text.exitCode, 4);
  t.regex(text.stdout, /config drift on web: limits\.nproc\.hard 500 -> 200/);
  t.is((await readText(env.nprocFile('web', 'hard'))).trim(), '500');
  t.is(await env.procLimit(1001), '77/77');

  // /metrics against status.json while drifted
  const { fams } = await metricsMatchStatus(t, agent, rev);
  t.is(valueOf(fams, 'vsgitops_drift_items', { kind: 'config', ignored: 'false' }), 1);
  t.is(valueOf(fams, 'vsgitops_guests', { condition: 'Drifted', status: 'true' }), 1);

  // put it back by hand: resolved alerts, drift exits 0, ready again
  await fsp.writeFile(env.nprocFile('web', 'hard'), '200\n');
  await env.tool('vlimit', ['--xid', '1001', '--nproc', '200', '-S', '--nproc', '200']);
  await until('both resolved', () => ['config/web', 'runtime/web'].every((k) => typesFor(alertsOf(t, rx), k).includes('resolved')));
  const ready = await until('web ready again', async () => {
    const s = await agent.status();
    return s && cond(s, 'web', 'Ready')?.status ? s : undefined;
  });
  t.deepEqual(ready.drift, []);
  t.is(alertsOf(t, rx).length, 4);
  t.true(alertsOf(t, rx).filter((a) => a.type === 'resolved').every((a) => a.resolution === 'gone'));
  const after = await cli(['drift', ...env.src]);
  t.is(after.exitCode, 0, after.stdout);
  const st2 = JSON.parse((await cli(['status', '--host', `sim:${env.sim}`, '--output', 'json'])).stdout) as Status;
  t.deepEqual([cond(st2, 'web', 'Drifted')?.status, cond(st2, 'web', 'Drifted')?.reason], [false, 'InSync']);

  agent.child.kill('SIGTERM');
  t.is((await agent.child).exitCode, 0);
});
