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
import { observeHost, type ObserveCache } from '../providers/vserver/observe.js';
import { VServerExecutor } from '../providers/vserver/executor.js';
import { applyPlan, type ActionExecutor } from '../reconciler/apply.js';
import { inventoryEntryFor, readInventory, updateInventory, writeInventory } from '../reconciler/inventory.js';
import type { Inventory } from '../reconciler/inventory-types.js';
import { planHost, DEFAULT_PLAN_OPTIONS } from '../reconciler/plan.js';
import { writeHostFile } from '../host/identity.js';
import type { Fleet } from '../desired/fleet.js';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { MARKER_FILE, markerContent } from '../providers/vserver/marker.js';
import { carriedRecords, clearStartIntent, finishJournal, JournalWriter, journalPath, readJournal, readStartIntents, recoverJournal, writeStartIntent, type BuildInProgress } from '../reconciler/journal.js';
import { findRunningBuild } from '../providers/vserver/build-scan.js';
import { recoverHalfStarts } from '../providers/vserver/half-start.js';
import type { ChangeSet, ChangeSetEntry, Plan, PlannedAction } from '../reconciler/types.js';

export interface HostTarget {
  paths: HostPaths;
  name: string;
  labels: Record<string, string>;
  /**
   * --host-identity-change: the identity differs from the host file. Guests
   * that leave this host by placement alone are then deleted by their own
   * policy (otherwise only retained), and an apply stores the new identity.
   */
  identityChange?: boolean;
  /** an apply writes name and labels to the host file (none yet, or a change) */
  persistIdentity?: boolean;
}

export interface PipelineOptions {
  source: SourceSpec;
  host: HostTarget;
  runner: CommandRunner;
  log: Logger;
  deleteGuard?: { maxDeletes?: number; maxDeleteShare?: number; allowMassDelete?: boolean };
  /**
   * Finish what an interrupted apply left (its journal) before observing.
   * Only for callers that hold the apply lock and may change the host.
   */
  recover?: boolean;
  /** longest a guest build may run (default: the executor's, 30 min) */
  buildTimeoutMs?: number;
  /** plan against this observation (a snapshot) instead of reading the host */
  observation?: { observed: ObservedHost; inventory: Inventory };
  /** keep parsed manifests between calls (the agent's passes); one-shot commands leave it off */
  cacheManifests?: boolean;
  /** the agent's config-read cache, handed to observe as is */
  observeCache?: ObserveCache;
}

export interface Computed {
  desiredState: DesiredState;
  desired: DesiredGuest[];
  observed: ObservedHost;
  inventory: Inventory;
  plan: Plan;
}

export async function computePlan(opts: PipelineOptions): Promise<Computed> {
  const recovered = opts.recover ? await recover(opts) : { warning: await pendingJournalWarning(opts.host.paths.stateDir), inProgress: [] };
  const journalWarning = recovered.warning;
  const desiredState = await loadDesiredState(opts.source, opts.cacheManifests ? { cache: true } : {});
  const valid = desiredState.problems.length === 0;
  const identity = valid ? placementIdentity(opts.host, desiredState.fleet) : { name: opts.host.name, labels: opts.host.labels, warnings: [] };
  const desired = valid ? selectForHost(desiredState.guests, identity) : [];
  const here = new Set(desired.map((d) => d.spec.name));
  const placedElsewhere = valid ? desiredState.guests.map((g) => g.spec.name).filter((n) => !here.has(n)) : [];
  const [observed, inventory] = opts.observation
    ? [opts.observation.observed, opts.observation.inventory]
    : await Promise.all([
        observeHost(opts.host.paths, { runner: opts.runner, hostName: opts.host.name, ...(opts.observeCache ? { cache: opts.observeCache } : {}) }),
        readInventory(opts.host.paths.stateDir),
      ]);
  const plan = planHost({
    revision: desiredState.revision,
    hostName: opts.host.name,
    desired,
    desiredValid: valid,
    placedElsewhere,
    observed,
    inventory,
    options: { ...DEFAULT_PLAN_OPTIONS, ...stripUndefined(opts.deleteGuard ?? {}), allowPlacementDelete: opts.host.identityChange === true },
    inProgress: recovered.inProgress.map((b) => ({ guest: b.guest, reason: `build in progress: vserver ${b.guest} build (pid ${b.pid}), left running by an interrupted apply, has not finished; the guest is left alone until it has` })),
  });
  plan.warnings.unshift(...identity.warnings);
  if (journalWarning) plan.warnings.unshift(journalWarning);
  return { desiredState, desired, observed, inventory, plan };
}

