import { buildInfo } from '../../build-info.js';
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { DriftKind, PassResult, PassResultKind } from '../../reconciler/pass-types.js';
import type { SinkOutcome } from '../alerts/dispatcher.js';
import { CONDITION_TYPES, type Status } from '../status/types.js';

const DRIFT_KINDS: DriftKind[] = ['pending', 'config', 'runtime', 'unmanaged', 'failed', 'blocked'];
const PASS_RESULTS: PassResultKind[] = ['applied', 'unchanged', 'blocked', 'failed', 'invalid', 'suspended'];

export const METRIC = {
  passDuration: 'vsgitops_pass_duration_seconds',
  passes: 'vsgitops_passes_total',
  guests: 'vsgitops_guests',
  drift: 'vsgitops_drift_items',
  actions: 'vsgitops_actions_total',
  alertsSent: 'vsgitops_alerts_sent_total',
  alertsFailed: 'vsgitops_alerts_failed_total',
  alertsDropped: 'vsgitops_alerts_dropped_total',
  appliedRevision: 'vsgitops_last_applied_revision_info',
  lastPass: 'vsgitops_last_pass_timestamp_seconds',
  lastSuccess: 'vsgitops_last_success_timestamp_seconds',
  buildInfo: 'vsgitops_build_info',
} as const;

/** A registry of its own (never prom-client's global one), with every vsgitops metric registered. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  metrics(registry);
  const b = buildInfo();
  new Gauge({ name: METRIC.buildInfo, help: 'The running build: always 1, with its version and git commit as labels', labelNames: ['version', 'commit'], registers: [registry] }).set(
    { version: b.version, commit: b.commit },
    1,
  );
  return registry;
}

function get<T extends Metric>(registry: Registry, name: string, make: (registers: Registry[]) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make([registry]);
}

function metrics(registry: Registry) {
  return {
    passDuration: get(registry, METRIC.passDuration, (registers) => new Histogram({ name: METRIC.passDuration, help: 'Duration of reconcile passes', labelNames: ['result'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers })),
    passes: get(registry, METRIC.passes, (registers) => new Counter({ name: METRIC.passes, help: 'Reconcile passes by result', labelNames: ['result'], registers })),
    guests: get(registry, METRIC.guests, (registers) => new Gauge({ name: METRIC.guests, help: 'Managed guests by condition and condition status', labelNames: ['condition', 'status'], registers })),
    drift: get(registry, METRIC.drift, (registers) => new Gauge({ name: METRIC.drift, help: 'Drift items of the last pass by kind (ignored: matched the ignore list)', labelNames: ['kind', 'ignored'], registers })),
    actions: get(registry, METRIC.actions, (registers) => new Counter({ name: METRIC.actions, help: 'Applied actions by kind and outcome', labelNames: ['kind', 'result'], registers })),
    alertsSent: get(registry, METRIC.alertsSent, (registers) => new Counter({ name: METRIC.alertsSent, help: 'Alerts delivered by sink', labelNames: ['sink'], registers })),
    alertsFailed: get(registry, METRIC.alertsFailed, (registers) => new Counter({ name: METRIC.alertsFailed, help: 'Alerts a sink failed to deliver (after retries)', labelNames: ['sink'], registers })),
    alertsDropped: get(registry, METRIC.alertsDropped, (registers) => new Counter({ name: METRIC.alertsDropped, help: 'Alerts dropped because the sink queue was full', labelNames: ['sink'], registers })),
    appliedRevision: get(registry, METRIC.appliedRevision, (registers) => new Gauge({ name: METRIC.appliedRevision, help: 'The git revision in force on the host (value is always 1)', labelNames: ['revision'], registers })),
    lastPass: get(registry, METRIC.lastPass, (registers) => new Gauge({ name: METRIC.lastPass, help: 'Unix time the last pass finished', registers })),
    lastSuccess: get(registry, METRIC.lastSuccess, (registers) => new Gauge({ name: METRIC.lastSuccess, help: 'Unix time the last successful pass finished', registers })),
  };
}

const counted = new WeakMap<Registry, Set<string>>();

/**
 * Updates the metrics after a pass: counters from the pass (once per pass id,
 * so a retried call does not count twice), gauges from the status so that
 * /metrics and the status file always agree.
 */
export function updateMetrics(registry: Registry, status: Status, pass: PassResult): void {
  const m = metrics(registry);
  let seen = counted.get(registry);
  if (!seen) counted.set(registry, (seen = new Set()));
  if (!seen.has(pass.id)) {
    seen.add(pass.id);
    if (seen.size > 1000) seen.delete(seen.values().next().value as string);
    m.passDuration.observe({ result: pass.result }, pass.durationMs / 1000);
    m.passes.inc({ result: pass.result });
    for (const e of pass.changeSet?.entries ?? []) m.actions.inc({ kind: e.action, result: e.outcome });
  }
  // zero series for every result so rate() works before the first failure
  for (const result of PASS_RESULTS) m.passes.inc({ result }, 0);

  m.guests.reset();
  for (const type of CONDITION_TYPES) {
    for (const state of [true, false]) {
      const n = status.guests.filter((g) => g.conditions.some((c) => c.type === type && c.status === state)).length;
      m.guests.set({ condition: type, status: String(state) }, n);
    }
  }

  m.drift.reset();
  for (const kind of DRIFT_KINDS) {
    for (const ignored of [false, true]) {
      m.drift.set({ kind, ignored: String(ignored) }, status.drift.filter((d) => d.kind === kind && Boolean(d.ignored) === ignored).length);
    }
  }

  m.appliedRevision.reset();
  if (status.lastAppliedRevision) m.appliedRevision.set({ revision: status.lastAppliedRevision }, 1);
  m.lastPass.set(Date.parse(status.lastPass.finishedAt) / 1000);
  if (status.lastSucceededAt) m.lastSuccess.set(Date.parse(status.lastSucceededAt) / 1000);
}

/** An `onOutcome` hook for the AlertDispatcher that counts deliveries per sink. */
export function alertMetricsHook(registry: Registry): (sink: string, outcome: SinkOutcome) => void {
  const m = metrics(registry);
  return (sink, outcome) => {
    if (outcome === 'sent') m.alertsSent.inc({ sink });
    else if (outcome === 'failed') m.alertsFailed.inc({ sink });
    else m.alertsDropped.inc({ sink });
  };
}

/** Pre-creates zero series for the configured sinks, so "no alerts failed" is visible as 0. */
export function registerSinks(registry: Registry, sinks: string[]): void {
  const m = metrics(registry);
  for (const sink of sinks) {
    m.alertsSent.inc({ sink }, 0);
    m.alertsFailed.inc({ sink }, 0);
    m.alertsDropped.inc({ sink }, 0);
  }
}
