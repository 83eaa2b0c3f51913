import fsp from 'node:fs/promises';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { createLogger } from '../log.js';
import { execaRunner } from '../providers/command-runner.js';
import { checkSavedPlan, computePlan, executePlan, recordUnchanged, type PipelineOptions } from '../pipeline/pipeline.js';
import { planExitCode, renderChangeSetText, renderPlanJson, renderPlanText, useColor } from '../reconciler/render.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../reconciler/types.js';
import { EXIT } from './exit.js';
import { stringifyExact } from '../text/json.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';
import { applyConfigFile, logLevelOf, type ConfigurableOptions } from './config-defaults.js';
import { addHelpFooter, configOption, outputOption } from './help.js';
import { parseDuration } from '../text/duration.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../reconciler/apply.js';
import { blockedReasons, hasNoManifests } from '../reconciler/blocked.js';
import type { Computed } from '../pipeline/pipeline.js';
import { acquireLock, APPLY_LOCK_FILE, processLockEnv } from '../agent/lock.js';
import { addHostOptions, addSourceOptions, hostFromOptions, sourceFromOptions, type HostOptions, type SourceOptions } from './options.js';
import type { RegisterCommand } from './registry.js';
import { addGitCredentialOptions, gitCredentialsFrom, type GitCredentialFlags } from './git-credentials.js';
import { parseSnapshot } from '../reconciler/snapshot.js';
import { DEFAULT_PROGRESS_INTERVAL_MS, progressRunner } from '../providers/progress-runner.js';
import { actionEndLine, actionStartLine, interruptSummary, watchInterrupts, type Interrupts } from './apply-progress.js';

interface PlanOpts extends SourceOptions, HostOptions, ConfigurableOptions, GitCredentialFlags {
  host: string;
  output: 'text' | 'json';
  out?: string;
  observed?: string;
  maxDeletes?: number;
  maxDeleteShare?: number;
  allowMassDelete?: boolean;
  color?: boolean;
}

interface ApplyOpts extends PlanOpts {
  plan?: string;
  buildTimeout?: number;
  yes?: boolean;
  dryRun?: boolean;
  progressInterval?: number;
  concurrency?: number;
}

function addPlanOptions(cmd: Command): Command {
  return addGitCredentialOptions(addHostOptions(addSourceOptions(cmd)))
    .addOption(configOption())
    .addOption(outputOption())
    .option('--max-deletes <n>', 'refuse a pass that would remove more managed guests than this (default 5)', (v) => positiveInt(v, '--max-deletes'))
    .option('--max-delete-share <fraction>', 'refuse a pass that would remove more than this share of managed guests (default 0.25)', parseShare)
    .option('--allow-mass-delete', 'override the deletion breaker for this run')
    .option('--no-color', 'no colour in text output (also NO_COLOR, or when stdout is not a terminal)');
}

async function pipelineOptions(cmd: Command, dir: string | undefined, o: PlanOpts, use: { apply?: boolean } = {}): Promise<PipelineOptions> {
  await applyConfigFile(cmd, o, dir);
  let source = sourceFromOptions(dir, o);
  if (source.kind === 'git') {
    const credentials = await gitCredentialsFrom(o);
    if (credentials) source = { ...source, credentials };
  }
  if (o.observed !== undefined) {
    // offline: the host as a snapshot recorded, with no host access at all
    const observation = parseSnapshot(await readSnapshotFile(o.observed), o.observed);
    const host = hostFromOptions({ ...o, host: 'local', hostName: o.hostName ?? observation.observed.hostName });
    return { source, host, runner: offlineRunner, log: createLogger({ level: logLevelOf(o) }), deleteGuard: deleteGuardOf(o), observation };
  }
  return {
    source,
    host: hostFromOptions(o, use),
    // an apply's commands run in their own process group: a Ctrl-C reaches vsgitops, which decides (apply-progress.ts)
    runner: execaRunner(use.apply ? { ownProcessGroup: true } : {}),
    log: createLogger({ level: logLevelOf(o) }),
    deleteGuard: deleteGuardOf(o),
    // an apply (under the apply lock) first finishes what an interrupted apply left
    recover: use.apply === true,
  };
}

