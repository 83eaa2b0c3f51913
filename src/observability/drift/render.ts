import type { DriftItem } from '../../reconciler/pass-types.js';
import { table } from '../render/table.js';
import { escapeControl } from '../../text/escape.js';

/**
 * Human rendering of classified drift, for `vsgitops drift` and `status`.
 * One row per item, then its message and failure details indented.
 */
export function renderDrift(items: DriftItem[]): string {
  if (items.length === 0) return 'no drift\n';
  const rows: string[][] = [['KIND', 'GUEST', 'MODE', 'FIELDS', 'NOTE']];
  const details: string[] = [];
  for (const d of items) {
    const who = d.guest ?? (d.xid !== undefined ? `xid ${d.xid}` : '-');
    const note = d.ignored ? `ignored until ${d.ignored.expires}: ${d.ignored.reason}` : '';
    rows.push([d.kind, who, d.mode, d.fields.length > 0 ? d.fields.join(',') : '-', note]);
  }
  for (const d of items) {
    details.push(`- ${d.message}`);
    if (d.command) details.push(`    command: ${d.command.join(' ')}${d.exitCode !== undefined ? ` (exit ${d.exitCode})` : ''}`);
    if (d.stderrTail) for (const line of d.stderrTail.trimEnd().split('\n')) details.push(`    | ${line}`);
  }
  const counted = items.filter((d) => !d.ignored).length;
  const summary = `${counted} drift item${counted === 1 ? '' : 's'}${counted < items.length ? `, ${items.length - counted} ignored` : ''}`;
  return escapeControl(table(rows) + '\n' + details.join('\n') + '\n\n' + summary + '\n');
}

