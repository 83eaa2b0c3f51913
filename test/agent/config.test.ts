import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DEFAULTS, loadAgentConfig, type ConfigOverrides } from '../../src/agent/config.js';
import { isVsError, type Problem } from '../../src/errors.js';

async function writeConfig(text: string): Promise<{ dir: string; file: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-config-'));
  const file = path.join(dir, 'agent.yaml');
  await fs.writeFile(file, text);
  return { dir, file };
}

test('a minimal file gets every default', async (t) => {
  const { dir, file } = await writeConfig('source:\n  url: ./repo\n');
  const c = await loadAgentConfig(file, {}, { env: {}, hostname: 'node7' });
  t.is(c.file, file);
  t.deepEqual(c.source, { kind: 'local', url: path.join(dir, 'repo'), ref: 'HEAD', path: '.', credentials: { username: null, password: null }, signatures: null });
  t.is(c.host, 'local');
  t.is(c.hostName, 'node7');
  t.deepEqual(c.hostLabels, {});
  t.is(c.stateDir, '/var/lib/vsgitops');
  t.deepEqual(c.intervals, { pollMs: 60_000, pollJitter: 0.1, resyncMs: 300_000, debounceMs: 250, fullObserveMs: 300_000 });
  t.is(c.passTimeoutMs, DEFAULTS.passTimeoutMs);
  t.deepEqual(c.backoff, { minMs: 1000, maxMs: 900_000, factor: 2, jitter: 0.2 });
  t.deepEqual(c.deletionGuard, { maxDeletes: 5, maxDeleteShare: 0.25 });
  t.deepEqual(c.webhook, { enabled: false, bind: '127.0.0.1', port: 9292, path: '/hooks/git', secret: null, maxBodyBytes: 1_048_576, requestTimeoutMs: 10_000, maxConnections: 32, replayWindowMs: 3_600_000 });
  t.deepEqual(c.http, { enabled: false, bind: '127.0.0.1', port: 9293, token: null });
  t.deepEqual(c.alerts, {});
  t.is(c.log.level, 'info');
});

test('a full file is read, and flags override it', async (t) => {
  const { dir, file } = await writeConfig(`
source:
  url: https://git.example.com/ops/hosts.git
  ref: prod
  path: hosts
  credentials:
    username: deploy
    passwordEnv: GIT_TOKEN
host: sim:./simhost
hostName: web1
hostLabels: {role: web, dc: fra}
stateDir: ./state
intervals: {poll: 30s, pollJitter: 0.2, resync: 10m, debounce: 100ms}
passTimeout: 2m
backoff: {min: 2s, max: 5m}
deletionGuard: {maxDeletes: 2, maxDeleteShare: 0.1}
webhook: {enabled: true, port: 8080, secretFile: ./hook-secret}
http: {enabled: true, port: 9100}
alerts:
  kinds: [config, runtime]
  readyWindowMs: 60000
  sinks:
    - {type: log}
    - {type: webhook, url: "http://127.0.0.1:1/x", secretEnv: ALERT_KEY}
    - {type: webhook, name: backup, url: "https://alerts.example.org/in", secretFile: ./alert-key}
    - {type: slack, urlEnv: SLACK_URL}
    - {type: slack, name: chat, urlFile: ./slack-url}
    - {type: slack, name: mm, url: "https://chat.example.org/hooks/abc"}
    - {type: command, argv: [/usr/local/bin/page, --team, ops]}
log: {level: debug}
`);
  await fs.writeFile(path.join(dir, 'hook-secret'), 'hook-secret-value\n');
  const env = { GIT_TOKEN: 'tok-123456' };
  const c = await loadAgentConfig(file, {}, { env, hostname: 'x' });
  t.is(c.source.kind, 'remote');
  t.is(c.source.ref, 'prod');
  t.is(c.source.path, 'hosts');
  t.is(c.source.credentials.username, 'deploy');
  t.is(c.source.credentials.password!.reveal(), 'tok-123456');
  t.is(c.host, `sim:${path.join(dir, 'simhost')}`);
  t.deepEqual(c.hostLabels, { role: 'web', dc: 'fra' });
  t.is(c.stateDir, path.join(dir, 'state'));
  t.deepEqual(c.intervals, { pollMs: 30_000, pollJitter: 0.2, resyncMs: 600_000, debounceMs: 100, fullObserveMs: 600_000 });
  t.is(c.passTimeoutMs, 120_000);
  t.deepEqual(c.backoff, { minMs: 2000, maxMs: 300_000, factor: 2, jitter: 0.2 });
  t.deepEqual(c.deletionGuard, { maxDeletes: 2, maxDeleteShare: 0.1 });
  t.is(c.webhook.secret!.reveal(), 'hook-secret-value');
  t.is(c.webhook.port, 8080);
  t.deepEqual(c.alerts.kinds, ['config', 'runtime']);
  t.is((c.alerts.sinks as unknown[]).length, 7);
  t.is(c.log.level, 'debug');

  const o = await loadAgentConfig(
    file,
    { ref: 'staging', hostName: 'web2', labels: ['role=db'], pollInterval: '5s', resyncInterval: '90', passTimeout: '1h', webhookPort: '0', stateDir: '/tmp/st', logLevel: 'warn' },
    { env, hostname: 'x', cwd: '/' },
  );
  t.is(o.source.ref, 'staging');
  t.is(o.hostName, 'web2');
  t.deepEqual(o.hostLabels, { role: 'db' });
  t.is(o.intervals.pollMs, 5000);
  t.is(o.intervals.resyncMs, 90_000);
  t.is(o.intervals.fullObserveMs, 90_000, 'a full observe follows --resync-interval unless set');
  t.is(o.passTimeoutMs, 3_600_000);
  t.is(o.webhook.port, 0);
  t.is(o.stateDir, '/tmp/st');
  t.is(o.log.level, 'warn');
});

