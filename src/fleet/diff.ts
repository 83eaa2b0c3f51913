/**
 * Revision-to-revision diff across a fleet. For every host, the guests placed
 * on it at the `from` revision stand in for what the host runs (as observed,
 * owned, applied); the real planner then plans the `to` revision against them,
 * so every field's effect is exactly the planner's classification. Pure.
 */
import type { Fleet } from '../desired/fleet.js';
import { selectForHost } from '../desired/host-select.js';
import type { DesiredGuest, ObservedHost } from '../model/guest.js';
import { canonical } from '../reconciler/digest.js';
import type { Inventory } from '../reconciler/inventory-types.js';
import { DEFAULT_PLAN_OPTIONS, planHost } from '../reconciler/plan.js';
import type { FieldChange, Plan, PlannedAction } from '../reconciler/types.js';

export const DIFF_FORMAT_VERSION = 1;

/** What an action does to a guest, in one word. */
export type DiffEffect = 'create' | 'delete' | 'replace' | 'restart' | 'live' | 'config' | 'start' | 'stop';

export interface DiffChange {
  path: string;
  before: unknown;
  after: unknown;
  effect: FieldChange['effect'];
  note?: string;
}

export interface DiffAction {
  guest: string;
  kind: PlannedAction['kind'];
  effect: DiffEffect;
  destructive: boolean;
  reason: string;
  changes: DiffChange[];
}

export interface HostDiff {
  name: string;
  environment: string | null;
  labels: Record<string, string>;
  /** destructive first, then in the planner's order */
  actions: DiffAction[];
  blocked: { guest: string; reason: string }[];
  warnings: string[];
  destructive: boolean;
}

export interface FleetDiff {
  formatVersion: number;
  from: string;
  to: string;
  environment: string | null;
  /** hosts with changes first (destructive ones first), then the rest, in fleet order */
  hosts: HostDiff[];
  /** actions by effect, over all hosts */
  summary: Partial<Record<DiffEffect, number>>;
  destructive: boolean;
  warnings: string[];
}

export interface DiffHost {
  name: string;
  environment: string | null;
  labels: Record<string, string>;
}

export function actionEffect(a: PlannedAction): DiffEffect {
  switch (a.kind) {
    case 'create':
    case 'delete':
    case 'replace':
    case 'start':
    case 'stop':
      return a.kind;
    case 'update':
      return a.restart ? 'restart' : a.changes.some((c) => c.effect === 'live') ? 'live' : 'config';
  }
}

/** The host as it would be with the `from` revision applied: every guest owned, configured and in its run state. */
export function hostAt(revision: string, hostName: string, guests: readonly DesiredGuest[]): { observed: ObservedHost; inventory: Inventory } {
  const inventory: Inventory = { version: 1, guests: {} };
  const observed: ObservedHost = {
    hostName,
    guests: guests.map((g) => ({ spec: canonical(g.spec), running: g.spec.runState === 'running', managed: true, staleRunFile: false, configDigest: '' })),
    unmanagedContexts: [],
    digest: `revision:${revision}`,
  };
  for (const g of guests) {
    inventory.guests[g.spec.name] = {
      context: g.spec.context,
      appliedSpec: canonical(g.spec),
      appliedRevision: revision,
      driftMode: g.policy.drift,
      deletion: g.policy.deletion,
      appliedBuild: canonical(g.build),
    };
  }
  return { observed, inventory };
}

