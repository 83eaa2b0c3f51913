/**
 * What an agent's status says about its host, judged the same way for
 * `fleet status` and for the promotion gate. Pure.
 */
import type { Status } from '../observability/status/types.js';
import type { AgentAnswer } from './agent-client.js';

export interface HostHealth {
  name: string;
  environment: string;
  answered: boolean;
  error?: string;
  /** revision in force on the host */
  revision: string | null;
  /** the last pass: its result and when it finished */
  lastResult: string | null;
  lastPassAt: string | null;
  lastPassAgeMs: number | null;
  suspended: boolean;
  /** guests (or bare contexts) with drift that is not ignored: "guest (kind)" */
  drift: string[];
  failed: string[];
  /** the last pass succeeded at the revision it read, nothing failed, drifted, is pending or suspended */
  converged: boolean;
  /** why not converged, for people */
  reasons: string[];
}

const cond = (s: Status, guest: string, type: string) => s.guests.find((g) => g.name === guest)?.conditions.find((c) => c.type === type)?.status;

export function judgeHost(a: AgentAnswer, nowMs: number): HostHealth {
  const base = { name: a.host.name, environment: a.host.environment };
  const s = a.status;
  if (!s) {
    return { ...base, answered: false, error: a.error ?? 'no answer', revision: null, lastResult: null, lastPassAt: null, lastPassAgeMs: null, suspended: false, drift: [], failed: [], converged: false, reasons: [`no answer: ${a.error ?? 'unknown'}`] };
  }
  const failed = new Set<string>();
  for (const g of s.guests) if (cond(s, g.name, 'Failed')) failed.add(g.name);
  const drift = new Set<string>();
  for (const d of s.drift) {
    if (d.ignored || d.kind === 'pending') continue;
    const who = d.guest ?? `context ${d.xid ?? '?'}`;
    if (d.kind === 'failed') {
      failed.add(who);
      continue;
    }
    // enforced drift the same pass corrected is no longer drift
    if (d.guest !== undefined && cond(s, d.guest, 'Drifted') === false) continue;
    drift.add(`${who} (${d.kind})`);
  }
  const suspended = s.lastPass.result === 'suspended' || s.guests.some((g) => cond(s, g.name, 'Suspended'));
  const notReady = s.guests.filter((g) => cond(s, g.name, 'Ready') === false && !failed.has(g.name) && ![...drift].some((d) => d.startsWith(`${g.name} (`)));
  const reasons: string[] = [];
  if (s.lastPass.result !== 'applied' && s.lastPass.result !== 'unchanged') reasons.push(`last pass ${s.lastPass.result}${s.lastPass.error ? `: ${s.lastPass.error.message}` : ''}`);
  else if (s.lastPass.revision !== s.lastAppliedRevision) reasons.push(`read ${short(s.lastPass.revision)} but ${short(s.lastAppliedRevision)} is in force`);
  if (suspended) reasons.push('suspended');
  if (failed.size > 0) reasons.push(`failed: ${[...failed].join(', ')}`);
  if (drift.size > 0) reasons.push(`drift: ${[...drift].join(', ')}`);
  if (notReady.length > 0) reasons.push(`not ready: ${notReady.map((g) => `${g.name} (${g.conditions.find((c) => c.type === 'Ready')?.reason ?? '?'})`).join(', ')}`);
  const at = s.lastPass.finishedAt ?? null;
  return {
    ...base,
    answered: true,
    revision: s.lastAppliedRevision,
    lastResult: s.lastPass.result,
    lastPassAt: at,
    lastPassAgeMs: at ? Math.max(0, nowMs - Date.parse(at)) : null,
    suspended,
    drift: [...drift],
    failed: [...failed],
    converged: reasons.length === 0,
    reasons,
  };
}

function short(rev: string | null): string {
  return rev ? rev.slice(0, 12) : '(none)';
}

/** The promotion gate for one host: converged, at exactly this revision. */
export function gateReasons(h: HostHealth, revision: string): string[] {
  const reasons = [...h.reasons];
  if (h.answered && h.revision !== revision) reasons.unshift(`at ${short(h.revision)}, not ${short(revision)}`);
  return reasons;
}

export function formatAge(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** One row per host: HOST ENV REVISION CONVERGED DRIFT FAILED LAST-PASS SUSPENDED (and GATE for promote). */
export function renderHealthTable(hosts: readonly HostHealth[], gate?: { revision: string }): string {
  const head = ['HOST', 'ENV', 'REVISION', 'CONVERGED', 'DRIFT', 'FAILED', 'LAST PASS', 'SUSPENDED', ...(gate ? ['GATE'] : [])];
  const rows = hosts.map((h) => {
    const row = h.answered
      ? [h.name, h.environment, short(h.revision), h.converged ? 'yes' : 'no', h.drift.length ? h.drift.join(', ') : '-', h.failed.length ? h.failed.join(', ') : '-', `${h.lastResult} ${formatAge(h.lastPassAgeMs)} ago`, h.suspended ? 'yes' : 'no']
      : [h.name, h.environment, '?', 'NO ANSWER', '?', '?', '?', '?'];
    if (gate) {
      const r = gateReasons(h, gate.revision);
      row.push(r.length === 0 ? 'pass' : `FAIL: ${r.join('; ')}`);
    }
    return row;
  });
  let out = table([head, ...rows]);
  const silent = hosts.filter((h) => !h.answered);
  if (silent.length > 0 && !gate) out += silent.map((h) => `${h.name}: ${h.error}`).join('\n') + '\n';
  return out;
}