test('secrets never show up when the config is logged or inspected', async (t) => {
  const { file } = await writeConfig('source: {url: "https://h/r.git", credentials: {passwordEnv: TOK}}\nwebhook: {enabled: true, secretEnv: HOOK}\n');
  const c = await loadAgentConfig(file, {}, { env: { TOK: 'git-pass-XYZ', HOOK: 'hook-pass-XYZ' } });
  const dumped = JSON.stringify(c) + inspect(c, { depth: 10 }) + String(c.webhook.secret);
  t.false(dumped.includes('git-pass-XYZ'));
  t.false(dumped.includes('hook-pass-XYZ'));
  t.true(dumped.includes('[redacted]'));
});

test('flags alone are enough with --source', async (t) => {
  const c = await loadAgentConfig(null, { source: 'repo', host: 'sim:/tmp/sim', stateDir: 'st' }, { env: {}, cwd: '/work', hostname: 'h' });
  t.is(c.source.url, '/work/repo');
  t.is(c.host, 'sim:/tmp/sim');
  t.is(c.stateDir, '/work/st');
  t.is(c.file, null);
});

const bad: [string, string, { line: number; path: string; message: RegExp }][] = [
  ['unknown field', 'source: {url: r}\nwebhok: {enabled: true}\n', { line: 2, path: 'webhok', message: /unknown field/ }],
  ['nested unknown field', 'source:\n  url: r\n  branch: main\n', { line: 3, path: 'source.branch', message: /unknown field/ }],
  ['missing source', 'host: local\n', { line: 1, path: 'source', message: /required/ }],
  ['bad port', 'source: {url: r}\nwebhook:\n  port: 70000\n', { line: 3, path: 'webhook.port', message: /<= 65535/ }],
  ['bad duration', 'source: {url: r}\nintervals:\n  poll: soon\n', { line: 3, path: 'intervals.poll', message: /duration/ }],
  ['bad host', 'source: {url: r}\nhost: remote\n', { line: 2, path: 'host', message: /pattern/ }],
  ['bad log level', 'source: {url: r}\nlog: {level: loud}\n', { line: 2, path: 'log.level', message: /one of/ }],
  ['unknown alerts setting', 'source: {url: r}\nalerts:\n  webhook: {url: "http://h/x"}\n', { line: 3, path: 'alerts.webhook', message: /unknown field/ }],
  ['unknown sink type', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: email}\n', { line: 4, path: 'alerts.sinks.0.type', message: /one of log, webhook, slack, command/ }],
  ['inline webhook secret', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: webhook, url: "http://h/x", secret: s3cret}\n', { line: 4, path: 'alerts.sinks.0.secret', message: /unknown field/ }],
  ['webhook without url', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: webhook}\n', { line: 4, path: 'alerts.sinks.0.url', message: /required/ }],
  ['command argv as a string', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: command, argv: "page --team ops"}\n', { line: 4, path: 'alerts.sinks.0.argv', message: /array/ }],
  ['slack sink without a URL', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: slack}\n', { line: 4, path: 'alerts.sinks.0', message: /^needs one of url, urlEnv, urlFile$/ }],
  ['webhook secret given twice', 'source: {url: r}\nalerts:\n  sinks:\n    - {type: webhook, url: "http://h/x", secretEnv: A, secretFile: b}\n', { line: 4, path: 'alerts.sinks.0', message: /one way only/ }],
  ['bad alert kind', 'source: {url: r}\nalerts:\n  kinds: [drift]\n', { line: 3, path: 'alerts.kinds.0', message: /one of/ }],
  ['yaml syntax', 'source: {url: r\n', { line: 2, path: '', message: /./ }],
];
for (const [name, text, want] of bad) {
  test(`bad config: ${name}`, async (t) => {
    const { file } = await writeConfig(text);
    const err = await t.throwsAsync(loadAgentConfig(file, {}, { env: {} }));
    t.true(isVsError(err, 'CONFIG'), String(err));
    t.true(err!.message.includes(file), err!.message);
    const p = ((err as unknown as { data: { problems: Problem[] } }).data.problems)[0]!;
    t.is(p.line, want.line, JSON.stringify(p));
    t.is(p.path, want.path);
    t.regex(p.message, want.message);
  });
}

