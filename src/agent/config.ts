import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { VsError, type Problem } from '../errors.js';
import { parseDuration } from '../text/duration.js';
import { resolveSecret, type Secret } from './secret.js';
import { resolveHostIdentity } from '../host/identity.js';
import { loadSignaturePolicy, policyFromConfig, type SignaturePolicySpec } from '../source/signature-policy.js';

/** The fully defaulted agent configuration. Durations are milliseconds. */
export interface AgentConfig {
  /** the file it came from, or null when built from flags only */
  file: string | null;
  source: {
    kind: 'local' | 'remote';
    /** absolute path (local) or http(s) URL (remote) */
    url: string;
    ref: string;
    path: string;
    credentials: { username: string | null; password: Secret | null };
    /** signed revisions required (keys checked at load), or null */
    signatures: SignaturePolicySpec | null;
  };
  host: string;
  hostName: string;
  hostLabels: Record<string, string>;
  /** the identity differs from the host file (--host-identity-change); absent: it matches or there is none */
  hostIdentityChange?: boolean;
  /** the first pass that applies stores name and labels in STATE_DIR/host.yaml */
  persistHostIdentity?: boolean;
  stateDir: string;
  /** fullObserveMs: every guest's config dir is read at least this often; between, only changed ones (issue 12) */
  intervals: { pollMs: number; pollJitter: number; resyncMs: number; debounceMs: number; fullObserveMs: number };
  passTimeoutMs: number;
  /** longest a guest build (`vserver NAME build`) may run */
  buildTimeoutMs: number;
  /** an apply's command running this long is logged as still running, and again as often (0: never) */
  progressIntervalMs: number;
  /** actions a pass runs at once (issue 12; 1: one after the other) */
  concurrency: number;
  backoff: { minMs: number; maxMs: number; factor: number; jitter: number };
  deletionGuard: { maxDeletes: number; maxDeleteShare: number };
  webhook: { enabled: boolean; bind: string; port: number; path: string; secret: Secret | null; maxBodyBytes: number; requestTimeoutMs: number; maxConnections: number; replayWindowMs: number };
  /** token: the bearer token GET /status and /observed require (none: they answer anyone who reaches the port) */
  http: { enabled: boolean; bind: string; port: number; token: Secret | null };
  /** opaque: handed to the alerting module as written */
  alerts: Record<string, unknown>;
  log: { level: 'error' | 'warn' | 'info' | 'debug' };
}

/** Command-line overrides (flags win over the file). Secrets are deliberately absent. */
export interface ConfigOverrides {
  source?: string;
  ref?: string;
  path?: string;
  host?: string;
  hostName?: string;
  /** KEY=VALUE, replacing the file's labels when given */
  labels?: string[];
  /** accept a name/labels that differ from the host file */
  hostIdentityChange?: boolean;
  stateDir?: string;
  pollInterval?: string;
  resyncInterval?: string;
  passTimeout?: string;
  buildTimeout?: string;
  progressInterval?: string;
  concurrency?: string;
  webhook?: boolean;
  webhookBind?: string;
  webhookPort?: string;
  logLevel?: string;
}

export const DEFAULTS = {
  /** the repository's HEAD: its default branch (a repository on master works as well as one on main) */
  ref: 'HEAD',
  path: '.',
  host: 'local',
  stateDir: '/var/lib/vsgitops',
  pollMs: 60_000,
  pollJitter: 0.1,
  resyncMs: 300_000,
  debounceMs: 250,
  passTimeoutMs: 600_000,
  buildTimeoutMs: 30 * 60_000,
  progressIntervalMs: 5_000,
  /** one action at a time unless asked (`concurrency`, `--concurrency`) */
  concurrency: 1,
  /** the configuration file is small; a larger one is refused unread */
  maxConfigBytes: 1024 * 1024,
  backoff: { minMs: 1000, maxMs: 900_000, factor: 2, jitter: 0.2 },
  deletionGuard: { maxDeletes: 5, maxDeleteShare: 0.25 },
  webhook: { bind: '127.0.0.1', port: 9292, path: '/hooks/git', maxBodyBytes: 1_048_576, requestTimeoutMs: 10_000, maxConnections: 32, replayWindowMs: 3_600_000 },
  http: { bind: '127.0.0.1', port: 9293 },
  logLevel: 'info' as const,
};

let validator: ValidateFunction | null = null;

async function schemaValidator(): Promise<ValidateFunction> {
  if (validator) return validator;
  // compiled to dist/src/agent/config.js: three levels below the repository root
  const file = fileURLToPath(new URL('../../../schemas/agent-config.schema.json', import.meta.url));
  const schema = JSON.parse(await fs.readFile(file, 'utf8')) as object;
  validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return validator;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  hostname?: string;
}

