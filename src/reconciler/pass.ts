/**
 * One reconcile pass for the agent: re-read the revision and the host, plan,
 * apply (unless suspended), classify drift. Level-triggered: it never looks
 * at what woke it. Always resolves with a PassResult.
 */
import { randomUUID } from 'node:crypto';
import { VsError, type Problem } from '../errors.js';
import type { Logger } from '../log.js';
import type { DriftMode } from '../model/guest.js';
import type { SourceSpec } from '../desired/load.js';
import { classifyDrift, expiredIgnoreWarnings, readIgnoreList, type IgnoreEntry } from '../observability/index.js';
import type { CommandRunner } from '../providers/command-runner.js';
import { execaRunner } from '../providers/command-runner.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import { acquireLock, APPLY_LOCK_FILE, processLockEnv, type AgentLock, type LockEnv } from '../agent/lock.js';
import type { PassRequest } from '../agent/types.js';
import type { PassResult } from './pass-types.js';
import { computePlan, executePlan, recordUnchanged, type Computed, type HostTarget } from './pipeline.js';
import type { ChangeSet } from './types.js';

export interface PassSettings {
  source: SourceSpec;
  host: string;
  hostName: string;
  hostLabels: Record<string, string>;
  stateDir: string;
  deletionGuard: { maxDeletes: number; maxDeleteShare: number };
}

export interface PassDeps {
  log: Logger;
  runner?: CommandRunner;
  now?: () => Date;
  /** identity for the apply lock (default: this process) */
  lockEnv?: LockEnv;
  /** revision in force on the host before the first pass (from the status file) */
  initialAppliedRevision?: string | null;
}

export function createReconcilePass(settings: PassSettings, deps: PassDeps): (req: PassRequest) => Promise<PassResult> {
  const now = deps.now ?? (() => new Date());
  const runner = deps.runner ?? execaRunner();
  let appliedRevision: string | null = deps.initialAppliedRevision ?? null;

  return async (req) => {
    const started = now();
    const t0 = performance.now();
    const host: HostTarget = { paths: parseHostSpec(settings.host, settings.stateDir), name: settings.hostName, labels: settings.hostLabels };
    const base = { id: randomUUID(), trigger: req.trigger, startedAt: started.toISOString() };
    const finish = (r: Omit<PassResult, 'id' | 'trigger' | 'startedAt' | 'finishedAt' | 'durationMs' | 'appliedRevision'>): PassResult => ({
      ...base,
      finishedAt: now().toISOString(),
      durationMs: Math.round(performance.now() - t0),
      appliedRevision,
      ...r,
    });

    // a hand-run `vsgitops apply` may be changing the host: one writer at a time,
    // from observing to the last command (a suspended pass only observes)
    let lock: AgentLock | undefined;
    if (!req.dryRun) {
      try {
        lock = await acquireLock(host.paths.stateDir, deps.lockEnv ?? processLockEnv(), deps.log, APPLY_LOCK_FILE);
      } catch (err) {
        const e = asVsError(err);
        return finish({ revision: null, result: 'failed', error: { code: e.code, message: e.message }, drift: [], guests: [] });
      }
    }
    try {
      return await body();
    } finally {
      await lock?.release();
    }

    async function body(): Promise<PassResult> {
      let computed: Computed;
      try {
        computed = await computePlan({ source: settings.source, host, runner, log: deps.log, deleteGuard: settings.deletionGuard, cacheManifests: true });
      } catch (err) {
        const e = asVsError(err);
        return finish({ revision: null, result: 'failed', error: { code: e.code, message: e.message }, drift: [], guests: [] });
      }
      const { desiredState, plan } = computed;
      const revision = desiredState.revision;

      const ignoreList = readIgnoreList(desiredState.ignoreFile);
      const problems: Problem[] = [...desiredState.problems, ...ignoreList.problems];
      const ignore: IgnoreEntry[] = ignoreList.entries;
      const modes: Record<string, DriftMode> = {};
      for (const [name, entry] of Object.entries(computed.inventory.guests)) modes[name] = entry.driftMode;
      for (const d of computed.desired) modes[d.spec.name] = d.policy.drift;
      const guests = Object.entries(modes).map(([name, mode]) => ({ name, mode })).sort((a, b) => (a.name < b.name ? -1 : 1));

      if (problems.length > 0) {
        // Terminal until a new revision: the last applied revision stays in force, nothing changes.
        deps.log.error(`revision ${revision ?? '(directory)'} is invalid: ${problems.length} problem(s); keeping ${appliedRevision ?? 'the current state'}`, { revision, problems: problems.slice(0, 20) });
        return finish({ revision, result: 'invalid', error: { code: 'MANIFEST_INVALID', message: `${problems.length} problem(s) in revision ${revision ?? '(directory)'}` }, drift: [], guests });
      }
      for (const w of expiredIgnoreWarnings(ignore, now().toISOString())) deps.log.warn(w);
      for (const w of plan.warnings) deps.log.warn(w);

      // judged before applying: a revision this pass brings in is still the cause of its own actions
      const pendingRevision = revision !== appliedRevision;
      let changeSet: ChangeSet | undefined;
      let result: PassResult['result'];
      if (req.dryRun) {
        result = 'suspended';
      } else if (plan.actions.length === 0) {
        await recordUnchanged(host, computed, plan).catch((err: unknown) => deps.log.warn(`cannot record the inventory: ${asVsError(err).message}`));
        result = 'unchanged';
        appliedRevision = revision;
      } else {
        changeSet = await executePlan({ source: settings.source, host, runner, log: deps.log, signal: req.signal }, computed, plan);
        result = changeSet.ok ? 'applied' : 'failed';
        if (changeSet.ok) appliedRevision = revision;
      }
      const drift = classifyDrift({ plan, changeSet, pendingRevision, ignore, now: now().toISOString(), modes });
      return finish({
        revision,
        result,
        ...(changeSet && !changeSet.ok ? { error: { code: 'APPLY_FAILED', message: `${changeSet.summary.failed ?? 0} action(s) failed` } } : {}),
        plan,
        ...(changeSet ? { changeSet } : {}),
        drift,
        guests,
      });
    }
  };
}

function asVsError(err: unknown): VsError {
  return err instanceof VsError ? err : new VsError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
}