function deleteGuardOf(o: PlanOpts): PipelineOptions['deleteGuard'] {
  return { maxDeletes: o.maxDeletes, maxDeleteShare: o.maxDeleteShare, allowMassDelete: o.allowMassDelete };
}

async function readSnapshotFile(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new VsError('PLAN_INVALID', `cannot read observation ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
}

/** plan --observed runs no command: a runner that refuses makes sure of it. */
const offlineRunner: PipelineOptions['runner'] = {
  run: async (argv) => {
    throw new VsError('INTERNAL', `offline plan tried to run ${argv[0] ?? 'a command'}`);
  },
};

function invalidRevision(problems: unknown[], revision: string | null): VsError {
  return new VsError('MANIFEST_INVALID', `revision ${revision ?? '(directory)'} has invalid manifests; nothing was planned or changed`, { problems });
}

export const registerPlan: RegisterCommand = (program, setExit) => {
  const cmd = addPlanOptions(program.command('plan').description('show what apply would change on the host (exit 0 none, 2 changes, 3 destructive changes, 5 blocked, 1 error)'))
    .option('--out <file>', 'also write the plan as JSON to this file, for `apply --plan`')
    .option('--observed <file>', 'plan against this observation (from `observe --output json` or an agent\'s /observed) instead of the host: no host access');
  addHelpFooter(
    cmd,
    [
      'vsgitops plan --repo /srv/gitops --path hosts --host local',
      'vsgitops plan -c /etc/vsgitops/agent.yaml --out plan.json',
      'vsgitops plan ./manifests --host sim:/tmp/host1 --output json',
      'vsgitops plan --repo . --path hosts --observed host.json   # offline, from a snapshot'
    ],
    [
      [EXIT.OK, 'no changes'],
      [EXIT.ERROR, 'error: invalid revision, unreadable source or host'],
      [EXIT.CHANGES, 'changes pending'],
      [EXIT.DESTRUCTIVE, 'changes include destruction (delete, replace, restart of a running guest)'],
      [EXIT.BLOCKED, 'blocked: guests blocked, deletion breaker tripped, or no manifests'],
    ],
  ).action(async (dir: string | undefined, o: PlanOpts, c: Command) => {
      const popts = await pipelineOptions(c, dir, o);
      const computed = await computePlan(popts);
      if (computed.desiredState.problems.length > 0) throw invalidRevision(computed.desiredState.problems, computed.desiredState.revision);
      if (o.out) await fsp.writeFile(o.out, renderPlanJson(computed.plan) + '\n');
      process.stdout.write(o.output === 'json' ? renderPlanJson(computed.plan) + '\n' : renderPlanText(computed.plan, { color: useColor(o.color, process.stdout, process.env) }));
      setExit(blockedExit(computed, popts.log) ?? planExitCode(computed.plan));
    });
};

export const registerApply: RegisterCommand = (program, setExit) => {
  const cmd = addPlanOptions(program.command('apply').description('converge the host to the manifests (or carry out a saved plan)'))
    .option('--plan <file>', 'apply this saved plan (refused if the revision or the host changed since it was made)')
    .option('--yes', 'do not ask before destructive actions (required when not on a terminal)')
    .option('--dry-run', 'only show the plan (exit codes as for plan)')
    .option('--build-timeout <duration>', 'longest a guest build may run, e.g. 45m or 2h (default 30m)', parseBuildTimeout)
    .option('--progress-interval <duration>', 'say "still running" when a command runs this long, and again as often (default 5s; 0 turns it off)', parseProgressInterval)
    .option('--concurrency <n>', `actions run at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}): stops and deletes first, one guest's actions in order`, parseConcurrency);
  addHelpFooter(
    cmd,
    [
      'vsgitops apply --repo /srv/gitops --path hosts --host local',
      'vsgitops apply -c /etc/vsgitops/agent.yaml --plan plan.json --yes',
      'vsgitops apply ./manifests --host sim:/tmp/host1 --dry-run',
      'vsgitops apply -c /etc/vsgitops/agent.yaml --output json 2>progress.log   # progress on stderr',
    ],
    [
      [EXIT.OK, 'applied, or nothing to do'],
      [EXIT.ERROR, 'an action failed; invalid revision; stale saved plan; destructive plan without --yes; lock held'],
      [EXIT.CHANGES, '--dry-run: changes pending'],
      [EXIT.DESTRUCTIVE, '--dry-run: changes include destruction'],
      [EXIT.BLOCKED, 'blocked: guests blocked, deletion breaker tripped, or no manifests (the rest was applied)'],
      [EXIT.INTERRUPTED, 'interrupted (Ctrl-C): the running action finished, no further one started, the lock was released; twice: the running command was aborted'],
    ],
  ).action(async (dir: string | undefined, o: ApplyOpts, c: Command) => {
      const base = await pipelineOptions(c, dir, o, { apply: !o.dryRun });
      // progress: on stdout beside the text output, on stderr when stdout carries JSON
      const say = (line: string) => void (o.output === 'json' ? process.stderr : process.stdout).write(line + '\n');
      const interrupts = o.dryRun ? undefined : watchInterrupts(say);
      const popts: PipelineOptions = {
        ...base,
        runner: o.dryRun ? base.runner : progressRunner(base.runner, { intervalMs: o.progressInterval ?? DEFAULT_PROGRESS_INTERVAL_MS, say }),
        ...(o.buildTimeout ? { buildTimeoutMs: o.buildTimeout } : {}),
      };
      try {
        // One writer per host: an agent pass (or another apply) on the same state
        // directory would race this one on the guests and on the inventory.
        const lock = o.dryRun ? undefined : await acquireLock(popts.host.paths.stateDir, processLockEnv(), popts.log, APPLY_LOCK_FILE);
        try {
          await applyLocked(popts, o, setExit, interrupts, say);
        } finally {
          await lock?.release();
        }
      } finally {
        interrupts?.dispose();
      }
    });
};

