import type { Command } from 'commander';
import { createLogger, type Logger } from '../log.js';
import type { PassResult } from '../reconciler/pass-types.js';
import { EXIT } from '../cli/exit.js';
import { Agent, type AgentService, type PassContext } from './agent.js';
import { realClock } from './clock.js';
import { DEFAULTS, loadAgentConfig, type AgentConfig, type ConfigOverrides } from './config.js';
import { parseDuration, formatDuration } from './duration.js';
import { processLockEnv, type LockEnv, acquireLock } from './lock.js';
import { openSource } from './sources/index.js';
import { clearSuspension, readSuspensionRecord, suspensionAt, writeSuspension } from './suspend.js';
import type { Clock, PassFn, RandomFn } from './types.js';
import { summarizePass } from './pass-log.js';

/** What the CLI wiring supplies; everything but createPass has a production default. */
export interface AgentDeps {
  /** builds the reconcile pass for a configuration (the integrator wires the real one) */
  createPass: (config: AgentConfig, log: Logger, ctx: PassContext) => PassFn;
  onResult?: (result: PassResult, config: AgentConfig) => void | Promise<void>;
  services?: AgentService[];
  /**
   * checks the parts of the configuration the wiring owns (alert sinks and their secrets) once the
   * configuration is loaded, before the lock and the first pass: a bad one fails the command before
   * anything changes
   */
  prepare?: (config: AgentConfig, log: Logger) => Promise<void>;
  /** after the agent (or `--once`) has stopped, before the command returns: bounded clean-up such as pending alerts */
  onStop?: () => Promise<void>;
  clock?: Clock;
  random?: RandomFn;
  lockEnv?: LockEnv;
  createLogger?: (config: AgentConfig) => Logger;
  /** where signals come from (tests pass an EventEmitter) */
  signals?: NodeJS.EventEmitter;
  stdout?: (s: string) => void;
}

interface RunFlags extends Omit<ConfigOverrides, 'labels'> {
  config?: string;
  label: string[];
  hostLabel: string[];
  once?: boolean;
}

const collect = (v: string, acc: string[]) => [...acc, v];

function overridesOf(f: RunFlags): ConfigOverrides {
  return {
    source: f.source,
    ref: f.ref,
    path: f.path,
    host: f.host,
    hostName: f.hostName,
    labels: [...f.hostLabel, ...f.label].length > 0 ? [...f.hostLabel, ...f.label] : undefined,
    stateDir: f.stateDir,
    pollInterval: f.pollInterval,
    resyncInterval: f.resyncInterval,
    passTimeout: f.passTimeout,
    webhook: f.webhook,
    webhookBind: f.webhookBind,
    webhookPort: f.webhookPort,
    logLevel: f.logLevel,
  };
}

/** The result kinds after which `run --once` exits 0. */
const OK_RESULTS = new Set(['applied', 'unchanged', 'suspended']);
/** `run --once`: a blocked pass has its own exit code (EXIT.BLOCKED), neither success nor failure. */

