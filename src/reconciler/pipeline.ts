/**
 * One-shot pipeline used by `plan`, `apply`, `drift` and the agent's pass:
 * source -> desired -> observe -> plan, then apply -> inventory.
 */
import { VsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DesiredGuest, ObservedHost } from '../model/guest.js';
import { loadDesiredState, type DesiredState, type SourceSpec } from '../desired/load.js';
import { selectForHost } from '../desired/host-select.js';
import type { CommandRunner } from '../providers/command-runner.js';
import type { HostPaths } from '../providers/vserver/host-paths.js';
import { observeHost } from '../providers/vserver/observe.js';
import { VServerExecutor } from '../providers/vserver/executor.js';
import { applyPlan } from './apply.js';
import { readInventory, updateInventory, writeInventory } from './inventory.js';
import type { Inventory } from './inventory-types.js';
import { planHost, DEFAULT_PLAN_OPTIONS } from './plan.js';
import type { ChangeSet, ChangeSetEntry, Plan, PlannedAction } from './types.js';

export interface HostTarget {
  paths: HostPaths;
  name: string;
  labels: Record<string, string>;
}

export interface PipelineOptions {
  source: SourceSpec;
  host: HostTarget;
  runner: CommandRunner;
  log: Logger;
  deleteGuard?: { maxDeletes?: number; maxDeleteShare?: number; allowMassDelete?: boolean };
  /** keep parsed manifests between calls (the agent's passes); one-shot commands leave it off */
  cacheManifests?: boolean;
}

export interface Computed {
  desiredState: DesiredState;
  desired: DesiredGuest[];
  observed: ObservedHost;
  inventory: Inventory;
  plan: Plan;
}

export async function computePlan(opts: PipelineOptions): Promise<Computed> {
  const desiredState = await loadDesiredState(opts.source, opts.cacheManifests ? { cache: true } : {});
  const valid = desiredState.problems.length === 0;
  const desired = valid ? selectForHost(desiredState.guests, { name: opts.host.name, labels: opts.host.labels }) : [];
  const [observed, inventory] = await Promise.all([
    observeHost(opts.host.paths, { runner: opts.runner, hostName: opts.host.name }),
    readInventory(opts.host.paths.stateDir),
  ]);
  const plan = planHost({
    revision: desiredState.revision,
    hostName: opts.host.name,
    desired,
    desiredValid: valid,
    observed,
    inventory,
    options: { ...DEFAULT_PLAN_OPTIONS, ...stripUndefined(opts.deleteGuard ?? {}) },
  });
  return { desiredState, desired, observed, inventory, plan };
}

export interface ExecuteOptions extends PipelineOptions {
  signal?: AbortSignal;
  onEntry?: (entry: ChangeSetEntry, action: PlannedAction) => void | Promise<void>;
}

/** Applies `plan` (fresh or saved) and records the outcome in the inventory. */
export async function executePlan(opts: ExecuteOptions, computed: Computed, plan: Plan): Promise<ChangeSet> {
  const executor = new VServerExecutor({ paths: opts.host.paths, runner: opts.runner, hostName: opts.host.name });
  let inventory = computed.inventory;
  const cs = await applyPlan(plan, executor, {
    log: opts.log,
    signal: opts.signal,
    onEntry: async (entry, action) => {
      // Record each outcome at once so a crash mid-apply keeps ownership exact.
      inventory = updateInventory(inventory, plan, { ...emptyChangeSet(plan), entries: [entry] }, computed.desired);
      await writeInventory(opts.host.paths.stateDir, inventory);
      await opts.onEntry?.(entry, action);
    },
  });
  inventory = updateInventory(inventory, plan, cs, computed.desired, observedNames(computed));
  await writeInventory(opts.host.paths.stateDir, inventory);
  return cs;
}

/**
 * An apply with nothing to carry out still records what git now says about
 * the guests vsgitops owns (their deletion policy and drift mode): a policy
 * change alone plans no action. Writes only when the inventory changes.
 */
export async function recordUnchanged(host: HostTarget, computed: Computed, plan: Plan): Promise<void> {
  const entries: ChangeSetEntry[] = plan.unchanged.map((guest) => ({ guest, action: 'noop', outcome: 'unchanged', commands: [], durationMs: 0 }));
  const next = updateInventory(computed.inventory, plan, { ...emptyChangeSet(plan), entries }, computed.desired, observedNames(computed));
  if (JSON.stringify(next) !== JSON.stringify(computed.inventory)) await writeInventory(host.paths.stateDir, next);
}

/** A saved plan is applied only against the revision and host state it was made from. */
export function checkSavedPlan(saved: Plan, current: Computed): void {
  if (saved.hostName !== current.plan.hostName) {
    throw new VsError('PLAN_STALE', `saved plan is for host "${saved.hostName}", this is "${current.plan.hostName}"`);
  }
  if (saved.revision !== current.plan.revision || saved.desiredDigest !== current.plan.desiredDigest) {
    throw new VsError('PLAN_STALE', `saved plan was made from revision ${saved.revision ?? '(directory)'}, the source is now at ${current.plan.revision ?? '(directory)'}${saved.revision === current.plan.revision ? ' with different manifests' : ''}; run plan again`, { planned: saved.revision, current: current.plan.revision });
  }
  if (saved.observedDigest !== current.observed.digest) {
    throw new VsError('PLAN_STALE', 'the host changed since the plan was made; run plan again', { planned: saved.observedDigest, current: current.observed.digest });
  }
}

function observedNames(computed: Computed): Set<string> {
  return new Set(computed.observed.guests.map((g) => g.spec.name));
}

function emptyChangeSet(plan: Plan): ChangeSet {
  return { revision: plan.revision, hostName: plan.hostName, entries: [], summary: {}, ok: true };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
