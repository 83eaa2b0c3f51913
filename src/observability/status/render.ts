import { renderDrift } from '../drift/render.js';
import { ago, table } from '../render/table.js';
import { CONDITION_TYPES, type Status } from './types.js';
import { escapeControl } from '../../text/escape.js';

/** A suspension in force, as `vsgitops suspend` recorded it (src/agent/suspend.ts). */
export interface SuspensionShown {
  reason: string;
  by: string;
  since: string;
  until: string | null;
}

/** The status for people: header, one row per guest, the drift, the last change set. */
export function renderStatus(status: Status, nowMs: number, extra: { suspension?: SuspensionShown | null } = {}): string {
  const p = status.lastPass;
  const out: string[] = [];
  const header: string[][] = [
    ['host:', status.hostName ?? '-'],
    ['applied revision:', status.lastAppliedRevision ?? '-'],
    ['attempted revision:', status.lastAttemptedRevision ?? '-'],
    ['last pass:', `${p.result} ${ago(p.finishedAt, nowMs)} (${p.finishedAt}), ${(p.durationMs / 1000).toFixed(1)}s, trigger ${p.trigger}`],
    ['last success:', status.lastSucceededAt ? `${ago(status.lastSucceededAt, nowMs)} (${status.lastSucceededAt})` : 'never'],
  ];
  if (extra.suspension !== undefined) {
    const s = extra.suspension;
    header.push(['suspended:', s ? `yes, by ${s.by} ${ago(s.since, nowMs)}, ${s.until ? `until ${s.until}` : 'until "vsgitops resume"'}: ${s.reason}` : 'no']);
  }
  if (p.error) header.push(['error:', `${p.error.code}: ${p.error.message}`]);
  out.push(table(header));

  if (status.guests.length === 0) out.push('no managed guests\n');
  else {
    const rows = [['GUEST', 'MODE', ...CONDITION_TYPES.map((c) => c.toUpperCase()), 'REASON', 'SINCE']];
    for (const g of status.guests) {
      const ready = g.conditions.find((c) => c.type === 'Ready');
      rows.push([
        g.name,
        g.mode,
        ...CONDITION_TYPES.map((type) => (g.conditions.find((c) => c.type === type)?.status ? 'True' : 'False')),
        ready?.reason ?? '-',
        ready ? ago(ready.lastTransitionTime, nowMs) : '-',
      ]);
    }
    out.push(table(rows));
    const messages = status.guests.flatMap((g) =>
      g.conditions.filter((c) => c.status && c.type !== 'Ready' && c.message).map((c) => `  ${g.name}: ${c.type}: ${c.message}`),
    );
    if (messages.length > 0) out.push(messages.join('\n') + '\n');
  }

  out.push(renderDrift(status.drift));
  const cs = status.lastChangeSet;
  if (cs) {
    const counts = Object.entries(cs.summary)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    out.push(`last change set (revision ${cs.revision ?? '-'}): ${counts || 'nothing to do'}${cs.ok ? '' : ' [failed]'}\n`);
  }
  return escapeControl(out.join('\n'));
}
