/**
 * Wires the agent (`run`, `suspend`, `resume`) to the real reconcile pass and
 * to status, alerts, metrics and the HTTP endpoints.
 */
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { AgentConfig } from '../agent/config.js';
import type { AgentService } from '../agent/agent.js';
import { registerRunCommands } from './run-command.js';
import { resolveSecret } from '../agent/secret.js';
import { parseDuration } from '../text/duration.js';
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  AlertDispatcher,
  AlertTracker,
  alertMetricsHook,
  buildStatus,
  createMetricsRegistry,
  readStatus,
  registerSinks,
  sinksFromSpecs,
  startHttpEndpoints,
  updateMetrics,
  writeStatus,
  type SinkSpec,
  type Status,
} from '../observability/index.js';
import type { DriftKind, PassResult } from '../reconciler/pass-types.js';
import { createReconcilePass } from '../agent/pass.js';
import type { RegisterCommand } from './registry.js';
import { OBSERVATION_FILE } from '../reconciler/snapshot.js';
import fsp from 'node:fs/promises';

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Per-configuration observability state (rebuilt when SIGHUP reloads another configuration). */
interface Observers {
  config: AgentConfig;
  registry: Registry;
  dispatcher: AlertDispatcher;
  tracker: AlertTracker;
  status?: Status;
}

export const registerRun: RegisterCommand = (program, setExit) => {
  let observers: Observers | undefined;
  let log: Logger | undefined;

  const observersFor = async (config: AgentConfig, logger: Logger): Promise<Observers> => {
    if (observers?.config === config) return observers;
    const registry = observers?.registry ?? createMetricsRegistry();
    const specs = await sinkSpecs(config);
    const sinks = sinksFromSpecs(specs, logger);
    registerSinks(registry, sinks.map((s) => s.name));
    const dispatcher = new AlertDispatcher({ sinks, logger, onOutcome: alertMetricsHook(registry) });
    const kinds = (config.alerts.kinds as DriftKind[] | undefined) ?? undefined;
    const tracker = new AlertTracker({ stateDir: config.stateDir, host: config.hostName, dispatcher, logger, ...(kinds ? { kinds } : {}) });
    // a reloaded configuration brings its own sinks: the old ones get the usual bounded time to finish
    if (observers) void observers.dispatcher.close(ALERT_SHUTDOWN_MS);
    observers = { config, registry, dispatcher, tracker, status: observers?.status ?? (await readStatus(config.stateDir).catch(() => undefined)) };
    return observers;
  };

  // Alert sinks are resolved before any pass (and again on a reload), so that a missing secret or
  // a bad sink stops the command before it changes the host, not after the first pass.
  const prepare = async (config: AgentConfig, logger: Logger): Promise<void> => {
    await observersFor(config, logger);
  };
  const sinksService: AgentService = async ({ config, log: logger }) => {
    await prepare(config, logger);
    return { close: async () => {} };
  };

  const httpService: AgentService = async ({ config, log: logger }) => {
    if (!config.http.enabled) return { close: async () => {} };
    const o = await observersFor(config, logger);
    const readyWindowMs = Number(config.alerts.readyWindowMs ?? Math.max(3 * config.intervals.resyncMs, 15 * 60_000));
    const endpoints = await startHttpEndpoints({
      host: config.http.bind,
      port: config.http.port,
      registry: o.registry,
      lastSuccess: () => observers?.status?.lastSucceededAt ?? null,
      readyWindowMs,
      status: async () => (observers?.status ? JSON.stringify(observers.status, null, 2) + '\n' : undefined),
      observation: () => readOptional(path.join(config.stateDir, OBSERVATION_FILE)),
      ...(config.http.token ? { token: config.http.token.reveal() } : {}),
    });
    logger.info(`serving /healthz /readyz /metrics on ${endpoints.address.host}:${endpoints.address.port} (and /status /observed${config.http.token ? ', with a bearer token' : ''})`);
    return endpoints;
  };

  registerRunCommands(program, setExit, {
    createPass: (config, logger, ctx) => {
      log = logger;
      const signatures = config.source.signatures ? { signatures: config.source.signatures } : {};
      const source = ctx.source.gitdir
        ? { kind: 'git' as const, repo: ctx.source.dir, ref: ctx.source.ref, path: config.source.path === '.' ? undefined : config.source.path, ...signatures }
        : { kind: 'dir' as const, dir: path.join(ctx.source.dir, config.source.path), ...signatures };
      return createReconcilePass(
        { source, host: config.host, hostName: config.hostName, hostLabels: config.hostLabels, hostIdentityChange: config.hostIdentityChange, persistHostIdentity: config.persistHostIdentity, stateDir: config.stateDir, deletionGuard: config.deletionGuard, buildTimeoutMs: config.buildTimeoutMs, concurrency: config.concurrency },
        { log: logger, initialAppliedRevision: observers?.status?.lastAppliedRevision ?? null, progressIntervalMs: config.progressIntervalMs, ...(ctx.observeCache ? { observeCache: ctx.observeCache } : {}) },
      );
    },
    onResult: async (result: PassResult, config: AgentConfig) => {
      const logger = log!;
      const o = await observersFor(config, logger);
      const now = new Date().toISOString();
      o.status = buildStatus(o.status, result, now);
      await writeStatus(config.stateDir, o.status);
      await o.tracker.observe(result.drift, result.appliedRevision, now);
      updateMetrics(o.registry, o.status, result);
    },
    services: [sinksService, httpService],
    prepare,
    onStop: async () => {
      await observers?.dispatcher.close(ALERT_SHUTDOWN_MS);
    },
  });
};