/**
 * The name and labels that place manifests on this host. A host knows its
 * name locally (host.yaml); where the revision has a fleet file, that file
 * gives its labels (and environment). A host missing from the fleet file is
 * an error: planning with no labels would make its guests look "no longer
 * placed here".
 */
export function placementIdentity(host: HostTarget, fleet: Fleet | undefined): { name: string; labels: Record<string, string>; warnings: string[] } {
  if (!fleet) return { name: host.name, labels: host.labels, warnings: [] };
  const entry = fleet.hosts.find((h) => h.name === host.name);
  if (!entry) {
    throw new VsError('HOST_IDENTITY', `host "${host.name}" is not in the fleet file ${fleet.file}: nothing was planned or changed (add the host there, or correct this host's name with "vsgitops host init --name … --host-identity-change")`, { file: fleet.file, host: host.name });
  }
  const own = Object.keys(host.labels);
  const differs = own.length > 0 && (own.length !== Object.keys(entry.labels).length || own.some((k) => entry.labels[k] !== host.labels[k]));
  const warnings = differs
    ? [`labels of ${host.name} come from the fleet file (${entry.origin.file}:${entry.origin.line}: ${fmtLabels(entry.labels)}); the host's own labels (${fmtLabels(host.labels)}) are not used`]
    : [];
  return { name: host.name, labels: { ...entry.labels }, warnings };
}

const fmtLabels = (l: Record<string, string>) => Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',') || 'none';

async function recover(opts: PipelineOptions): Promise<{ warning: string | undefined; inProgress: BuildInProgress[] }> {
  const interrupted = await recoverInterrupted(opts);
  const warnings = [interrupted.warning, await recoverStarts(opts)].filter((w): w is string => w !== undefined);
  return { warning: warnings.length > 0 ? warnings.join('; ') : undefined, inProgress: interrupted.inProgress };
}

/** How long recovery waits for a build left running by a killed apply (at most the build timeout). */
const BUILD_WAIT_MS = 2 * 60_000;

