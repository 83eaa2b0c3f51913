import { Option, type Command } from 'commander';
import { EXIT } from './exit.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';
import { addHelpFooter, configOption, outputOption, type OutputFormat } from './help.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import { VsError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { PassResult } from '../reconciler/pass-types.js';
import { Agent, type AgentService, type PassContext } from '../agent/agent.js';
import { realClock } from '../agent/clock.js';
import path from 'node:path';
import { DEFAULTS, loadAgentConfig, readAgentConfigFile, type AgentConfig, type ConfigOverrides } from '../agent/config.js';
import { parseDuration, formatDuration } from '../text/duration.js';
import { processLockEnv, type LockEnv, acquireLock } from '../agent/lock.js';
import { openSource } from '../agent/sources/index.js';
import { clearSuspension, readSuspensionRecord, suspensionAt, writeSuspension } from '../agent/suspend.js';
import type { Clock, PassFn, RandomFn } from '../agent/types.js';
import { summarizePass } from '../agent/pass-log.js';
import { systemdNotifier, type Notifier } from '../agent/sd-notify.js';
import { watchInterrupts, type Interrupts } from './apply-progress.js';

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
  /** systemd notifications (default: systemd-notify when NOTIFY_SOCKET is set) */
  notifier?: (log: Logger) => Notifier;
}

interface RunFlags extends Omit<ConfigOverrides, 'labels' | 'source'> {
  config?: string;
  repo?: string;
  /** the old name of --repo, kept as a hidden alias */
  source?: string;
  hostLabel: string[];
  once?: boolean;
}

const collect = (v: string, acc: string[]) => [...acc, v];

