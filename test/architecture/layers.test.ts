/**
 * Imports point down the flow (docs/ARCHITECTURE.md "Layers"): source ->
 * desired -> observe/providers -> plan (reconciler) -> apply -> status, with
 * the pipeline that wires them and the agent and CLI above. This test reads
 * every import of src/ (static, `import type` and dynamic) and fails on one
 * that points up, or from the simulator into the provider it imitates.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = path.join(repo, 'src');

/** For each area of src/, the areas it may import from (its own always allowed). */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  text: ['errors'],
  log: ['text', 'errors'],
  fs: ['errors'],
  process: ['errors'],
  'build-info': [],
  model: ['errors'],
  source: ['errors', 'build-info', 'fs', 'text'],
  host: ['errors', 'fs', 'text'],
  desired: ['errors', 'model', 'source', 'text', 'fs'],
  reconciler: ['errors', 'model', 'log', 'fs', 'text'],
  // a provider implements the reconciler's ports (ActionExecutor, PlannedAction)
  providers: ['errors', 'model', 'log', 'fs', 'text', 'process', 'reconciler'],
  // the simulator imitates the host from the reference: it shares no code with the provider
  sim: ['errors', 'model', 'text', 'fs'],
  import: ['errors', 'model', 'desired', 'reconciler', 'text'],
  fleet: ['errors', 'model', 'desired', 'source', 'reconciler', 'observability', 'text'],
  observability: ['errors', 'model', 'log', 'fs', 'text', 'process', 'build-info', 'reconciler'],
  pipeline: ['errors', 'model', 'log', 'fs', 'text', 'source', 'desired', 'host', 'providers', 'reconciler'],
  agent: ['errors', 'model', 'log', 'fs', 'text', 'process', 'build-info', 'source', 'desired', 'host', 'providers', 'reconciler', 'observability', 'pipeline'],
  cli: ['*'],
};

/** src/<area>/… or src/<file>.ts -> area */
function areaOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, '') : rel[0]!;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function upwardImports(files: { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    const from = areaOf(file);
    const allowed = ALLOWED[from];
    for (const m of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1]!);
      if (!target.startsWith(SRC + path.sep)) continue; // schemas/*.json and the like
      const to = areaOf(target.replace(/\.js$/, '.ts'));
      if (to === from) continue;
      if (!allowed) bad.push(`${path.relative(repo, file)}: area "${from}" has no rule in this test`);
      else if (!allowed.includes('*') && !allowed.includes(to)) bad.push(`${path.relative(repo, file)} imports ${m[1]} (${from} -> ${to})`);
    }
  }
  return bad;
}

test('no import in src/ points up the flow, and the simulator imports nothing of the provider', (t) => {
  const files = tsFiles(SRC).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  t.true(files.length > 100, `read ${files.length} files`);
  t.deepEqual(upwardImports(files), []);
});

test('the check finds an upward import (a reconciler file importing the agent and the provider)', (t) => {
  const file = path.join(SRC, 'reconciler', 'probe.ts');
  const text = "import { acquireLock } from '../agent/lock.js';\nimport type { X } from '../providers/vserver/observe.js';\nimport { VsError } from '../errors.js';\n";
  t.deepEqual(upwardImports([{ file, text }]), [
    'src/reconciler/probe.ts imports ../agent/lock.js (reconciler -> agent)',
    'src/reconciler/probe.ts imports ../providers/vserver/observe.js (reconciler -> providers)',
  ]);
});

test('the simulator may not import the provider it imitates', (t) => {
  const file = path.join(SRC, 'sim', 'tools', 'probe.ts');
  t.deepEqual(upwardImports([{ file, text: "import { parseList } from '../../model/names.js';\nimport { x } from '../../providers/vserver/config-read.js';\n" }]), [
    'src/sim/tools/probe.ts imports ../../providers/vserver/config-read.js (sim -> providers)',
  ]);
});