/** Starts of vsgitops' own that died half way (their intents are still there): end the half-started contexts. */
async function recoverStarts(opts: PipelineOptions): Promise<string | undefined> {
  const intents = await readStartIntents(opts.host.paths.stateDir);
  if (intents.length === 0) return undefined;
  const results = await recoverHalfStarts(intents, { paths: opts.host.paths, runner: opts.runner, log: opts.log, clearIntent: (g) => clearStartIntent(opts.host.paths.stateDir, g) });
  const cleaned = results.filter((r) => r.outcome === 'cleaned');
  const left = results.filter((r) => r.outcome === 'not-ours' || r.outcome === 'still-there');
  const parts = [
    ...(cleaned.length > 0 ? [`a start by vsgitops died half way (${cleaned.map((r) => `${r.guest}, context ${r.xid}`).join('; ')}): the half-started context was ended and the guest is started again`] : []),
    ...left.map((r) => `${r.guest}: ${r.detail}`),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

async function recoverInterrupted(opts: PipelineOptions): Promise<{ warning: string | undefined; inProgress: BuildInProgress[] }> {
  const { paths, name } = opts.host;
  const r = await recoverJournal({
    buildRunning: (g) => findRunningBuild(paths, g),
    buildWaitMs: Math.min(opts.buildTimeoutMs ?? BUILD_WAIT_MS, BUILD_WAIT_MS),
    stateDir: paths.stateDir,
    configDir: (g) => path.join(paths.etcVservers, g),
    hasMarker: (g) => fsp.access(path.join(paths.etcVservers, g, MARKER_FILE)).then(() => true, () => false),
    writeMarker: (g) => writeFileAtomic(path.join(paths.etcVservers, g, MARKER_FILE), markerContent(name)),
    readInventory: () => readInventory(paths.stateDir),
    writeInventory: (inv) => writeInventory(paths.stateDir, inv),
    log: opts.log,
  });
  if (!r || r.interrupted.length === 0) return { warning: undefined, inProgress: [] };
  const busy = r.inProgress.length > 0 ? `; ${r.inProgress.map((b) => b.guest).join(', ')}: its build is still running, left alone this pass` : '';
  return {
    warning: `an earlier apply was interrupted (${r.interrupted.map((i) => `${i.action} ${i.guest}`).join(', ')}); ownership was restored from its journal${r.adopted.length > 0 ? ` and ${r.adopted.join(', ')} (built by it) marked as managed` : ''}${busy}`,
    inProgress: r.inProgress,
  };
}

async function pendingJournalWarning(stateDir: string): Promise<string | undefined> {
  const records = await readJournal(stateDir).catch(() => undefined);
  const starts = await readStartIntents(stateDir).catch(() => []);
  const parts: string[] = [];
  if (records) parts.push(`an earlier apply was interrupted (${journalPath(stateDir)}); the next apply or agent pass finishes it before planning`);
  if (starts.length > 0) parts.push(`a start by vsgitops did not finish (${starts.map((i) => `${i.guest}, context ${i.xid}`).join('; ')}); the next apply or agent pass ends a half-started context of it before planning`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

export interface ExecuteOptions extends PipelineOptions {
  /** aborts the running commands */
  signal?: AbortSignal;
  /** graceful stop: no further action starts (see ApplyOptions.stop) */
  stop?: AbortSignal;
  /** called when an action starts (progress output) */
  onStart?: (action: PlannedAction) => void | Promise<void>;
  onEntry?: (entry: ChangeSetEntry, action: PlannedAction) => void | Promise<void>;
  /** how many actions run at once (ApplyOptions.concurrency; default 1) */
  concurrency?: number;
}

/** Applies `plan` (fresh or saved) and records the outcome in the inventory. */
export async function executePlan(opts: ExecuteOptions, computed: Computed, plan: Plan): Promise<ChangeSet> {
  await persistIdentity(opts.host);
  const stateDir = opts.host.paths.stateDir;
  const executor = new VServerExecutor({
    paths: opts.host.paths,
    runner: opts.runner,
    hostName: opts.host.name,
    ...(opts.buildTimeoutMs ? { timeouts: { build: opts.buildTimeoutMs } } : {}),
    startIntents: {
      begin: (guest, xid) => writeStartIntent(stateDir, { guest, xid, revision: plan.revision, at: new Date().toISOString() }),
      end: (guest) => clearStartIntent(stateDir, guest),
    },
  });
  let inventory = computed.inventory;
  const byName = new Map(computed.desired.map((d) => [d.spec.name, d]));
  // Each action's intent and outcome go to the journal (appended, fsynced): a crash at any
  // point keeps ownership exact, and the inventory is written once, at the end.
  const journal = await JournalWriter.open(opts.host.paths.stateDir);
  const seqs = new Map<PlannedAction, number>();
  let cs: ChangeSet;
  try {
    cs = await applyPlan(plan, guardedExecutor(executor, computed), {
      log: opts.log,
      signal: opts.signal,
      ...(opts.stop ? { stop: opts.stop } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      onStart: async (action) => {
        const seq = journal.nextSeq();
        seqs.set(action, seq);
        const d = byName.get(action.guest);
        const intent = action.kind === 'create' && d ? inventoryEntryFor(d, plan.revision) : undefined;
        await journal.append({ t: 'begin', seq, guest: action.guest, action: action.kind, revision: plan.revision, ...(intent ? { intent } : {}) });
        await opts.onStart?.(action);
      },
      onEntry: async (entry, action) => {
        const next = updateInventory(inventory, plan, { ...emptyChangeSet(plan), entries: [entry] }, computed.desired);
        const seq = seqs.get(action);
        if (seq !== undefined) {
          const now = Object.hasOwn(next.guests, entry.guest) ? next.guests[entry.guest]! : null;
          const was = Object.hasOwn(inventory.guests, entry.guest) ? inventory.guests[entry.guest]! : null;
          const changed = JSON.stringify(now) !== JSON.stringify(was);
          await journal.append({ t: 'end', seq, guest: entry.guest, outcome: entry.outcome, ...(changed ? { inventory: now } : {}) });
        }
        inventory = next;
        await opts.onEntry?.(entry, action);
      },
    });
  } finally {
    await journal.close();
  }
  inventory = updateInventory(inventory, plan, cs, computed.desired, observedNames(computed));
  await writeInventory(opts.host.paths.stateDir, inventory);
  await finishJournal(opts.host.paths.stateDir, await carriedRecords(opts.host.paths.stateDir));
  return cs;
}

/**
 * An apply with nothing to carry out still records what git now says about
 * the guests vsgitops owns (their deletion policy and drift mode): a policy
 * change alone plans no action. Writes only when the inventory changes.
 */
export async function recordUnchanged(host: HostTarget, computed: Computed, plan: Plan): Promise<void> {
  await persistIdentity(host);
  const entries: ChangeSetEntry[] = plan.unchanged.map((guest) => ({ guest, action: 'noop', outcome: 'unchanged', commands: [], durationMs: 0 }));
  const next = updateInventory(computed.inventory, plan, { ...emptyChangeSet(plan), entries }, computed.desired, observedNames(computed));
  if (JSON.stringify(next) !== JSON.stringify(computed.inventory)) await writeInventory(host.paths.stateDir, next);
}

/**
 * A saved plan is untrusted input (a CI artifact is an ordinary file): it is
 * applied only against the revision and host state it was made from, and only
 * when its actions are exactly those recomputed now from them. The caller then
 * carries out the recomputed plan, never the file's actions.
 */
export function checkSavedPlan(saved: Plan, current: Computed): void {
  if (saved.hostName !== current.plan.hostName) {
    throw new VsError('PLAN_STALE', `saved plan is for host "${String(saved.hostName)}", this is "${current.plan.hostName}"`);
  }
  if (saved.revision !== current.plan.revision || saved.desiredDigest !== current.plan.desiredDigest) {
    throw new VsError('PLAN_STALE', `saved plan was made from revision ${saved.revision ?? '(directory)'}, the source is now at ${current.plan.revision ?? '(directory)'}${saved.revision === current.plan.revision ? ' with different manifests' : ''}; run plan again`, { planned: saved.revision, current: current.plan.revision });
  }
  if (saved.observedDigest !== current.observed.digest) {
    throw new VsError('PLAN_STALE', 'the host changed since the plan was made; run plan again', { planned: saved.observedDigest, current: current.observed.digest });
  }
  const want = current.plan.actions.map(canonicalJson);
  const got = Array.isArray(saved.actions) ? saved.actions.map(canonicalJson) : [];
  const differs = want.length !== got.length || want.some((a, i) => a !== got[i]);
  if (differs) {
    const i = want.findIndex((a, k) => a !== got[k]);
    const at = i === -1 ? want.length : i;
    const savedAction = Array.isArray(saved.actions) ? (saved.actions[at] as Partial<PlannedAction> | undefined) : undefined;
    const describe = (a: Partial<PlannedAction> | undefined) => (a ? `${String(a.kind)} ${String(a.guest)}` : 'nothing');
    throw new VsError(
      'PLAN_MISMATCH',
      `the saved plan's actions differ from the plan recomputed from the same revision and host (action ${at + 1}: the file says ${describe(savedAction)}, the recomputed plan ${describe(current.plan.actions[at])}); the file was edited or made by another version or with other options; nothing was changed`,
      { index: at },
    );
  }
}

/** JSON with object keys sorted: the same value serializes the same way whoever wrote it. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** What a guest name must be before anything is done in its name (manifest rule; no path component tricks). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Rules checked again at apply time, whatever the plan says: every action
 * names a guest with a plain name (no `/`, `..`, control characters); a
 * create is for a guest of the desired state that does not exist; every other
 * action is for an existing guest with the vsgitops marker that is in the
 * desired state, or, for a delete, not in it but in this host's inventory. An action that breaks one fails; nothing is run for it.
 */
export function checkActionAllowed(action: PlannedAction, computed: Pick<Computed, 'desired' | 'observed' | 'inventory'>): void {
  const name = action.guest;
  const refuse = (why: string): never => {
    throw new VsError('ACTION_REFUSED', `${action.kind} ${JSON.stringify(name)} refused: ${why}`, { guest: name, action: action.kind });
  };
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) refuse('not a valid guest name');
  const desired = computed.desired.find((d) => d.spec.name === name);
  const observed = computed.observed.guests.find((g) => g.spec.name === name);
  const inInventory = Object.prototype.hasOwnProperty.call(computed.inventory.guests, name);
  if (action.kind === 'create') {
    if (!desired) refuse('not in the desired state of this host');
    if (observed) refuse('a guest of that name exists already');
    if (action.after && action.after.name !== name) refuse('the desired configuration names another guest');
    return;
  }
  if (!observed) return refuse('no such guest on this host');
  if (!observed.managed) refuse('the guest is not managed by vsgitops (its configuration has no vsgitops marker)');
  if (action.kind === 'delete') {
    if (!inInventory) refuse('the guest is not in this host\'s inventory: vsgitops never deletes a guest it has no record of');
    if (desired) refuse('the guest is in the desired state of this host');
    return;
  }
  if (!desired) refuse('not in the desired state of this host');
  if (action.after && action.after.name !== name) refuse('the desired configuration names another guest');
}

/** The executor with checkActionAllowed in front of every action. */
export function guardedExecutor(inner: ActionExecutor, computed: Pick<Computed, 'desired' | 'observed' | 'inventory'>): ActionExecutor {
  return {
    async execute(action, ctx) {
      checkActionAllowed(action, computed);
      return inner.execute(action, ctx);
    },
  };
}

/** The first apply (or one with --host-identity-change) stores the host's identity. */
async function persistIdentity(host: HostTarget): Promise<void> {
  if (host.persistIdentity) await writeHostFile(host.paths.stateDir, { name: host.name, labels: host.labels });
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