/** The hosts to diff: the fleet's (labels per revision), else every host a selector names. */
export function diffHosts(fromFleet: Fleet | undefined, toFleet: Fleet | undefined, from: readonly DesiredGuest[], to: readonly DesiredGuest[]): { from: DiffHost[]; to: DiffHost[]; warnings: string[] } {
  const hostsOf = (f: Fleet) => f.hosts.map((h) => ({ name: h.name, environment: h.environment, labels: h.labels }));
  if (fromFleet || toFleet) {
    return { from: hostsOf(fromFleet ?? toFleet!), to: hostsOf(toFleet ?? fromFleet!), warnings: [] };
  }
  const names = [...new Set([...from, ...to].flatMap((g) => g.hosts.names))].sort();
  const bare = names.map((name) => ({ name, environment: null, labels: {} }));
  const labelOnly = [...from, ...to].some((g) => g.hosts.names.length === 0);
  return {
    from: bare,
    to: bare,
    warnings: labelOnly ? ['no fleet file: guests placed by labels only are not shown (add fleet.yaml to list the hosts and their labels)'] : [],
  };
}

export interface FleetDiffInput {
  from: { revision: string; guests: readonly DesiredGuest[]; fleet?: Fleet };
  to: { revision: string; guests: readonly DesiredGuest[]; fleet?: Fleet };
  /** only the hosts of this environment */
  environment?: string;
}

export function diffFleet(input: FleetDiffInput): FleetDiff {
  const hosts = diffHosts(input.from.fleet, input.to.fleet, input.from.guests, input.to.guests);
  const names = [...new Set([...hosts.to.map((h) => h.name), ...hosts.from.map((h) => h.name)])];
  const out: HostDiff[] = [];
  for (const name of names) {
    const toHost = hosts.to.find((h) => h.name === name);
    const fromHost = hosts.from.find((h) => h.name === name);
    const shown = toHost ?? fromHost!;
    if (input.environment !== undefined && shown.environment !== input.environment) continue;
    const before = fromHost ? selectForHost([...input.from.guests], fromHost) : [];
    const after = toHost ? selectForHost([...input.to.guests], toHost) : [];
    const { observed, inventory } = hostAt(input.from.revision, name, before);
    const plan = planHost({
      revision: input.to.revision,
      hostName: name,
      desired: after,
      desiredValid: true,
      observed,
      inventory,
      options: DEFAULT_PLAN_OPTIONS,
    });
    out.push(hostDiff(shown, plan));
  }
  const changed = (h: HostDiff) => h.actions.length > 0 || h.blocked.length > 0;
  const rank = (h: HostDiff) => (h.destructive ? 0 : changed(h) ? 1 : 2);
  const order = out.map((h, i) => ({ h, i })).sort((a, b) => rank(a.h) - rank(b.h) || a.i - b.i).map((x) => x.h);
  const summary: Partial<Record<DiffEffect, number>> = {};
  for (const h of order) for (const a of h.actions) summary[a.effect] = (summary[a.effect] ?? 0) + 1;
  return {
    formatVersion: DIFF_FORMAT_VERSION,
    from: input.from.revision,
    to: input.to.revision,
    environment: input.environment ?? null,
    hosts: order,
    summary,
    destructive: order.some((h) => h.destructive),
    warnings: hosts.warnings,
  };
}

function hostDiff(host: DiffHost, plan: Plan): HostDiff {
  const actions = plan.actions.map((a, i) => ({ a, i })).sort((x, y) => Number(y.a.destructive) - Number(x.a.destructive) || x.i - y.i).map(({ a }) => ({
    guest: a.guest,
    kind: a.kind,
    effect: actionEffect(a),
    destructive: a.destructive,
    reason: a.reason,
    changes: a.changes.map((c) => ({ path: c.path, before: c.before, after: c.after, effect: c.effect, ...(c.note ? { note: c.note } : {}) })),
  }));
  return {
    name: host.name,
    environment: host.environment,
    labels: host.labels,
    actions,
    blocked: plan.blocked.map((b) => ({ guest: b.guest, reason: b.reason })),
    warnings: plan.warnings,
    destructive: plan.destructive,
  };
}

/** Exit code as plan's: 0 no changes, 2 changes, 3 destructive changes. */
export function diffExitCode(d: FleetDiff): 0 | 2 | 3 {
  if (d.destructive) return 3;
  return d.hosts.some((h) => h.actions.length > 0) ? 2 : 0;
}
