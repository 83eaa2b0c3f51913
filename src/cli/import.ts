/**
 * `vsgitops import`: write one manifest per existing guest (issue 10 item 1).
 * Reads the host only (observe); runs no util-vserver command that changes
 * anything, and writes nothing but the manifests under --out.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { renderGuestManifest, type ImportedGuest } from '../import/render-manifest.js';
import { execaRunner } from '../providers/command-runner.js';
import { observeHost } from '../providers/vserver/observe.js';
import { addHostOptions, hostFromOptions, type HostOptions } from './options.js';
import type { RegisterCommand } from './registry.js';

interface ImportOpts extends HostOptions {
  out: string;
  output: 'text' | 'json';
}

export function renderImportReport(guests: ImportedGuest[], outDir: string, hostNotes: string[]): string {
  let text = `imported ${guests.length} guest(s) into ${outDir}\n`;
  for (const g of guests) {
    text += `  ${g.file}: ${g.inexact.length === 0 ? 'exact' : 'NOT EXACT'}\n`;
    for (const r of g.inexact) text += `      not exact: ${r}\n`;
    for (const n of g.notes) text += `      note: ${n}\n`;
    for (const u of g.unmodelled) text += g.carried.includes(u) ? `      not modelled, carried verbatim in spec.files: ${u}\n` : `      kept as is, not managed: ${u}\n`;
  }
  const inexact = guests.filter((g) => g.inexact.length > 0).map((g) => g.name);
  if (inexact.length > 0) text += `not exact (review before committing): ${inexact.join(', ')}\n`;
  if (hostNotes.length > 0) text += 'host notes:\n' + hostNotes.map((n) => `  ${n}\n`).join('');
  return text;
}

export const registerImport: RegisterCommand = (program: Command) => {
  addHostOptions(
    program
      .command('import')
      .description('write one manifest per existing guest on the host, so that committing them plans no change')
      .argument('[names...]', 'guests to import (default: every guest configured on the host)'),
  )
    .requiredOption('--out <dir>', 'directory to write NAME.yaml files into (created if missing)')
    .option('--output <format>', 'text | json (the report)', 'text')
    .action(async (names: string[], o: ImportOpts) => {
      if (o.output !== 'text' && o.output !== 'json') throw new VsError('USAGE', `--output must be "text" or "json", got "${o.output}"`);
      const target = hostFromOptions(o);
      const host = await observeHost(target.paths, { hostName: target.name, runner: execaRunner({ timeoutMs: 10_000 }) });
      const known = new Set(host.guests.map((g) => g.spec.name));
      const missing = names.filter((n) => !known.has(n));
      if (missing.length > 0) throw new VsError('USAGE', `no such guest on ${target.name}: ${missing.join(', ')}`);
      const chosen = host.guests.filter((g) => names.length === 0 || names.includes(g.spec.name));
      const imported = chosen.map((g) =>
        renderGuestManifest(g, { dir: path.join(target.paths.etcVservers, g.spec.name), hostName: target.name, unmodelled: g.unmodelled ?? [] }),
      );
      await fsp.mkdir(o.out, { recursive: true });
      for (const g of imported) await fsp.writeFile(path.join(o.out, g.file), g.yaml);
      const hostNotes = (host.problems ?? []).map((p) => `${p.file}: ${p.message}`);
      if (o.output === 'json') {
        process.stdout.write(JSON.stringify({ out: o.out, guests: imported.map(({ yaml: _y, ...rest }) => rest), hostNotes }, null, 2) + '\n');
      } else process.stdout.write(renderImportReport(imported, o.out, hostNotes));
    });
};