const refused: [string, string, Record<string, string>, RegExp][] = [
  ['credentials in the URL', 'source: {url: "https://u:p@h/r.git"}\n', {}, /must not contain credentials/],
  ['webhook without a secret', 'source: {url: r}\nwebhook: {enabled: true}\n', {}, /no secret/],
  ['webhook secret env unset', 'source: {url: r}\nwebhook: {enabled: true, secretEnv: NOPE}\n', {}, /NOPE is not set/],
  ['git password file missing', 'source: {url: "https://h/r", credentials: {passwordFile: /nonexistent/x}}\n', {}, /cannot read \/nonexistent\/x/],
  ['backoff max below min', 'source: {url: r}\nbackoff: {min: 10s, max: 1s}\n', {}, /backoff.max/],
  ['manifest path escaping the repository', 'source: {url: r, path: ../etc}\n', {}, /source.path: must be a relative path/],
  ['absolute manifest path', 'source: {url: r, path: /etc}\n', {}, /source.path: must be a relative path/],
  ['unsupported scheme', 'source: {url: "ssh://h/r"}\n', {}, /http\(s\)/],
];
for (const [name, text, env, re] of refused) {
  test(`refused config: ${name}`, async (t) => {
    const { file } = await writeConfig(text);
    const err = await t.throwsAsync(loadAgentConfig(file, {}, { env }));
    t.true(isVsError(err, 'CONFIG'));
    t.regex(err!.message, re);
  });
}

test('bad flags are usage errors naming the flag', async (t) => {
  const { file } = await writeConfig('source: {url: r}\n');
  for (const [o, re] of [
    [{ pollInterval: 'often' }, /--poll-interval/],
    [{ labels: ['novalue'] }, /--host-label/],
    [{ webhookPort: 'http' }, /--webhook-port/],
    [{ host: 'remote' }, /--host/],
  ] as [ConfigOverrides, RegExp][]) {
    const err = await t.throwsAsync(loadAgentConfig(file, o, { env: {} }));
    t.true(isVsError(err, 'USAGE'));
    t.regex(err!.message, re);
  }
});

test('a missing file is a CONFIG error naming it', async (t) => {
  const err = await t.throwsAsync(loadAgentConfig('/nonexistent/agent.yaml', {}, { env: {} }));
  t.true(isVsError(err, 'CONFIG'));
  t.regex(err!.message, /\/nonexistent\/agent\.yaml/);
});