async function applyLocked(popts: PipelineOptions, o: ApplyOpts, setExit: (code: number) => void, interrupts?: Interrupts, say: (line: string) => void = () => undefined): Promise<void> {
  const computed = await computePlan(popts);
  if (computed.desiredState.problems.length > 0) throw invalidRevision(computed.desiredState.problems, computed.desiredState.revision);
  // the saved plan only selects: apply carries out the recomputed plan, and only when the file's actions are the same
  const plan = computed.plan;
  if (o.plan) checkSavedPlan(await readSavedPlan(o.plan), computed);
  const text = o.output === 'text';
  if (o.dryRun) {
    process.stdout.write(text ? renderPlanText(plan, { color: useColor(o.color, process.stdout, process.env) }) : renderPlanJson(plan) + '\n');
    setExit(blockedExit(computed, popts.log) ?? planExitCode(plan));
    return;
  }
  if (text) process.stdout.write(renderPlanText(plan, { color: useColor(o.color, process.stdout, process.env) }));
  if (plan.actions.length === 0) {
    await recordUnchanged(popts.host, computed, plan);
    if (!text) process.stdout.write(stringifyExact({ formatVersion: OUTPUT_FORMAT_VERSION, ok: true, plan, changeSet: null }) + '\n');
    setExit(blockedExit(computed, popts.log) ?? EXIT.OK);
    return;
  }
  if (plan.destructive && !o.yes) await confirm(plan);
  if (interrupts?.interrupted) {
    // Ctrl-C while planning or at the prompt: nothing was started
    say(interruptSummary(plan, undefined).trimEnd());
    if (!text) process.stdout.write(stringifyExact({ formatVersion: OUTPUT_FORMAT_VERSION, ok: false, interrupted: true, plan, changeSet: null }) + '\n');
    setExit(EXIT.INTERRUPTED);
    return;
  }
  const cs = await executePlan(
    {
      ...popts,
      ...(interrupts ? { stop: interrupts.stop, signal: interrupts.abort } : {}),
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      onStart: (action) => say(actionStartLine(plan, action)),
      onEntry: (entry, action) => say(actionEndLine(plan, action, entry)),
    },
    computed,
    plan,
  );
  const interrupted = interrupts?.interrupted === true;
  process.stdout.write(text ? '\n' + renderChangeSetText(cs) : stringifyExact({ formatVersion: OUTPUT_FORMAT_VERSION, ok: cs.ok, ...(interrupted ? { interrupted: true } : {}), plan, changeSet: cs }) + '\n');
  if (interrupted) {
    say(interruptSummary(plan, cs).trimEnd());
    setExit(EXIT.INTERRUPTED);
    return;
  }
  setExit(cs.ok ? (blockedExit(computed, popts.log) ?? EXIT.OK) : EXIT.ERROR);
}

