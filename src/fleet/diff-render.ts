/**
 * A fleet diff for people: text (terminal, CI logs) and Markdown (a
 * pull-request comment: one collapsible section per host, destructive changes
 * first). Pure.
 */
import { formatValue, SYMBOLS } from '../reconciler/render.js';
import type { DiffAction, DiffEffect, FleetDiff, HostDiff } from './diff.js';

const EFFECT_ORDER: DiffEffect[] = ['delete', 'replace', 'restart', 'stop', 'create', 'start', 'live', 'config'];

export function summaryText(counts: Partial<Record<DiffEffect, number>>): string {
  const parts = EFFECT_ORDER.filter((e) => counts[e]).map((e) => `${counts[e]} ${e}`);
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function hostCounts(h: HostDiff): Partial<Record<DiffEffect, number>> {
  const c: Partial<Record<DiffEffect, number>> = {};
  for (const a of h.actions) c[a.effect] = (c[a.effect] ?? 0) + 1;
  return c;
}

const short = (rev: string) => rev.slice(0, 12);

function changedHosts(d: FleetDiff): HostDiff[] {
  return d.hosts.filter((h) => h.actions.length > 0 || h.blocked.length > 0);
}

function headline(d: FleetDiff): string {
  const changed = changedHosts(d).length;
  const env = d.environment ? ` (environment ${d.environment})` : '';
  return `${changed} of ${d.hosts.length} host${d.hosts.length === 1 ? '' : 's'} change${env}: ${summaryText(d.summary)}`;
}

function actionTitle(a: DiffAction): string {
  return `${a.guest}: ${a.kind}${a.kind === 'update' ? ` (${a.effect})` : ''}${a.destructive ? ', destructive' : ''}`;
}

export function renderDiffText(d: FleetDiff): string {
  const out = [`vsgitops diff ${short(d.from)}..${short(d.to)}`, headline(d)];
  for (const h of changedHosts(d)) {
    out.push('', `host ${h.name}${h.environment ? ` (${h.environment})` : ''}: ${summaryText(hostCounts(h))}${h.destructive ? ' [destructive]' : ''}`);
    for (const a of h.actions) {
      out.push(`  ${SYMBOLS[a.kind].padEnd(3)} ${actionTitle(a)}`);
      for (const c of a.changes) out.push(`      ${c.path}: ${formatValue(c.before)} -> ${formatValue(c.after)} (${c.effect})`);
    }
    for (const b of h.blocked) out.push(`  !   ${b.guest}: blocked: ${b.reason}`);
    for (const w of h.warnings) out.push(`  *   ${w}`);
  }
  const same = d.hosts.filter((h) => !changedHosts(d).includes(h)).map((h) => h.name);
  if (same.length > 0) out.push('', `unchanged: ${same.join(', ')}`);
  for (const w of d.warnings) out.push('', `warning: ${w}`);
  return out.join('\n') + '\n';
}

/** Text inside a Markdown table cell: no pipes, newlines or backticks can break it. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;');
}

function code(v: unknown): string {
  const text = formatValue(v).replace(/`/g, "'");
  return `\`${cell(text)}\``;
}

export function renderDiffMarkdown(d: FleetDiff): string {
  const out: string[] = [];
  out.push(`### vsgitops diff \`${short(d.from)}\`..\`${short(d.to)}\``, '');
  const changed = changedHosts(d);
  const env = d.environment ? ` in environment \`${cell(d.environment)}\`` : '';
  if (changed.length === 0) {
    out.push(`No changes on any of ${d.hosts.length} host${d.hosts.length === 1 ? '' : 's'}${env}.`, '');
  } else {
    out.push(`**${changed.length} of ${d.hosts.length} host${d.hosts.length === 1 ? '' : 's'} change${env}:** ${summaryText(d.summary)}${d.destructive ? ' — :warning: **destructive changes**' : ''}`, '');
    for (const h of changed) {
      const title = `<b>${cell(h.name)}</b>${h.environment ? ` (${cell(h.environment)})` : ''}: ${summaryText(hostCounts(h))}${h.destructive ? ' :warning:' : ''}`;
      out.push(`<details${h.destructive ? ' open' : ''}><summary>${title}</summary>`, '');
      if (h.actions.length > 0) {
        out.push('| guest | action | field | before | after | effect |', '|---|---|---|---|---|---|');
        for (const a of h.actions) {
          const action = `${a.kind}${a.kind === 'update' ? ` (${a.effect})` : ''}${a.destructive ? ' :warning:' : ''}`;
          if (a.changes.length === 0) out.push(`| ${cell(a.guest)} | ${action} | | | | ${a.effect} |`);
          for (const c of a.changes) out.push(`| ${cell(a.guest)} | ${action} | \`${cell(c.path)}\` | ${code(c.before)} | ${code(c.after)} | ${c.effect} |`);
        }
        out.push('');
      }
      for (const b of h.blocked) out.push(`- blocked: **${cell(b.guest)}**: ${cell(b.reason)}`);
      for (const w of h.warnings) out.push(`- warning: ${cell(w)}`);
      if (h.blocked.length + h.warnings.length > 0) out.push('');
      out.push('</details>', '');
    }
  }
  const same = d.hosts.filter((h) => !changed.includes(h)).map((h) => h.name);
  if (same.length > 0 && changed.length > 0) out.push(`Unchanged: ${same.map(cell).join(', ')}`, '');
  for (const w of d.warnings) out.push(`> ${cell(w)}`, '');
  return out.join('\n');
}
