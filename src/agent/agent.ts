import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../log.js';
import { createObserveCache, type ObserveCache } from '../providers/vserver/observe.js';
import type { PassResult } from '../reconciler/pass-types.js';
import type { AgentConfig } from './config.js';
import { Controller } from './controller.js';
import { acquireLock, type AgentLock, type LockEnv } from './lock.js';
import { openSource, type AgentSource, type SourceLocation } from './sources/index.js';
import { SUSPEND_FILE, readSuspensionRecord, suspensionAt, suspensionChecker } from './suspend.js';
import type { Clock, PassFn, RandomFn } from './types.js';
import { startWebhookServer, type WebhookServer } from './webhook.js';

/** What a pass needs from the agent besides the configuration: where to read the revision. */
export interface PassContext {
  source: SourceLocation;
  currentRevision: () => Promise<string | null>;
  /**
   * Observe's per-guest config reads, kept across this configuration's passes
   * (issue 12): a pass re-reads only config dirs that changed, and every one at
   * least each `intervals.fullObserve`. A reload starts a new one.
   */
  observeCache?: ObserveCache;
}

export interface Closeable {
  close(): Promise<void>;
}

/** Runs next to the loop (metrics/health endpoints, alerting); started after the controller, closed before it. */
export type AgentService = (ctx: { config: AgentConfig; log: Logger; controller: Controller }) => Promise<Closeable>;

export interface AgentRuntime {
  createPass: (config: AgentConfig, log: Logger, ctx: PassContext) => PassFn;
  clock: Clock;
  random: RandomFn;
  lockEnv: LockEnv;
  log: Logger;
  onResult?: (result: PassResult, config: AgentConfig) => void | Promise<void>;
  services?: AgentService[];
}

/** The parts that depend on the configuration: rebuilt on reload. */
interface Parts {
  config: AgentConfig;
  controller: Controller;
  source: AgentSource;
  closeables: Closeable[];
  suspendWatcher: FSWatcher;
}

/**
 * A running agent: holds the state-directory lock, watches the source,
 * serves the webhook, and drives the controller. `reload` swaps in a new
 * configuration (SIGHUP); `stop` lets the running pass finish (SIGTERM).
 */
export class Agent {
  private parts: Parts | null = null;
  private lock: AgentLock | null = null;
  private stopping: Promise<void> | null = null;
  /** set when the agent stopped because it could not go on (the CLI exits non-zero) */
  failure: Error | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private resolveDone!: () => void;
  /** resolves once the agent has stopped */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  private constructor(private readonly rt: AgentRuntime) {}

  static async start(config: AgentConfig, rt: AgentRuntime): Promise<Agent> {
    const agent = new Agent(rt);
    agent.lock = await acquireLock(config.stateDir, rt.lockEnv, rt.log);
    try {
      agent.parts = await agent.startParts(config);
    } catch (err) {
      await agent.lock.release();
      throw err;
    }
    return agent;
  }

  get controller(): Controller {
    return this.parts!.controller;
  }

  get config(): AgentConfig {
    return this.parts!.config;
  }

  get webhookAddress(): { host: string; port: number } | null {
    const hook = this.parts?.closeables.find((c): c is WebhookServer => 'address' in c);
    return hook?.address ?? null;
  }

  private async startParts(config: AgentConfig): Promise<Parts> {
    const { rt } = this;
    const log = rt.log;
    const source = await openSource(config, { clock: rt.clock, random: rt.random, log });
    const observeCache = createObserveCache({ fullEveryMs: config.intervals.fullObserveMs });
    const pass = rt.createPass(config, log, { source: source.location, currentRevision: () => source.currentRevision(), observeCache });
    const controller = new Controller({
      pass,
      clock: rt.clock,
      random: rt.random,
      log,
      resyncMs: config.intervals.resyncMs,
      passTimeoutMs: config.passTimeoutMs,
      backoff: config.backoff,
      suspension: suspensionChecker(config.stateDir, () => rt.clock.now()),
      onResult: rt.onResult ? (r) => rt.onResult!(r, config) : undefined,
    });
    const closeables: Closeable[] = [];
    try {
      const suspendWatcher = await this.watchSuspension(config, controller);
      closeables.push({ close: () => source.close() });
      if (config.webhook.enabled && config.webhook.secret) {
        closeables.push(
          await startWebhookServer({
            bind: config.webhook.bind,
            port: config.webhook.port,
            path: config.webhook.path,
            secret: config.webhook.secret.reveal(),
            maxBodyBytes: config.webhook.maxBodyBytes,
            requestTimeoutMs: config.webhook.requestTimeoutMs,
            maxConnections: config.webhook.maxConnections,
            replayWindowMs: config.webhook.replayWindowMs,
            ref: config.source.ref,
            log,
            onPush: () => {
              source.refresh().then(
                (r) => controller.request('webhook', { revision: r.revision, sourceChanged: r.changed }),
                (err) => log.warn('fetch after webhook failed', { error: (err as Error).message }),
              );
            },
          }),
        );
      }
      await source.start((c) => controller.request(c.trigger, { revision: c.revision, sourceChanged: c.sourceChanged }));
      for (const service of rt.services ?? []) closeables.push(await service({ config, log, controller }));
      controller.start();
      log.info('agent started', {
        source: config.source.kind === 'remote' ? config.source.url.replace(/\/\/[^@/]*@/, '//') : config.source.url,
        ref: config.source.ref,
        host: config.host,
        hostName: config.hostName,
        stateDir: config.stateDir,
        webhook: config.webhook.enabled ? `${config.webhook.bind}:${config.webhook.port}${config.webhook.path}` : false,
        pid: rt.lockEnv.pid,
      });
      return { config, controller, source, closeables, suspendWatcher };
    } catch (err) {
      for (const c of closeables.reverse()) await c.close().catch(() => undefined);
      await source.close().catch(() => undefined);
      throw err;
    }
  }