/**
 * Loads the configuration: reads and validates the YAML file (when given),
 * applies flag overrides, fills defaults, resolves secrets.
 * Errors: VsError CONFIG with data.problems (file, line, column, field).
 */
export async function loadAgentConfig(file: string | null, overrides: ConfigOverrides = {}, opts: LoadOptions = {}): Promise<AgentConfig> {
  const cwd = opts.cwd ?? process.cwd();
  let raw: Record<string, unknown> = {};
  let baseDir = cwd;
  if (file !== null) {
    const read = await readAgentConfigFile(file, { cwd, sourceOptional: overrides.source !== undefined });
    raw = read.raw;
    baseDir = read.baseDir;
    file = read.file;
  } else if (overrides.source === undefined) {
    throw new VsError('CONFIG', 'no configuration: give --config FILE or at least --repo', { field: 'source' });
  }
  return normalizeConfig(raw, overrides, { file, baseDir, cwd, env: opts.env ?? process.env, hostname: opts.hostname ?? os.hostname() });
}

/**
 * Reads and validates an agent configuration file, without filling defaults or resolving secrets:
 * what the one-shot commands (plan, apply, drift, observe, status, suspend, resume) take from `-c`.
 * Relative paths in it are relative to `baseDir`, the file's directory.
 */
export async function readAgentConfigFile(
  file: string,
  opts: { cwd?: string; sourceOptional?: boolean } = {},
): Promise<{ file: string; baseDir: string; raw: Record<string, unknown> }> {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  let text: string;
  try {
    const size = (await fs.stat(abs)).size;
    if (size > DEFAULTS.maxConfigBytes) {
      throw new VsError('CONFIG', `configuration ${abs} is ${size} bytes, larger than the limit of ${DEFAULTS.maxConfigBytes} bytes for an agent configuration; not read`, { file: abs });
    }
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof VsError) throw err;
    throw new VsError('CONFIG', `cannot read configuration ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: abs });
  }
  return { file: abs, baseDir: path.dirname(abs), raw: await parseAndValidate(abs, text, opts.sourceOptional ?? false) };
}

async function parseAndValidate(file: string, text: string, sourceFromFlag: boolean): Promise<Record<string, unknown>> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => {
      const pos = lc.linePos(e.pos[0]);
      return { file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0]! };
    });
    throw configError(file, problems);
  }
  const value = (doc.toJS() ?? {}) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(file, [{ file, line: 1, column: 1, path: '', message: 'the configuration must be a mapping' }]);
  }
  const raw = value as Record<string, unknown>;
  const validate = await schemaValidator();
  if (!validate(raw)) {
    let errors = validate.errors ?? [];
    if (sourceFromFlag) errors = errors.filter((e) => !(e.keyword === 'required' && e.params.missingProperty === 'source' && e.instancePath === ''));
    errors = dropOneOfNoise(errors);
    if (errors.length > 0) throw configError(file, errors.map((e) => problemFor(file, doc, lc, e)));
  }
  return raw;
}

/**
 * A failed duration shows up as two branch errors plus the oneOf; keep one readable message.
 * Alert sinks: drop the "must match then" wrapper; "one of these is required" (anyOf) and
 * "not both" (not) become one message each.
 */
function dropOneOfNoise(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const missing = (p: string) => errors.filter((e) => e.keyword === 'required' && e.instancePath === p).map((e) => String(e.params.missingProperty));
  return errors
    .filter((e) => e.keyword === 'oneOf' || !oneOfPaths.has(e.instancePath))
    .filter((e) => e.keyword !== 'if' && !(e.keyword === 'required' && anyOfPaths.has(e.instancePath)))
    .map((e) => {
      if (e.keyword === 'oneOf') return { ...e, message: 'must be a duration: seconds, or a string such as 500ms, 30s, 5m, 2h' };
      if (e.keyword === 'anyOf') return { ...e, message: `needs one of ${missing(e.instancePath).join(', ')}` };
      if (e.keyword === 'not') return { ...e, message: 'conflicting settings: give the secret or URL one way only (environment variable, file or value)' };
      return e;
    });
}

function problemFor(file: string, doc: Document, lc: LineCounter, e: ErrorObject): Problem {
  const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = doc.getIn(segs, true) as Node | undefined;
  let field = segs.join('.');
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = String(e.params.additionalProperty);
    field = [...segs, extra].join('.');
    message = 'unknown field';
    const parent = segs.length ? doc.getIn(segs, true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === extra);
      if (pair && isScalar(pair.key)) node = pair.key as Node;
    }
  } else if (e.keyword === 'required') {
    field = [...segs, String(e.params.missingProperty)].join('.');
    message = 'is required';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  }
  node ??= (segs.length ? undefined : (doc.contents as Node | undefined)) ?? undefined;
  const pos = node?.range ? lc.linePos(node.range[0]) : { line: 0, col: 0 };
  return { file, line: pos.line, column: pos.col, path: field, message };
}

function configError(file: string, problems: Problem[]): VsError {
  const first = problems[0]!;
  const where = first.line > 0 ? `${file}:${first.line}` : file;
  return new VsError('CONFIG', `invalid agent configuration ${where}: ${first.path ? first.path + ': ' : ''}${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { file, problems });
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface NormalizeContext {
  file: string | null;
  baseDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  hostname: string;
}

function flagError(flag: string, message: string): VsError {
  return new VsError('USAGE', `${flag}: ${message}`, { field: flag });
}

function durationFrom(value: unknown, fallback: number, field: string, file: string | null): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value as string | number, field);
  } catch (err) {
    throw new VsError('CONFIG', `${file ?? 'configuration'}: ${(err as Error).message}`, { file, field });
  }
}

