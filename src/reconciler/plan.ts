/**
 * The planner: desired guests + observed host + inventory → Plan. Pure: no
 * I/O, no clock, no randomness; the same input always gives the same plan,
 * whatever the order of the input lists.
 */
import type { DesiredGuest, GuestSpec, ObservedGuest, ObservedHost } from '../model/guest.js';
import type { BlockedGuest, FieldChange, Plan, PlannedAction, PlanSummary } from './types.js';
import { PLAN_FORMAT_VERSION } from './types.js';
import type { Inventory, InventoryEntry } from './inventory-types.js';
import { canonical, digestDesired } from './digest.js';
import { compareText, diffBuild, diffSpec, effectFor, pathsOverlap, type SpecDifference } from './diff.js';
/** issue 10 (initx): a spec.scripts change is code that runs as root on the host */
export const HOOK_NOTE = 'host-root script change: util-vserver runs this hook as root on the host at the next start/stop';
import { diffRuntime } from './runtime-diff.js';
import { orderActions } from './order.js';

export interface PlanOptions {
  /** at most this many deletes per pass (more trips the deletion breaker) */
  maxDeletes: number;
  /** at most this share (0..1) of the managed guests deleted per pass */
  maxDeleteShare: number;
  /** override the deletion breaker (never overrides the empty-desired-set rule) */
  allowMassDelete: boolean;
  /**
   * A guest still in git that leaves this host because placement changed is
   * deleted by its own `deletion` policy only with this (--host-identity-change);
   * otherwise it is retained (stopped, configuration moved aside, files kept).
   */
  allowPlacementDelete?: boolean;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { maxDeletes: 5, maxDeleteShare: 0.25, allowMassDelete: false };

export interface PlanInput {
  revision: string | null;
  hostName: string;
  /** already selected for this host and validated */
  desired: DesiredGuest[];
  /** false: the revision failed to load or validate → an empty, errored plan */
  desiredValid: boolean;
  /** guests of the revision that are not placed on this host (their manifests select other hosts) */
  placedElsewhere?: string[];
  observed: ObservedHost;
  inventory: Inventory;
  options: PlanOptions;
  /** guests another process is still changing (a build left running by a killed apply): blocked with this reason */
  inProgress?: { guest: string; reason: string }[];
}

export const BUILD_NOTE = 'build settings only apply when a guest is created';
/** The runtime-drift path of a guest running at another context id than desired. */
const RUNTIME_CONTEXT = 'runtime.context';
export const UNMANAGED_COLLISION = 'exists and is not managed by vsgitops; adopt it first';

/** A planned action plus what conflict checks need to know (stripped before output). */
interface Candidate {
  action: PlannedAction;
  /** the spec the guest has once this action ran */
  target?: GuestSpec;
  blocked?: string;
}

export function planHost(input: PlanInput): Plan {
  const observedDigest = input.observed.digest;
  const desiredDigest = digestDesired(input.desired);
  const base = {
    formatVersion: PLAN_FORMAT_VERSION,
    revision: input.revision,
    hostName: input.hostName,
    observedDigest,
    desiredDigest,
  };
  if (!input.desiredValid) {
    return {
      ...base,
      actions: [],
      unchanged: [],
      unmanaged: [],
      blocked: [],
      warnings: [`the desired state${input.revision ? ` at revision ${input.revision}` : ''} failed to load or validate: nothing is planned`],
      summary: summarize([], 0),
      destructive: false,
      errored: true,
    };
  }

  const desiredByName = new Map(input.desired.map((d) => [d.spec.name, d]));
  const observedByName = new Map(input.observed.guests.map((o) => [o.spec.name, o]));
  const inventory = input.inventory.guests;
  const names = [...new Set([...desiredByName.keys(), ...observedByName.keys(), ...Object.keys(inventory)])].sort(compareText);
  const elsewhere = new Set(input.placedElsewhere ?? []);

  const candidates: Candidate[] = [];
  const blocked: BlockedGuest[] = [];
  const unmanaged: Plan['unmanaged'] = [];
  const warnings: string[] = [];
  const deletes: Candidate[] = [];
  let owned = 0;

  const busy = new Map((input.inProgress ?? []).map((b) => [b.guest, b.reason]));
  for (const name of names) {
    if (busy.has(name)) {
      blocked.push({ guest: name, reason: busy.get(name)! });
      continue;
    }
    const d = desiredByName.get(name);
    const o = observedByName.get(name);
    const inv = Object.prototype.hasOwnProperty.call(inventory, name) ? inventory[name] : undefined;
    if (o && o.managed && inv) owned++;
    if (d && !o) {
      candidates.push(planCreate(d, inv));
    } else if (d && o && !o.managed) {
      blocked.push({
        guest: name,
        reason: inv ? 'listed in the inventory but its configuration has no vsgitops marker; adopt it again' : UNMANAGED_COLLISION,
      });
    } else if (d && o) {
      const r = planExisting(d, o, inv);
      candidates.push(...r.candidates);
      blocked.push(...r.blocked);
      warnings.push(...r.warnings);
    } else if (o) {
      if (o.managed && inv) {
        const c = planDelete(o, inv, elsewhere.has(name) ? { allowPolicyDelete: input.options.allowPlacementDelete === true, hostName: input.hostName } : undefined);
        deletes.push(c);
        candidates.push(c);
      } else {
        unmanaged.push({
          guest: name,
          reason: o.managed
            ? 'has a vsgitops marker but is not in the inventory of this host'
            : inv
              ? 'in the inventory but its configuration has no vsgitops marker: not deleted'
              : 'not in git and not managed by vsgitops',
        });
      }
    } else if (inv) {
      warnings.push(`${name}: listed in the inventory but neither in git nor on the host`);
    }
  }

  for (const ctx of [...input.observed.unmanagedContexts].sort((a, b) => a.xid - b.xid)) {
    unmanaged.push({
      xid: ctx.xid,
      reason: `running context not explained by any configuration (${ctx.tasks} task${ctx.tasks === 1 ? '' : 's'}${ctx.contextName ? `, ${ctx.contextName}` : ''})`,
    });
  }

  guardDeletes(input, deletes, owned, warnings);
  resolveConflicts(candidates, input, observedByName);

  const actions: PlannedAction[] = [];
  for (const c of candidates) {
    if (c.blocked) blocked.push({ guest: c.action.guest, reason: c.blocked });
    else {
      // the manifest the action comes from, for people reading the plan (file:line)
      const origin = desiredByName.get(c.action.guest)?.origin;
      actions.push(origin ? { ...c.action, manifest: { file: origin.file, line: origin.line } } : c.action);
    }
  }
  const ordered = orderActions(actions);
  const touched = new Set([...ordered.map((a) => a.guest), ...blocked.map((b) => b.guest)]);
  const unchanged = [...desiredByName.keys()].filter((n) => observedByName.has(n) && !touched.has(n)).sort(compareText);
  blocked.sort((a, b) => compareText(a.guest, b.guest) || compareText(a.reason, b.reason));
  // named guests first, then bare contexts by xid
  unmanaged.sort((a, b) => Number(a.guest === undefined) - Number(b.guest === undefined) || compareText(a.guest ?? '', b.guest ?? '') || (a.xid ?? -1) - (b.xid ?? -1));

  return {
    ...base,
    actions: ordered,
    unchanged,
    unmanaged,
    blocked,
    warnings,
    summary: summarize(ordered, unchanged.length),
    destructive: ordered.some((a) => a.destructive),
  };
}

function summarize(actions: PlannedAction[], unchanged: number): PlanSummary {
  const count = (k: PlannedAction['kind']) => actions.filter((a) => a.kind === k).length;
  return {
    create: count('create'),
    update: count('update'),
    replace: count('replace'),
    delete: count('delete'),
    start: count('start'),
    stop: count('stop'),
    restart: actions.filter((a) => a.kind === 'update' && a.restart).length,
    unchanged,
  };
}

function planCreate(d: DesiredGuest, inv: InventoryEntry | undefined): Candidate {
  const spec = canonical(d.spec);
  const start = d.spec.runState === 'running' ? ', then start it' : '';
  return {
    target: d.spec,
    action: {
      kind: 'create',
      guest: d.spec.name,
      reason: inv
        ? `in the inventory but missing from the host: build it again${start}`
        : `in git, not on the host: build and configure it${start}`,
      changes: [],
      restart: false,
      destructive: false,
      after: spec,
      build: canonical(d.build),
      driftMode: d.policy.drift,
    },
  };
}

/**
 * Removes a managed guest that git no longer places here. `placement`: the
 * guest is still in git but its hosts selector no longer matches this host
 * (a manifest moved it, or this host's name or labels changed): its files are
 * kept (retain) unless the policy says delete AND the identity change was
 * confirmed (--host-identity-change).
 */
function planDelete(o: ObservedGuest, inv: InventoryEntry, placement?: { allowPolicyDelete: boolean; hostName: string }): Candidate {
  const deletion = placement && !placement.allowPolicyDelete ? 'retain' : inv.deletion;
  const how =
    deletion === 'delete'
      ? 'deletion policy delete: remove it with vserver NAME delete'
      : inv.deletion === 'delete'
        ? 'deletion policy delete is not used for a guest that only left by placement (give --host-identity-change to allow it): stop it and move its configuration aside, keeping its files'
        : 'deletion policy retain: stop it and move its configuration aside, keeping its files';
  const why = placement ? `no longer placed on this host (${placement.hostName}): its manifest selects other hosts` : 'no longer in git';
  return {
    action: {
      kind: 'delete',
      guest: o.spec.name,
      reason: `${why}; ${how}`,
      changes: [],
      restart: false,
      destructive: true,
      before: canonical(o.spec),
      deletion,
      removal: placement ? 'placement' : 'not-in-git',
      driftMode: inv.driftMode,
      ...(o.running && o.runtime ? { runningXid: o.runtime.xid } : {}),
    },
  };
}

const CAUSE_TEXT: Record<FieldChange['cause'], string> = {
  pending: 'changed in git',
  'config-drift': 'configuration edited by hand',
  'runtime-drift': 'running guest differs',
};

function describeChanges(changes: FieldChange[]): string {
  const parts: string[] = [];
  for (const cause of ['pending', 'config-drift', 'runtime-drift'] as const) {
    const paths = changes.filter((c) => c.cause === cause).map((c) => c.path);
    if (paths.length > 0) parts.push(`${CAUSE_TEXT[cause]}: ${paths.join(', ')}`);
  }
  return parts.join('; ');
}

interface ExistingResult {
  candidates: Candidate[];
  blocked: BlockedGuest[];
  warnings: string[];
}

function planExisting(d: DesiredGuest, o: ObservedGuest, inv: InventoryEntry | undefined): ExistingResult {
  const name = d.spec.name;
  const desired = d.spec;
  const running = o.running;
  const wantRunning = desired.runState === 'running';
  const throughout = running && wantRunning;
  const mode = d.policy.drift;
  const out: ExistingResult = { candidates: [], blocked: [], warnings: [] };

  // Per field: pending when git moved away from what was applied, else a hand edit.
  const configDiffs = diffSpec(o.spec, desired);
  const pendingPaths = inv && configDiffs.length > 0 ? diffSpec(inv.appliedSpec, desired).map((x) => x.path) : undefined;
  const causeOf = (path: string): FieldChange['cause'] =>
    !inv || pendingPaths?.some((p) => pathsOverlap(p, path)) ? 'pending' : 'config-drift';

  const contextDiff = configDiffs.find((x) => x.path === 'context');
  // A guest already running at the desired id (its context file was edited by hand) needs
  // only the file rewritten: the running context keeps its id until it stops.
  const runsAtDesiredId = running && o.runtime?.xid === desired.context;
  // A context id change rebuilds the guest's configuration: every field then takes effect at the restart.
  const replacing = contextDiff !== undefined && !runsAtDesiredId && (mode === 'enforce' || causeOf('context') === 'pending');
  const effectOf = (x: SpecDifference) =>
    replacing ? (running ? 'restart' : 'config') : x.field === 'context' && runsAtDesiredId ? 'config' : effectFor(x.field, throughout, x);
  const configChanges = configDiffs.map((x) => ({
    diff: x,
    change: { path: x.path, before: canonical(x.before), after: canonical(x.after), effect: effectOf(x), cause: causeOf(x.path), ...(x.field === 'scripts' ? { note: HOOK_NOTE } : {}) } as FieldChange, // issue 10 (initx)
  }));
  const buildChanges: FieldChange[] = inv?.appliedBuild
    ? diffBuild(inv.appliedBuild, d.build).map((x) => ({ path: x.path, before: x.before, after: x.after, effect: 'none', cause: 'pending', note: BUILD_NOTE }))
    : [];

  // Runtime drift only for fields whose configuration is not changing anyway (the live change heals both).
  // A configuration difference that warn mode only reports changes nothing, so the live one is reported too.
  const applies = (x: SpecDifference) => mode === 'enforce' || causeOf(x.path) === 'pending';
  const runtimeChanges: FieldChange[] =
    throughout && o.runtime
      ? diffRuntime(desired, o.runtime)
          .filter((r) => !configDiffs.some((x) => applies(x) && pathsOverlap(x.path, r.path.slice('runtime.'.length))))
          // a context running at another id than its configuration gets there only by a restart
          .map((r) => ({ path: r.path, before: r.before, after: r.after, effect: r.field === 'context' ? 'restart' : 'live', cause: 'runtime-drift' }))
      : [];

  let runChange: FieldChange | undefined;
  if (wantRunning !== running) {
    const appliedState = inv?.appliedSpec.runState;
    const drift = appliedState === desired.runState;
    runChange = {
      path: drift ? 'runtime.runState' : 'runState',
      before: running ? 'running' : 'stopped',
      after: desired.runState,
      effect: 'live',
      cause: drift ? 'runtime-drift' : 'pending',
      ...(o.staleRunFile ? { note: 'stale run file: the recorded context is not running' } : {}),
    };
  }

  if (configChanges.length === 0 && runtimeChanges.length === 0 && !runChange) {
    if (buildChanges.length > 0) out.warnings.push(`${name}: ${buildChanges.map((c) => c.path).join(', ')} changed; ${BUILD_NOTE}`);
    return out;
  }
  const allowed = (c: FieldChange) => mode === 'enforce' || c.cause === 'pending';
  const drifted = [...configChanges.map((c) => c.change), ...runtimeChanges, ...(runChange ? [runChange] : [])].filter((c) => !allowed(c));
  if (drifted.length > 0) {
    out.blocked.push({ guest: name, reason: `drift (warn mode): ${drifted.map((c) => `${c.path} ${fmt(c.before)} -> ${fmt(c.after)} (${c.cause})`).join(', ')}`, changes: drifted });
  }

  // What the guest will look like: desired, except fields whose drift is only reported.
  const target = canonical(desired);
  for (const c of configChanges) if (!allowed(c.change)) c.diff.assign(target, c.diff.before);
  const plannedConfig = configChanges.filter((c) => allowed(c.change)).map((c) => c.change);
  const plannedRuntime = runtimeChanges.filter(allowed);
  const plannedRun = runChange && allowed(runChange) ? runChange : undefined;
  if (!plannedRun) target.runState = running ? 'running' : 'stopped';

  const common = { before: canonical(o.spec), after: target, driftMode: mode, ...(running && o.runtime ? { runningXid: o.runtime.xid } : {}) };
  // a restart or replace of this same desired guest failed and was rolled back: not tried again
  // until git changes the guest (each try would stop the guest once more)
  const rolledBack = inv?.rolledBack && inv.rolledBack.desiredDigest === digestDesired([d]) ? inv.rolledBack : undefined;
  const refuseRetry = (kind: string): ExistingResult => {
    out.blocked.push({ guest: name, reason: `${kind} not tried again: the same change failed its start or health check and was rolled back (ROLLED_BACK${rolledBack!.revision ? ` at revision ${rolledBack!.revision.slice(0, 12)}` : ''}); change the manifest to try again` });
    return out;
  };
  if (replacing && contextDiff) {
    if (rolledBack && running && target.runState === 'running') return refuseRetry('replace');
    const changes = [...plannedConfig, ...buildChanges, ...(plannedRun ? [plannedRun] : [])];
    out.candidates.push({
      target,
      action: {
        kind: 'replace',
        guest: name,
        reason: `context id ${fmt(contextDiff.before)} -> ${fmt(contextDiff.after)} cannot change on an existing context: stop, reconfigure under the new id${target.runState === 'running' ? ', start' : ''}; ${describeChanges(changes)}`,
        changes,
        restart: running && target.runState === 'running',
        destructive: true,
        build: canonical(d.build),
        ...common,
        ...(d.safety && running && target.runState === 'running' ? { safety: d.safety } : {}),
      },
    });
    return out;
  }

  if (plannedRun && !wantRunning) {
    out.candidates.push({
      action: { kind: 'stop', guest: name, reason: `desired stopped, the guest is running (${plannedRun.cause === 'runtime-drift' ? 'started by hand' : 'changed in git'})`, changes: [plannedRun], restart: false, destructive: false, ...common },
    });
  }
  const updateChanges = [...plannedConfig, ...plannedRuntime];
  if (updateChanges.length > 0) {
    const changes = [...updateChanges, ...buildChanges];
    const restart = throughout && changes.some((c) => c.effect === 'restart');
    if (restart && rolledBack) return refuseRetry('restart');
    out.candidates.push({
      target,
      action: {
        kind: 'update',
        guest: name,
        reason: describeChanges(changes) + (restart ? '; the running guest is restarted' : ''),
        changes,
        restart,
        destructive: restart,
        ...common,
        ...(d.safety && restart ? { safety: d.safety } : {}),
      },
    });
  } else if (buildChanges.length > 0) {
    out.warnings.push(`${name}: ${buildChanges.map((c) => c.path).join(', ')} changed; ${BUILD_NOTE}`);
  }
  if (plannedRun && wantRunning) {
    const why = plannedRun.cause === 'runtime-drift' ? 'it stopped or crashed' : 'changed in git';
    out.candidates.push({
      target,
      action: { kind: 'start', guest: name, reason: `desired running, the guest is stopped (${why})`, changes: [plannedRun], restart: false, destructive: false, ...common },
    });
  }
  return out;
}

function guardDeletes(input: PlanInput, deletes: Candidate[], owned: number, warnings: string[]): void {
  const n = deletes.length;
  if (n === 0) return;
  const { maxDeletes, maxDeleteShare, allowMassDelete } = input.options;
  if (input.desired.length === 0) {
    for (const c of deletes) c.blocked = 'the desired set for this host is empty: nothing is deleted';
    warnings.push(`the desired set for this host is empty while ${owned} guests are managed: nothing is deleted (an empty revision never deletes)`);
    return;
  }
  const share = owned > 0 ? n / owned : 1;
  // A single delete is never "mass": the share rule needs at least two.
  const tripped = n > maxDeletes || (n > 1 && share > maxDeleteShare);
  if (!tripped) return;
  const why = `${n} deletes of ${owned} managed guests exceed the limit (at most ${maxDeletes}, and at most ${Math.round(maxDeleteShare * 100)}% of managed guests)`;
  if (allowMassDelete) {
    warnings.push(`deletion breaker overridden: ${why}`);
    return;
  }
  for (const c of deletes) c.blocked = `deletion breaker: ${why}; override with --allow-mass-delete`;
  warnings.push(`deletion breaker tripped: ${why}; all deletes are blocked`);
}

interface Claim {
  guest: string;
  running: boolean;
}

/**
 * Block actions that would take a context id or address another guest still
 * holds when the action runs. A holder frees its claims by an earlier delete
 * (all), stop (running claims), replace (all) or update (addresses). Blocking
 * one action can keep another guest's claim alive, so repeat until stable.
 */
function resolveConflicts(candidates: Candidate[], input: PlanInput, observedByName: Map<string, ObservedGuest>): void {
  const ctxIndex = new Map<number, Claim[]>();
  const addrIndex = new Map<string, Claim[]>();
  const add = <K>(m: Map<K, Claim[]>, k: K, c: Claim) => {
    const l = m.get(k);
    if (l) l.push(c);
    else m.set(k, [c]);
  };
  for (const o of observedByName.values()) {
    const guest = o.spec.name;
    add(ctxIndex, o.spec.context, { guest, running: false });
    // issue 10 (iface): a disabled interface is neither bound nor added on the host (UV scripts/vserver.functions:708)
    for (const i of o.spec.interfaces) if (!i.disabled) add(addrIndex, i.address, { guest, running: false });
    if (o.running && o.runtime) {
      if (o.runtime.xid !== o.spec.context) add(ctxIndex, o.runtime.xid, { guest, running: true });
      for (const a of o.runtime.addresses) if (!o.spec.interfaces.some((i) => i.address === a.address)) add(addrIndex, a.address, { guest, running: true });
    }
  }
  const bareXids = new Set(input.observed.unmanagedContexts.map((c) => c.xid));

  for (;;) {
    const active = orderActions(candidates.filter((c) => !c.blocked).map((c) => c.action));
    const position = new Map(active.map((a, i) => [a, i]));
    const firstOf = (guest: string, kinds: (PlannedAction['kind'] | 'restart')[]): number => {
      let best = Infinity;
      for (const c of candidates) {
        const kind = c.action.kind === 'update' && c.action.restart ? 'restart' : c.action.kind;
        if (c.blocked || c.action.guest !== guest || !(kinds.includes(c.action.kind) || kinds.includes(kind))) continue;
        best = Math.min(best, position.get(c.action) ?? Infinity);
      }
      return best;
    };
    const holds = (claim: Claim, at: number, what: 'context' | 'address', runtimeOnly: boolean): boolean => {
      const frees: PlannedAction['kind'][] = what === 'context' ? ['delete', 'replace'] : ['delete', 'replace', 'update'];
      if (firstOf(claim.guest, frees) < at) return false;
      // a stop (or restart) releases what the running context holds (the kernel side) but not its configuration
      const stoppedBefore = firstOf(claim.guest, ['stop', 'restart']) < at;
      if (claim.running) return !stoppedBefore;
      if (runtimeOnly) return (observedByName.get(claim.guest)?.running ?? false) && !stoppedBefore;
      return true;
    };

    let changed = false;
    for (const c of candidates) {
      if (c.blocked || !c.target) continue;
      const a = c.action;
      const at = position.get(a) ?? 0;
      const o = observedByName.get(a.guest);
      const runtimeOnly = a.kind === 'start';
      // an update that restarts a guest running at another id moves it to its configured id
      const movesContext = a.kind === 'update' && a.restart && a.changes.some((x) => x.path === RUNTIME_CONTEXT);
      const ctx = a.kind === 'create' || a.kind === 'replace' || a.kind === 'start' || movesContext ? c.target.context : undefined;
      const addresses = c.target.interfaces
        .filter((i) => !i.disabled) // issue 10 (iface)
        .map((i) => i.address)
        .filter((addr) => a.kind !== 'update' || !o?.spec.interfaces.some((i) => i.address === addr));
      let reason: string | undefined;
      if (ctx !== undefined) {
        if (bareXids.has(ctx)) reason = `context id ${ctx} is in use by a running context not managed by vsgitops`;
        const holder = (ctxIndex.get(ctx) ?? []).find((h) => h.guest !== a.guest && holds(h, at, 'context', runtimeOnly));
        if (!reason && holder) reason = `context id ${ctx} is in use by guest ${holder.guest}${ownership(observedByName.get(holder.guest))}`;
      }
      for (const addr of addresses) {
        if (reason) break;
        const holder = (addrIndex.get(addr) ?? []).find((h) => h.guest !== a.guest && holds(h, at, 'address', runtimeOnly));
        if (holder) reason = `address ${addr} is in use by guest ${holder.guest}${ownership(observedByName.get(holder.guest))}`;
      }
      if (reason) {
        c.blocked = `${a.kind} blocked: ${reason}`;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

function ownership(o: ObservedGuest | undefined): string {
  return o && !o.managed ? ' (not managed by vsgitops)' : '';
}

/** Short value text for reasons. */
export function fmt(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v);
}
