import { escapeControl } from '../../text/escape.js';

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function table(rows: string[][]): string {
  rows = rows.map((row) => row.map(escapeControl)); // widths of what is shown
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** "3m ago", "2h ago" relative to now; the ISO time when in the future or unparsable. */
export function ago(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  const s = Math.floor((nowMs - t) / 1000);
  if (Number.isNaN(s) || s < 0) return iso;
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