function flagDuration(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value, flag);
  } catch (err) {
    throw flagError(flag, (err as Error).message.replace(/^[^:]*: /, ''));
  }
}

/** Raw (validated) file content + flags → AgentConfig with every default filled in. */
export async function normalizeConfig(raw: Obj, o: ConfigOverrides, ctx: NormalizeContext): Promise<AgentConfig> {
  const f = ctx.file;
  const src = obj(raw.source);
  const intervals = obj(raw.intervals);
  const backoff = obj(raw.backoff);
  const guard = obj(raw.deletionGuard);
  const hook = obj(raw.webhook);
  const http = obj(raw.http);
  const creds = obj(src.credentials);

  const resyncMs = flagDuration(o.resyncInterval, durationFrom(intervals.resync, DEFAULTS.resyncMs, 'intervals.resync', f), '--resync-interval');
  const sourceUrl = o.source ?? (src.url as string);
  const source = classifySource(sourceUrl, o.source !== undefined ? ctx.cwd : ctx.baseDir, o.source !== undefined ? '--repo' : `${f}: source.url`);

  let givenLabels = raw.hostLabels as Record<string, string> | undefined;
  if (o.labels && o.labels.length > 0) givenLabels = parseLabels(o.labels);

  const host = o.host ?? (raw.host as string | undefined) ?? DEFAULTS.host;
  if (!/^(local|sim:.+)$/.test(host)) throw flagError('--host', `must be "local" or "sim:DIR", got "${host}"`);
  const resolvedHost = host.startsWith('sim:') ? `sim:${path.resolve(o.host !== undefined ? ctx.cwd : ctx.baseDir, host.slice(4))}` : host;

  const stateDirRaw = o.stateDir ?? (raw.stateDir as string | undefined);
  // a simulated host keeps vsgitops' state inside its own tree, so two simulated hosts never share it
  const defaultStateDir = resolvedHost.startsWith('sim:') ? path.join(resolvedHost.slice(4), 'var/lib/vsgitops') : DEFAULTS.stateDir;
  const stateDir = stateDirRaw === undefined ? defaultStateDir : path.resolve(o.stateDir !== undefined ? ctx.cwd : ctx.baseDir, stateDirRaw);
  // one identity per host: the host file in the state dir; a name or labels that differ are refused
  const givenName = o.hostName ?? (raw.hostName as string | undefined);
  const identity = resolveHostIdentity({
    stateDir,
    given: { ...(givenName !== undefined ? { name: givenName } : {}), ...(givenLabels !== undefined ? { labels: givenLabels } : {}) },
    defaultName: givenName ?? simHostName(resolvedHost) ?? ctx.hostname,
    allowChange: o.hostIdentityChange === true,
  });

  let webhookPort = (hook.port as number | undefined) ?? DEFAULTS.webhook.port;
  if (o.webhookPort !== undefined) {
    webhookPort = Number(o.webhookPort);
    if (!Number.isInteger(webhookPort) || webhookPort < 0 || webhookPort > 65535) throw flagError('--webhook-port', `not a port: ${o.webhookPort}`);
  }
  const webhookEnabled = o.webhook ?? (hook.enabled as boolean | undefined) ?? false;
  if (http.tokenEnv !== undefined && http.tokenFile !== undefined) throw new VsError('CONFIG', `${f ?? 'configuration'}: give either http.tokenEnv or http.tokenFile`, { file: f, field: 'http' });
  const httpToken = await resolveSecret({ env: http.tokenEnv as string | undefined, file: fileIn(ctx.baseDir, http.tokenFile) }, 'http token', ctx.env);
  const webhookSecret = webhookEnabled ? await resolveSecret({ env: hook.secretEnv as string | undefined, file: fileIn(ctx.baseDir, hook.secretFile) }, 'webhook secret', ctx.env) : null;
  if (webhookEnabled && webhookSecret === null) {
    throw new VsError('CONFIG', `${f ?? 'configuration'}: webhook is enabled but has no secret: set webhook.secretEnv or webhook.secretFile`, { file: f, field: 'webhook.secretEnv' });
  }

  const password = source.kind === 'remote' ? await resolveSecret({ env: creds.passwordEnv as string | undefined, file: fileIn(ctx.baseDir, creds.passwordFile) }, 'source.credentials password', ctx.env) : null;
  let username = (creds.username as string | undefined) ?? null;
  if (creds.usernameEnv) username = ctx.env[creds.usernameEnv as string] ?? username;

  const manifestPath = o.path ?? (src.path as string | undefined) ?? DEFAULTS.path;
  if (path.isAbsolute(manifestPath) || manifestPath.split(/[\\/]/).includes('..')) {
    const where = o.path !== undefined ? '--path' : `${f}: source.path`;
    throw new VsError(o.path !== undefined ? 'USAGE' : 'CONFIG', `${where}: must be a relative path inside the repository, got "${manifestPath}"`, { field: 'source.path' });
  }

  const signatures = src.signatures === undefined ? null : policyFromConfig(src.signatures, ctx.baseDir, `${f ?? 'configuration'}: source.signatures`);
  // every key file is read and parsed now: a bad keyring stops `run` before its first pass
  if (signatures) await loadSignaturePolicy(signatures);

  // the flag, then the environment (VSGITOPS_LOG_LEVEL, as for every command), then the file
  const envLevel = ctx.env.VSGITOPS_LOG_LEVEL || undefined;
  const logLevel = (o.logLevel ?? envLevel ?? obj(raw.log).level ?? DEFAULTS.logLevel) as AgentConfig['log']['level'];
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw o.logLevel === undefined && envLevel !== undefined
      ? new VsError('CONFIG', `VSGITOPS_LOG_LEVEL must be error, warn, info or debug, got "${envLevel}"`, { field: 'VSGITOPS_LOG_LEVEL' })
      : flagError('--log-level', `must be error, warn, info or debug`);
  }

  const cfg: AgentConfig = {
    file: f,
    source: {
      ...source,
      ref: o.ref ?? (src.ref as string | undefined) ?? DEFAULTS.ref,
      path: manifestPath,
      credentials: { username, password },
      signatures,
    },
    host: resolvedHost,
    hostName: identity.name,
    hostLabels: identity.labels,
    ...(identity.changed ? { hostIdentityChange: true } : {}),
    ...(!identity.stored || identity.changed ? { persistHostIdentity: true } : {}),
    stateDir,
    intervals: {
      pollMs: flagDuration(o.pollInterval, durationFrom(intervals.poll, DEFAULTS.pollMs, 'intervals.poll', f), '--poll-interval'),
      pollJitter: (intervals.pollJitter as number | undefined) ?? DEFAULTS.pollJitter,
      resyncMs,
      debounceMs: durationFrom(intervals.debounce, DEFAULTS.debounceMs, 'intervals.debounce', f),
      fullObserveMs: durationFrom(intervals.fullObserve, resyncMs, 'intervals.fullObserve', f),
    },
    passTimeoutMs: flagDuration(o.passTimeout, durationFrom(raw.passTimeout, DEFAULTS.passTimeoutMs, 'passTimeout', f), '--pass-timeout'),
    buildTimeoutMs: flagDuration(o.buildTimeout, durationFrom(obj(raw.timeouts).build, DEFAULTS.buildTimeoutMs, 'timeouts.build', f), '--build-timeout'),
    progressIntervalMs: flagDuration(o.progressInterval, durationFrom(obj(raw.timeouts).progress, DEFAULTS.progressIntervalMs, 'timeouts.progress', f), '--progress-interval'),
    concurrency: o.concurrency !== undefined ? flagConcurrency(o.concurrency) : ((raw.concurrency as number | undefined) ?? DEFAULTS.concurrency),
    backoff: {
      minMs: durationFrom(backoff.min, DEFAULTS.backoff.minMs, 'backoff.min', f),
      maxMs: durationFrom(backoff.max, DEFAULTS.backoff.maxMs, 'backoff.max', f),
      factor: (backoff.factor as number | undefined) ?? DEFAULTS.backoff.factor,
      jitter: (backoff.jitter as number | undefined) ?? DEFAULTS.backoff.jitter,
    },
    deletionGuard: {
      maxDeletes: (guard.maxDeletes as number | undefined) ?? DEFAULTS.deletionGuard.maxDeletes,
      maxDeleteShare: (guard.maxDeleteShare as number | undefined) ?? DEFAULTS.deletionGuard.maxDeleteShare,
    },
    webhook: {
      enabled: webhookEnabled,
      bind: o.webhookBind ?? (hook.bind as string | undefined) ?? DEFAULTS.webhook.bind,
      port: webhookPort,
      path: (hook.path as string | undefined) ?? DEFAULTS.webhook.path,
      secret: webhookSecret,
      maxBodyBytes: (hook.maxBodyBytes as number | undefined) ?? DEFAULTS.webhook.maxBodyBytes,
      requestTimeoutMs: durationFrom(hook.requestTimeout, DEFAULTS.webhook.requestTimeoutMs, 'webhook.requestTimeout', f),
      maxConnections: (hook.maxConnections as number | undefined) ?? DEFAULTS.webhook.maxConnections,
      replayWindowMs: durationFrom(hook.replayWindow, DEFAULTS.webhook.replayWindowMs, 'webhook.replayWindow', f),
    },
    http: {
      enabled: (http.enabled as boolean | undefined) ?? false,
      bind: (http.bind as string | undefined) ?? DEFAULTS.http.bind,
      port: (http.port as number | undefined) ?? DEFAULTS.http.port,
      token: httpToken,
    },
    alerts: obj(raw.alerts),
    log: { level: logLevel },
  };
  if (cfg.backoff.minMs <= 0 || cfg.backoff.maxMs < cfg.backoff.minMs) {
    throw new VsError('CONFIG', `${f ?? 'configuration'}: backoff.max must be at least backoff.min, and backoff.min above 0`, { file: f, field: 'backoff' });
  }
  if (cfg.buildTimeoutMs <= 0) throw new VsError('CONFIG', `${f ?? 'configuration'}: timeouts.build must be above 0`, { file: f, field: 'timeouts.build' });
  if (cfg.webhook.requestTimeoutMs <= 0) throw new VsError('CONFIG', `${f ?? 'configuration'}: webhook.requestTimeout must be above 0`, { file: f, field: 'webhook.requestTimeout' });
  if (cfg.passTimeoutMs <= 0) throw new VsError('CONFIG', `${f ?? 'configuration'}: passTimeout must be above 0`, { file: f, field: 'passTimeout' });
  return cfg;
}