function overridesOf(f: RunFlags): ConfigOverrides {
  return {
    source: f.repo ?? f.source,
    ref: f.ref,
    path: f.path,
    host: f.host,
    hostName: f.hostName,
    hostIdentityChange: f.hostIdentityChange,
    labels: f.hostLabel.length > 0 ? f.hostLabel : undefined,
    stateDir: f.stateDir,
    pollInterval: f.pollInterval,
    resyncInterval: f.resyncInterval,
    passTimeout: f.passTimeout,
    buildTimeout: f.buildTimeout,
    progressInterval: f.progressInterval,
    concurrency: f.concurrency,
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

  const run = program
    .command('run')
    .description('run the GitOps agent: keep this host converged with a git branch')
    .addOption(new Option('-c, --config <file>', 'agent configuration (YAML, e.g. /etc/vsgitops/agent.yaml); flags override its values'))
    .option('--repo <path-or-url>', 'git repository (local path or http(s) URL; overrides source.url)')
    .addOption(new Option('--source <path-or-url>', 'old name of --repo').hideHelp())
    .option('--ref <branch>', "branch to follow (default: the repository's HEAD, i.e. its default branch)")
    .option('--path <subdir>', 'folder inside the repository that holds the manifests')
    .option('--host <host>', 'host to reconcile: "local" or "sim:DIR" (a simulated host); default local')
    .option('--host-name <name>', 'this host\'s name in the manifests')
    .option('--host-label <key=value>', 'host label, as for plan and apply (repeatable; replaces hostLabels)', collect, [])
    .option('--state-dir <dir>', 'state directory (lock, cache, status, host.yaml); default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR')
    .option('--host-identity-change', 'accept a host name/labels that differ from the host file; the first pass that applies stores them')
    .option('--poll-interval <duration>', 'remote polling interval, e.g. 60s')
    .option('--resync-interval <duration>', 'periodic re-observation, e.g. 5m')
    .option('--pass-timeout <duration>', 'abort a pass after this long')
    .option('--build-timeout <duration>', 'longest a guest build may run, e.g. 45m (default 30m)')
    .option('--progress-interval <duration>', 'log a command of an apply still running after this long, and again as often; 0: never (default 5s)')
    .option('--concurrency <n>', 'actions a pass runs at once, 1 to 64 (default 1): stops and deletes first, one guest\'s actions in order')
    .option('--webhook', 'enable the webhook receiver (secret from the configuration)')
    .option('--webhook-bind <address>', 'webhook listen address')
    .option('--webhook-port <port>', 'webhook listen port')
    .option('--log-level <level>', 'error | warn | info | debug')
    .option('--once', 'run one pass and exit (0: converged or suspended, 1: failed or invalid)');
  addHelpFooter(
    run,
    [
      'vsgitops run -c /etc/vsgitops/agent.yaml',
      'vsgitops run --once --repo /srv/gitops --path hosts --host local',
      'vsgitops run --repo https://git.example.com/ops/vservers.git --ref production --poll-interval 30s',
    ],
    [
      [EXIT.OK, 'stopped by SIGTERM/SIGINT (once: the running action finishes first; twice: it is aborted); --once: converged, or suspended'],
      [EXIT.ERROR, 'bad configuration, another agent holds the lock; --once: the pass failed or the revision is invalid'],
      [EXIT.BLOCKED, '--once: the pass was blocked (guests blocked, deletion breaker tripped, or no manifests)'],
      [EXIT.INTERRUPTED, '--once: interrupted by Ctrl-C (the running action finished; twice: aborted), lock released'],
    ],
  );
  run.action(async (flags: RunFlags) => {
      if (flags.repo !== undefined && flags.source !== undefined) throw new VsError('USAGE', 'give --repo once (--source is its old name)');
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
        // Ctrl-C once: the running command finishes, no further action, lock released, exit 130; twice: abort it
        const interrupts = watchInterrupts((line) => log.warn(line), deps.signals ?? process);
        try {
          result = await runOnce(config, rt, interrupts);
        } finally {
          interrupts.dispose();
          await deps.onStop?.();
        }
        if (interrupts.interrupted) {
          log.warn(`run --once interrupted (exit ${EXIT.INTERRUPTED}): ${JSON.stringify(result.changeSet?.summary ?? {})}; the next pass does the rest`);
          setExit(EXIT.INTERRUPTED);
          return;
        }
        setExit(result.result === 'blocked' ? EXIT.BLOCKED : OK_RESULTS.has(result.result) ? EXIT.OK : EXIT.ERROR);
        return;
      }
      // Type=notify: ready once the first pass is done, watchdog pings while the event loop runs
      const notifier = deps.notifier?.(log) ?? systemdNotifier(process.env, log);
      let announced = false;
      const onResult = async (result: PassResult, c: AgentConfig) => {
        await deps.onResult?.(result, c);
        if (!announced) {
          announced = true;
          await notifier.ready(`first pass: ${result.result}${result.revision ? ` at ${result.revision.slice(0, 12)}` : ''}`);
        }
      };
      const agent = await Agent.start(config, { ...rt, onResult });
      const watchdog = notifier.watchdogIntervalMs === null ? undefined : setInterval(() => void notifier.watchdog(), notifier.watchdogIntervalMs);
      const signals = deps.signals ?? process;
      // once: the running action finishes, nothing further starts; twice: its command is aborted (as Ctrl-C on apply)
      let stopSignals = 0;
      const onStop = (sig: string) => () => {
        stopSignals++;
        if (stopSignals === 1) log.warn(`${sig}: stopping once the running action (if any) has finished; send it again to abort the running command`);
        else log.warn(`${sig} again: aborting the running command`);
        void agent.stop(sig, { force: stopSignals > 1 });
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
        if (watchdog) clearInterval(watchdog);
        await notifier.stopping();
        signals.off('SIGTERM', onTerm);
        signals.off('SIGINT', onInt);
        signals.off('SIGHUP', onHup);
        await deps.onStop?.();
      }
      if (agent.failure) throw agent.failure;
    });

  const stateOptions = (cmd: Command) =>
    cmd
      .option('--host <host>', 'host whose agent to suspend or resume: "local" or "sim:DIR" (a simulated host); default local')
      .option('--state-dir <dir>', 'state directory (default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR)')
      .addOption(configOption())
      .addOption(outputOption());

  const suspend = stateOptions(
    program
      .command('suspend')
      .description('suspend the agent: it keeps observing and reporting but changes nothing')
      .requiredOption('--reason <text>', 'why (recorded and reported)')
      .option('--for <duration>', 'end the suspension by itself after this long, e.g. 2h'),
  );
  addHelpFooter(suspend, ['vsgitops suspend --reason "disk swap on web1" --for 2h', 'vsgitops suspend -c /etc/vsgitops/agent.yaml --reason maintenance'], [
    [EXIT.OK, 'suspended'],
    [EXIT.ERROR, 'the state directory is not writable, or the configuration is invalid'],
  ]).action(async (flags: StateFlags & { reason: string; for?: string }) => {
      const stateDir = await stateDirOf(flags);
      const forMs = flags.for === undefined ? null : parseDuration(flags.for, '--for');
      const rec = await writeSuspension(stateDir, { reason: flags.reason, forMs, now: (deps.clock ?? realClock).now() });
      out(
        flags.output === 'json'
          ? JSON.stringify({ formatVersion: OUTPUT_FORMAT_VERSION, suspended: true, stateDir, suspension: rec }, null, 2) + '\n'
          : `suspended${rec.until ? ` until ${rec.until} (${formatDuration(forMs!)})` : ' until "vsgitops resume"'}: ${rec.reason}\n`,
      );
    });

  const resume = stateOptions(program.command('resume').description('end a suspension'));
  addHelpFooter(resume, ['vsgitops resume', 'vsgitops resume --host sim:/tmp/host1'], [
    [EXIT.OK, 'resumed, or was not suspended'],
    [EXIT.ERROR, 'the state directory is not writable, or the configuration is invalid'],
  ]).action(async (flags: StateFlags) => {
      const stateDir = await stateDirOf(flags);
      const prev = await clearSuspension(stateDir);
      const wasActive = suspensionAt(prev, (deps.clock ?? realClock).now()).active;
      out(
        flags.output === 'json'
          ? JSON.stringify({ formatVersion: OUTPUT_FORMAT_VERSION, suspended: false, stateDir, wasSuspended: Boolean(prev && wasActive), previous: prev && wasActive ? prev : null }, null, 2) + '\n'
          : prev && wasActive ? `resumed (was suspended by ${prev.by}: ${prev.reason})\n` : 'not suspended\n',
      );
    });
}