  /** `vsgitops suspend`/`resume` write a file; noticing it at once makes resume take effect without waiting for a resync. */
  private async watchSuspension(config: AgentConfig, controller: Controller): Promise<FSWatcher> {
    const file = path.join(config.stateDir, SUSPEND_FILE);
    const w = watch(config.stateDir, { ignoreInitial: true, depth: 0, ignored: (p) => p !== config.stateDir && p !== file });
    w.on('all', () => {
      readSuspensionRecord(config.stateDir).then(
        (rec) => {
          const s = suspensionAt(rec, this.rt.clock.now());
          this.rt.log.info(s.active ? 'agent suspended' : 'agent resumed', rec ? { reason: rec.reason, by: rec.by, until: rec.until } : {});
          controller.request(s.active ? 'suspend' : 'resume');
        },
        (err) => this.rt.log.error('suspension record unreadable', { error: (err as Error).message }),
      );
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return w;
  }

  private async stopParts(parts: Parts, reason: string): Promise<void> {
    await parts.suspendWatcher.close();
    for (const c of [...parts.closeables].reverse()) await c.close().catch((err) => this.rt.log.warn('close failed', { error: (err as Error).message }));
    await parts.controller.stop(reason);
  }

  /**
   * Re-reads the configuration and restarts the loop with it (SIGHUP). A bad
   * configuration is logged and the running one stays in force.
   */
  reload(load: () => Promise<AgentConfig>): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (this.stopping || !this.parts) return;
      let next: AgentConfig;
      try {
        next = await load();
      } catch (err) {
        this.rt.log.error('configuration reload failed; keeping the running configuration', { error: (err as Error).message });
        return;
      }
      const old = this.parts;
      this.rt.log.info('reloading configuration', { file: next.file });
      await this.stopParts(old, 'reload');
      if (next.stateDir !== old.config.stateDir) {
        const newLock = await acquireLock(next.stateDir, this.rt.lockEnv, this.rt.log).catch((err: Error) => {
          this.rt.log.error('cannot lock the new state directory; keeping the old configuration', { error: err.message });
          return null;
        });
        if (newLock) {
          await this.lock?.release();
          this.lock = newLock;
        } else next = old.config;
      }
      try {
        this.parts = await this.startParts(next);
      } catch (err) {
        this.rt.log.error('new configuration failed to start; restarting the previous one', { error: (err as Error).message });
        try {
          this.parts = await this.startParts(old.config);
        } catch (err2) {
          // nothing runs any more: stop and let the service manager restart us
          this.parts = null;
          this.failure = err2 as Error;
          void this.stop('reload failed');
        }
      }
    });
    return this.reloading;
  }

  /**
   * Stops: no new passes; the running pass finishes the action it is running,
   * starts no further one and returns; the lock is released. `force` (a second
   * signal) aborts the running pass's commands, also while a graceful stop is
   * waiting for it.
   */
  stop(reason = 'shutdown', opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force) void this.parts?.controller.stop(reason, { force: true });
    this.stopping ??= (async () => {
      this.rt.log.info('agent stopping', { reason });
      await this.reloading;
      if (this.parts) await this.stopParts(this.parts, reason);
      await this.lock?.release();
      this.rt.log.info('agent stopped', { reason });
      this.resolveDone();
    })();
    return this.stopping;
  }
}