/** How long a stopping agent waits for queued alerts before it abandons them. */
export const ALERT_SHUTDOWN_MS = 5000;

/** Alert sinks from the agent configuration; secrets come from env vars or files, never the file itself. */
export async function sinkSpecs(config: AgentConfig): Promise<SinkSpec[]> {
  const raw = (config.alerts.sinks as Record<string, unknown>[] | undefined) ?? [{ type: 'log' }];
  if (!Array.isArray(raw)) throw new VsError('CONFIG', 'alerts.sinks must be a list');
  const baseDir = config.file ? path.dirname(config.file) : process.cwd();
  const out: SinkSpec[] = [];
  const backoff = config.backoff;
  for (const [i, s] of raw.entries()) {
    const where = `alerts.sinks[${i}]`;
    const secretOf = async (envKey: string, fileKey: string, what: string) =>
      (await resolveSecret({ env: s[envKey] as string | undefined, file: s[fileKey] ? path.resolve(baseDir, String(s[fileKey])) : undefined }, `${where} ${what}`, process.env))?.reveal();
    switch (s.type) {
      case 'log':
        out.push({ type: 'log', ...(s.name ? { name: String(s.name) } : {}) });
        break;
      case 'webhook': {
        const secret = await secretOf('secretEnv', 'secretFile', 'secret');
        // retries wait as the agent's own do (its `backoff`), at least what a Retry-After asks
        out.push({ type: 'webhook', url: String(s.url), backoff, ...(secret ? { secret } : {}), ...(s.name ? { name: String(s.name) } : {}) });
        break;
      }
      case 'slack': {
        const url = (await secretOf('urlEnv', 'urlFile', 'url')) ?? (s.url as string | undefined);
        if (!url) throw new VsError('CONFIG', `${where}: a slack sink needs urlEnv, urlFile or url`);
        out.push({ type: 'slack', url, backoff, ...(s.name ? { name: String(s.name) } : {}) });
        break;
      }
      case 'alertmanager': {
        const token = await secretOf('bearerTokenEnv', 'bearerTokenFile', 'bearer token');
        const generatorURL = (s.generatorURL as string | undefined) ?? (config.http.enabled ? `http://${config.hostName}:${config.http.port}/status` : undefined);
        out.push({
          type: 'alertmanager',
          url: String(s.url),
          backoff,
          ...(s.name ? { name: String(s.name) } : {}),
          ...(s.labels ? { labels: s.labels as Record<string, string> } : {}),
          ...(generatorURL ? { generatorURL } : {}),
          ...(s.resendInterval !== undefined ? { resendMs: parseDuration(s.resendInterval as string | number, `${where}.resendInterval`) } : {}),
          ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        });
        break;
      }
      case 'command':
        if (!Array.isArray(s.argv) || s.argv.length === 0) throw new VsError('CONFIG', `${where}: a command sink needs argv (a list)`);
        out.push({ type: 'command', argv: s.argv.map(String), ...(s.name ? { name: String(s.name) } : {}) });
        break;
      default:
        throw new VsError('CONFIG', `${where}: unknown sink type "${String(s.type)}" (log, webhook, slack, command, alertmanager)`);
    }
  }
  return out;
}