/**
 * EXIT.BLOCKED (with a warning naming why) when guests are blocked, the
 * deletion breaker tripped or the revision has no manifests: a pipeline can
 * tell this from "nothing to do". Undefined otherwise.
 */
function blockedExit(computed: Computed, log: { warn: (m: string) => unknown }): number | undefined {
  const reasons = blockedReasons(computed.plan, hasNoManifests(computed.desiredState));
  if (reasons.length === 0) return undefined;
  log.warn(`blocked (exit ${EXIT.BLOCKED}): ${reasons.join('; ')}`);
  return EXIT.BLOCKED;
}

export async function readSavedPlan(file: string): Promise<Plan> {
  let plan: Plan;
  try {
    plan = JSON.parse(await fsp.readFile(file, 'utf8')) as Plan;
  } catch (err) {
    throw new VsError('PLAN_INVALID', `cannot read saved plan ${file}: ${(err as Error).message}`);
  }
  if (plan.formatVersion !== PLAN_FORMAT_VERSION || !Array.isArray(plan.actions)) {
    throw new VsError('PLAN_INVALID', `${file} is not a vsgitops plan of format version ${PLAN_FORMAT_VERSION}`);
  }
  return plan;
}

async function confirm(plan: Plan): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new VsError('CONFIRMATION_REQUIRED', `the plan has destructive actions (${describeDestructive(plan)}); re-run with --yes to carry them out`);
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C at the prompt (the terminal is in raw mode: readline gets it, not the process) cancels
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  let answer: string;
  try {
    answer = await rl.question(`The plan has destructive actions (${describeDestructive(plan)}). Type "yes" to apply: `, { signal: cancel.signal });
  } catch (err) {
    if (cancel.signal.aborted) throw new VsError('CONFIRMATION_REQUIRED', 'apply cancelled (Ctrl-C at the prompt); nothing was changed');
    throw err;
  } finally {
    rl.close();
  }
  if (answer.trim() !== 'yes') throw new VsError('CONFIRMATION_REQUIRED', 'apply cancelled; nothing was changed');
}

function describeDestructive(plan: Plan): string {
  return plan.actions.filter((a) => a.destructive).map((a) => `${a.kind} ${a.guest}`).join(', ');
}

function positiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v)) throw new VsError('USAGE', `${flag} takes a whole number, got "${v}"`);
  return Number(v);
}

function parseBuildTimeout(v: string): number {
  let ms: number;
  try {
    ms = parseDuration(v, '--build-timeout');
  } catch (err) {
    throw new VsError('USAGE', (err as Error).message);
  }
  if (!(ms > 0)) throw new VsError('USAGE', `--build-timeout must be above 0, got "${v}"`);
  return ms;
}

export function parseConcurrency(v: string): number {
  if (!/^[1-9][0-9]*$/.test(v) || Number(v) > MAX_CONCURRENCY) throw new VsError('USAGE', `--concurrency takes a whole number from 1 to ${MAX_CONCURRENCY} (got '${v}')`);
  return Number(v);
}

function parseProgressInterval(v: string): number {
  if (v === '0') return 0;
  try {
    return parseDuration(v, '--progress-interval');
  } catch (err) {
    throw new VsError('USAGE', (err as Error).message);
  }
}

function parseShare(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new VsError('USAGE', `--max-delete-share takes a fraction from 0 to 1, got "${v}"`);
  return n;
}
