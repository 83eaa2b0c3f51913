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
import { progressRunner } from '../providers/progress-runner.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import { acquireLock, APPLY_LOCK_FILE, processLockEnv, type AgentLock, type LockEnv } from './lock.js';
import type { PassRequest } from './types.js';
import type { DriftItem, PassResult } from '../reconciler/pass-types.js';
import { sha256Hex } from '../observability/drift/fingerprint.js';
import { computePlan, executePlan, recordUnchanged, type Computed, type HostTarget } from '../pipeline/pipeline.js';
import type { ChangeSet } from '../reconciler/types.js';
import { blockedReasons, hasNoManifests } from '../reconciler/blocked.js';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { observeHost, type ObserveCache } from '../providers/vserver/observe.js';
import { readInventory } from '../reconciler/inventory.js';
import { makeSnapshot, OBSERVATION_FILE } from '../reconciler/snapshot.js';

export interface PassSettings {
  source: SourceSpec;
  host: string;
  hostName: string;
  hostLabels: Record<string, string>;
  /** see HostTarget.identityChange / persistIdentity */
  hostIdentityChange?: boolean;
  persistHostIdentity?: boolean;
  stateDir: string;
  deletionGuard: { maxDeletes: number; maxDeleteShare: number };
  /** longest a guest build may run (default: the executor's, 30 min) */
  buildTimeoutMs?: number;
  /** actions a pass runs at once (default 1; ApplyOptions.concurrency) */
  concurrency?: number;
}

export interface PassDeps {
  log: Logger;
  runner?: CommandRunner;
  now?: () => Date;
  /** identity for the apply lock (default: this process) */
  lockEnv?: LockEnv;
  /** revision in force on the host before the first pass (from the status file) */
  initialAppliedRevision?: string | null;
  /** an apply's command running this long is logged as still running, and again as often (default 5 s; 0: off) */
  progressIntervalMs?: number;
  /** the agent's cache of config reads across passes (opaque here: handed to observe) */
  observeCache?: ObserveCache;
}