/** `--concurrency N` of run (the file's `concurrency` is checked by the schema: 1 to 64). */
function flagConcurrency(v: string): number {
  if (!/^[1-9][0-9]*$/.test(v) || Number(v) > 64) throw new VsError('USAGE', `--concurrency takes a whole number from 1 to 64 (got '${v}')`);
  return Number(v);
}

function fileIn(baseDir: string, value: unknown): string | undefined {
  return typeof value === 'string' ? path.resolve(baseDir, value) : undefined;
}

function classifySource(url: string, baseDir: string, where: string): { kind: 'local' | 'remote'; url: string } {
  if (/^https?:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new VsError('CONFIG', `${where}: not a valid URL`, { field: 'source.url' });
    }
    // credentials in a URL end up in shell history, process lists and logs
    if (u.username || u.password) {
      throw new VsError('CONFIG', `${where}: the URL must not contain credentials; use source.credentials (environment variable or file)`, { field: 'source.url' });
    }
    return { kind: 'remote', url: u.toString() };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new VsError('CONFIG', `${where}: only local paths and http(s) URLs are supported`, { field: 'source.url' });
  return { kind: 'local', url: path.resolve(baseDir, url) };
}

export function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw flagError('--host-label', `expected KEY=VALUE, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** A simulated host's name, from DIR/etc/hostname (written by `vsgitops sim init --name`). */
function simHostName(host: string): string | undefined {
  if (!host.startsWith('sim:')) return undefined;
  try {
    return readFileSync(path.join(host.slice(4), 'etc/hostname'), 'utf8').split('\n')[0]!.trim() || undefined;
  } catch {
    return undefined;
  }
}