test('source.signatures: key files are read at load, relative to the file; a bad one stops loading', async (t) => {
  const { dir, file } = await writeConfig('source:\n  url: ./repo\n  signatures:\n    allowedSigners: keys/allowed\n    paths: [{path: hosts/lab}]\ntimeouts: {build: 45m}\n');
  await fs.mkdir(path.join(dir, 'keys'));
  await fs.writeFile(path.join(dir, 'keys/allowed'), 'alice@example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbRk4zn9UbuNeNNO8OdWyvJY5pmzZ94zBEuInFCThdR\n');
  const c = await loadAgentConfig(file, {}, { env: {} });
  t.deepEqual(c.source.signatures, { rules: [{ path: '', openpgpKeys: [], allowedSigners: [path.join(dir, 'keys/allowed')] }, { path: 'hosts/lab', openpgpKeys: [], allowedSigners: [] }] });
  t.is(c.buildTimeoutMs, 45 * 60_000);
  t.is(c.progressIntervalMs, 5_000, 'the default still-running interval');
  await fs.writeFile(path.join(dir, 'keys/allowed'), 'alice@example.org ssh-ed25519\n');
  const err = await t.throwsAsync(loadAgentConfig(file, {}, { env: {} }));
  t.regex(err!.message, /allowed-signers file: .*keys\/allowed:1/);
});

test('a configuration file larger than the limit is refused unread, naming the limit', async (t) => {
  const { file } = await writeConfig('source:\n  url: ./repo\n' + '#'.repeat(DEFAULTS.maxConfigBytes) + '\n');
  const err = await t.throwsAsync(loadAgentConfig(file, {}, { env: {} }));
  t.regex(err!.message, /larger than the limit of 1048576 bytes for an agent configuration/);
});

test('http.tokenEnv: the status endpoint token comes from the environment, never printed', async (t) => {
  const { file } = await writeConfig('source: {url: /srv/repo}\nhttp: {enabled: true, tokenEnv: AGENT_TOKEN}\n');
  const c = await loadAgentConfig(file, {}, { env: { AGENT_TOKEN: 'tok-123456' }, hostname: 'h' });
  t.is(c.http.token?.reveal(), 'tok-123456');
  t.notRegex(JSON.stringify(c), /tok-123456/);
  await t.throwsAsync(loadAgentConfig(file, {}, { env: {}, hostname: 'h' }), { message: /http token: environment variable AGENT_TOKEN is not set/ });
});

test('timeouts.progress sets the still-running interval of the agent\'s apply (0: never); --progress-interval wins', async (t) => {
  const { file } = await writeConfig('source: {url: ./repo}\ntimeouts: {progress: 30s}\n');
  t.is((await loadAgentConfig(file, {}, { env: {} })).progressIntervalMs, 30_000);
  t.is((await loadAgentConfig(file, { progressInterval: '0' }, { env: {} })).progressIntervalMs, 0);
  const bad = await writeConfig('source: {url: ./repo}\ntimeouts: {progress: soon}\n');
  const err = await t.throwsAsync(loadAgentConfig(bad.file, {}, { env: {} }));
  t.true(isVsError(err, 'CONFIG'));
  t.regex(err!.message, /timeouts(\.|\/)progress/);
});

test('issue 12: concurrency: 1 by default, from the file, --concurrency wins; out of range refused', async (t) => {
  const { file } = await writeConfig('source:\n  url: ./repo\nconcurrency: 4\n');
  t.is((await loadAgentConfig(file, {}, { env: {} })).concurrency, 4);
  t.is((await loadAgentConfig(file, { concurrency: '2' }, { env: {} })).concurrency, 2);
  const plain = await writeConfig('source:\n  url: ./repo\n');
  t.is((await loadAgentConfig(plain.file, {}, { env: {} })).concurrency, DEFAULTS.concurrency);
  t.is(DEFAULTS.concurrency, 1);
  await t.throwsAsync(loadAgentConfig(file, { concurrency: '0' }, { env: {} }), { message: /--concurrency takes a whole number from 1 to 64/ });
  const zero = await writeConfig('source:\n  url: ./repo\nconcurrency: 0\n');
  await t.throwsAsync(loadAgentConfig(zero.file, {}, { env: {} }), { message: /concurrency/ });
});

test('intervals.fullObserve: how often the agent reads every guest config dir (issue 12)', async (t) => {
  const { file } = await writeConfig('source:\n  url: ./repo\nintervals: {resync: 5m, fullObserve: 1h}\n');
  const c = await loadAgentConfig(file, {}, { env: {}, hostname: 'x' });
  t.is(c.intervals.fullObserveMs, 3_600_000);
  t.is(c.intervals.resyncMs, 300_000);
  const bad = await writeConfig('source:\n  url: ./repo\nintervals: {fullObserve: soon}\n');
  await t.throwsAsync(loadAgentConfig(bad.file, {}, { env: {}, hostname: 'x' }), { message: /fullObserve/ });
});