/** Adds `run`, `suspend` and `resume`. */
export function registerRunCommands(program: Command, setExit: (c: number) => void, deps: AgentDeps): void {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const logFor = (config: AgentConfig) => deps.createLogger?.(config) ?? createLogger({ level: config.log.level });

  program
    .command('run')
    .description('run the GitOps agent: keep this host converged with a git branch')
    .option('-c, --config <file>', 'agent configuration (YAML)')
    .option('--source <path|url>', 'repository path or http(s) URL (overrides source.url)')
    .option('--ref <branch>', 'branch to follow')
    .option('--path <dir>', 'manifest directory inside the repository')
    .option('--host <local|sim:DIR>', 'host to reconcile')
    .option('--host-name <name>', 'this host\'s name in the manifests')
    .option('--host-label <key=value>', 'host label, as for plan and apply (repeatable; replaces hostLabels)', collect, [])
    .option('--label <key=value>', 'same as --host-label', collect, [])
    .option('--state-dir <dir>', 'state directory (lock, cache, status)')
    .option('--poll-interval <duration>', 'remote polling interval, e.g. 60s')
    .option('--resync-interval <duration>', 'periodic re-observation, e.g. 5m')
    .option('--pass-timeout <duration>', 'abort a pass after this long')
    .option('--webhook', 'enable the webhook receiver (secret from the configuration)')
    .option('--webhook-bind <address>', 'webhook listen address')
    .option('--webhook-port <port>', 'webhook listen port')
    .option('--log-level <level>', 'error | warn | info | debug')
    .option('--once', 'run one pass and exit (0: converged or suspended, 1: failed or invalid)')
    .action(async (flags: RunFlags) => {
      const overrides = overridesOf(flags);
      const load = () => loadAgentConfig(flags.config ?? null, overrides);
      const config = await load();
      const log = logFor(config);
      await deps.prepare?.(config, log);
      const rt = {
        createPass: deps.createPass,
        clock: deps.clock ?? realClock,
        random: deps.random ?? Math.random,
        lockEnv: deps.lockEnv ?? processLockEnv(),
        log,
        onResult: deps.onResult,
        services: deps.services,
      };
      if (flags.once) {
        let result: PassResult;
        try {
          result = await runOnce(config, rt);
        } finally {
          await deps.onStop?.();
        }
        setExit(result.result === 'blocked' ? EXIT.BLOCKED : OK_RESULTS.has(result.result) ? EXIT.OK : EXIT.ERROR);
        return;
      }
      const agent = await Agent.start(config, rt);
      const signals = deps.signals ?? process;
      const onStop = (sig: string) => () => {
        void agent.stop(sig);
      };
      const onTerm = onStop('SIGTERM');
      const onInt = onStop('SIGINT');
      const onHup = () => void agent.reload(load);
      signals.on('SIGTERM', onTerm);
      signals.on('SIGINT', onInt);
      signals.on('SIGHUP', onHup);
      try {
        await agent.done;
      } finally {
        signals.off('SIGTERM', onTerm);
        signals.off('SIGINT', onInt);
        signals.off('SIGHUP', onHup);
        await deps.onStop?.();
      }
      if (agent.failure) throw agent.failure;
    });

  program
    .command('suspend')
    .description('suspend the agent: it keeps observing and reporting but changes nothing')
    .requiredOption('--reason <text>', 'why (recorded and reported)')
    .option('--for <duration>', 'end the suspension by itself after this long, e.g. 2h')
    .option('-c, --config <file>', 'agent configuration (for the state directory)')
    .option('--state-dir <dir>', 'state directory')
    .action(async (flags: { reason: string; for?: string; config?: string; stateDir?: string }) => {
      const stateDir = await stateDirOf(flags);
      const forMs = flags.for === undefined ? null : parseDuration(flags.for, '--for');
      const rec = await writeSuspension(stateDir, { reason: flags.reason, forMs, now: (deps.clock ?? realClock).now() });
      out(`suspended${rec.until ? ` until ${rec.until} (${formatDuration(forMs!)})` : ' until "vsgitops resume"'}: ${rec.reason}\n`);
    });

  program
    .command('resume')
    .description('end a suspension')
    .option('-c, --config <file>', 'agent configuration (for the state directory)')
    .option('--state-dir <dir>', 'state directory')
    .action(async (flags: { config?: string; stateDir?: string }) => {
      const stateDir = await stateDirOf(flags);
      const prev = await clearSuspension(stateDir);
      const wasActive = suspensionAt(prev, (deps.clock ?? realClock).now()).active;
      out(prev && wasActive ? `resumed (was suspended by ${prev.by}: ${prev.reason})\n` : 'not suspended\n');
    });
}

async function stateDirOf(flags: { config?: string; stateDir?: string }): Promise<string> {
  if (flags.config) {
    const c = await loadAgentConfig(flags.config, { stateDir: flags.stateDir });
    return c.stateDir;
  }
  return flags.stateDir ?? DEFAULTS.stateDir;
}

/** One pass under the lock, after a fetch: `vsgitops run --once`. */
export async function runOnce(
  config: AgentConfig,
  rt: { createPass: AgentDeps['createPass']; clock: Clock; random: RandomFn; lockEnv: LockEnv; log: Logger; onResult?: AgentDeps['onResult'] },
): Promise<PassResult> {
  const lock = await acquireLock(config.stateDir, rt.lockEnv, rt.log);
  try {
    const source = await openSource(config, rt);
    try {
      if (source.kind === 'remote') await source.refresh();
      const pass = rt.createPass(config, rt.log, { source: source.location, currentRevision: () => source.currentRevision() });
      const suspended = suspensionAt(await readSuspensionRecord(config.stateDir), rt.clock.now()).active;
      const ac = new AbortController();
      const timer = rt.clock.setTimeout(() => ac.abort(new Error(`pass timed out after ${config.passTimeoutMs} ms`)), config.passTimeoutMs);
      let result: PassResult;
      try {
        result = await pass({ trigger: 'once', signal: ac.signal, dryRun: suspended });
      } finally {
        rt.clock.clearTimeout(timer);
      }
      rt.log.info('pass', { ...summarizePass(result), dryRun: suspended });
      await rt.onResult?.(result, config);
      return result;
    } finally {
      await source.close();
    }
  } finally {
    await lock.release();
  }
}