export function createReconcilePass(settings: PassSettings, deps: PassDeps): (req: PassRequest) => Promise<PassResult> {
  const now = deps.now ?? (() => new Date());
  // commands in their own process group: a terminal's Ctrl-C (run --once) reaches vsgitops, which decides
  const runner = deps.runner ?? execaRunner({ ownProcessGroup: true });
  let appliedRevision: string | null = deps.initialAppliedRevision ?? null;
  // a plain directory has no revision: what was applied is known by the manifests' digest
  let appliedDesiredDigest: string | null = null;
  // the identity is stored by the first pass that applies; later passes find it in the host file
  let identityStored = !settings.persistHostIdentity;

  return async (req) => {
    const started = now();
    const t0 = performance.now();
    const host: HostTarget = {
      paths: parseHostSpec(settings.host, settings.stateDir),
      name: settings.hostName,
      labels: settings.hostLabels,
      ...(settings.hostIdentityChange && !identityStored ? { identityChange: true } : {}),
      ...(!identityStored && !req.dryRun ? { persistIdentity: true } : {}),
    };
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

    /**
     * The latest observation, for `plan --observed` in CI (served on the HTTP port as /observed):
     * after a pass that changed the host, the host is read again so the file shows the result.
     */
    async function recordObservation(computed: Computed, changed: boolean): Promise<void> {
      try {
        const [observed, inventory] = changed
          ? await Promise.all([observeHost(host.paths, { runner, hostName: host.name, ...(deps.observeCache ? { cache: deps.observeCache } : {}) }), readInventory(host.paths.stateDir)])
          : [computed.observed, computed.inventory];
        await writeFileAtomic(path.join(host.paths.stateDir, OBSERVATION_FILE), JSON.stringify(makeSnapshot(observed, inventory, now().toISOString())) + '\n');
      } catch (err) {
        deps.log.warn(`cannot record the observation: ${asVsError(err).message}`);
      }
    }

    async function body(): Promise<PassResult> {
      let computed: Computed;
      try {
        computed = await computePlan({ source: settings.source, host, runner, log: deps.log, deleteGuard: settings.deletionGuard, recover: !req.dryRun, cacheManifests: true, ...(deps.observeCache ? { observeCache: deps.observeCache } : {}), ...(settings.buildTimeoutMs ? { buildTimeoutMs: settings.buildTimeoutMs } : {}) });
      } catch (err) {
        const e = asVsError(err);
        if (e.code === 'REVISION_UNTRUSTED') {
          // like an invalid revision: terminal until a new one, nothing applied or deleted, and alerted
          const revision = typeof e.data.commit === 'string' ? e.data.commit : null;
          deps.log.error(`${e.message}; keeping ${appliedRevision ?? 'the current state'}`, { revision, reason: e.data.reason });
          return finish({ revision, result: 'invalid', error: { code: e.code, message: e.message }, drift: [untrustedRevisionItem(e, revision)], guests: [] });
        }
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
      const pendingRevision = revision === null ? plan.desiredDigest !== appliedDesiredDigest : revision !== appliedRevision;
      let changeSet: ChangeSet | undefined;
      let result: PassResult['result'];
      if (req.dryRun) {
        result = 'suspended';
      } else if (plan.actions.length === 0) {
        await recordUnchanged(host, computed, plan).catch((err: unknown) => deps.log.warn(`cannot record the inventory: ${asVsError(err).message}`));
        result = 'unchanged';
        if (host.persistIdentity) identityStored = true;
      } else {
        // progress in the log (issue 13): each action's start (its end is logged by applyPlan), long commands
        const log = deps.log;
        const progress = progressRunner(runner, { ...(deps.progressIntervalMs !== undefined ? { intervalMs: deps.progressIntervalMs } : {}), say: (line, i) => log.info(line, { elapsedMs: Math.round(i.elapsedMs) }) });
        const onStart = (a: { guest: string; kind: string }) => void log.info(`${a.guest}: ${a.kind} started`, { guest: a.guest, action: a.kind });
        changeSet = await executePlan({ source: settings.source, host, runner: progress, log, signal: req.signal, ...(req.stop ? { stop: req.stop } : {}), buildTimeoutMs: settings.buildTimeoutMs, ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}), onStart }, computed, plan);
        if (host.persistIdentity) identityStored = true;
        result = changeSet.ok ? 'applied' : 'failed';
      }
      await recordObservation(computed, changeSet !== undefined);
      // what could be carried out was: later drift is judged against this revision
      if (result === 'applied' || result === 'unchanged') {
        appliedRevision = revision;
        appliedDesiredDigest = plan.desiredDigest;
      }
      // Blocked is not success: the host does not match the revision although nothing failed;
      // the pass result, the status and an alert (drift kind 'blocked') say why.
      const noManifests = hasNoManifests(desiredState);
      const blocked = req.dryRun ? [] : blockedReasons(plan, noManifests);
      if (blocked.length > 0 && result !== 'failed') {
        result = 'blocked';
        deps.log.warn(`revision ${revision ?? '(directory)'} is blocked: ${blocked.join('; ')}`, { revision, blocked: blocked.slice(0, 20) });
      }
      const drift = classifyDrift({ plan, changeSet, pendingRevision, ignore, now: now().toISOString(), modes, noManifests });
      return finish({
        revision,
        result,
        ...(changeSet && !changeSet.ok ? { error: { code: 'APPLY_FAILED', message: `${changeSet.summary.failed ?? 0} action(s) failed` } } : {}),
        ...(result === 'blocked' ? { error: { code: 'BLOCKED', message: blocked.join('; ') } } : {}),
        plan,
        ...(changeSet ? { changeSet } : {}),
        drift,
        guests,
      });
    }
  };
}

/** The alert for a refused revision: a host-level failure, one per (revision, reason). */
function untrustedRevisionItem(e: VsError, revision: string | null): DriftItem {
  return {
    kind: 'failed',
    fields: ['revision'],
    fingerprint: sha256Hex(`untrusted\0${revision ?? ''}\0${String(e.data.reason ?? '')}`),
    message: e.message,
    mode: 'enforce',
  };
}

function asVsError(err: unknown): VsError {
  return err instanceof VsError ? err : new VsError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
}