interface StateFlags {
  config?: string;
  host?: string;
  stateDir?: string;
  output: OutputFormat;
}

/** --state-dir, else --host's state directory, else the configuration's, else the default. */
async function stateDirOf(flags: StateFlags): Promise<string> {
  if (flags.stateDir !== undefined || flags.host !== undefined) return parseHostSpec(flags.host ?? 'local', flags.stateDir).stateDir;
  if (flags.config) {
    // the file alone: no secret needs to be readable to suspend an agent
    const { raw, baseDir } = await readAgentConfigFile(flags.config, { sourceOptional: true });
    if (typeof raw.stateDir === 'string') return path.resolve(baseDir, raw.stateDir);
    if (typeof raw.host === 'string' && raw.host.startsWith('sim:')) return parseHostSpec(`sim:${path.resolve(baseDir, raw.host.slice(4))}`).stateDir;
  }
  return DEFAULTS.stateDir;
}

/** One pass under the lock, after a fetch: `vsgitops run --once`. */
export async function runOnce(
  config: AgentConfig,
  rt: { createPass: AgentDeps['createPass']; clock: Clock; random: RandomFn; lockEnv: LockEnv; log: Logger; onResult?: AgentDeps['onResult'] },
  interrupts?: Pick<Interrupts, 'stop' | 'abort'>,
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
        const signal = interrupts ? AbortSignal.any([ac.signal, interrupts.abort]) : ac.signal;
        result = await pass({ trigger: 'once', signal, ...(interrupts ? { stop: interrupts.stop } : {}), dryRun: suspended });
      } finally {
        rt.clock.clearTimeout(timer);
      }
      const fields = { ...summarizePass(result), dryRun: suspended };
      // a failed pass (or a refused revision) is an error, visible at VSGITOPS_LOG_LEVEL=error
      if (result.result === 'failed' || result.result === 'invalid') rt.log.error('pass', fields);
      else rt.log.info('pass', fields);
      await rt.onResult?.(result, config);
      return result;
    } finally {
      await source.close();
    }
  } finally {
    await lock.release();
  }
}
