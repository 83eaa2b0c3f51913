/**
 * The JSON Schemas this package ships (schemas/ next to dist/), by the names
 * `vsgitops schema` and `vsgitops init` use. Every schema's `$id` is
 * SCHEMA_BASE_URL + its path under schemas/, the same in every release
 * (a breaking change to a format gets a new apiVersion, not a new $id).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VsError } from '../errors.js';

export const SCHEMA_BASE_URL = 'https://vsgitops.io/schemas/';

/** name -> file under schemas/ */
export const SCHEMA_NAMES: Record<string, string> = {
  manifest: 'vserver.schema.json',
  fleet: 'fleet.schema.json',
  ignore: 'ignore.schema.json',
  'agent-config': 'agent-config.schema.json',
};

/** The package's schemas/ directory (dist/src/cli/ -> ../../../schemas, as src/agent/config.ts finds it). */
export function schemasDir(): string {
  return fileURLToPath(new URL('../../../schemas/', import.meta.url));
}

/** The names `vsgitops schema` accepts: the four above, and output/COMMAND for each --output json schema. */
export function schemaNames(): string[] {
  const out = Object.keys(SCHEMA_NAMES);
  const outputs = fs.readdirSync(path.join(schemasDir(), 'output')).filter((f) => f.endsWith('.schema.json') && f !== 'defs.schema.json');
  return [...out, ...outputs.map((f) => `output/${f.replace(/\.schema\.json$/, '')}`).sort()];
}

export function schemaFile(name: string): string {
  const rel = SCHEMA_NAMES[name] ?? (/^output\/[a-z-]+$/.test(name) ? `${name}.schema.json` : undefined);
  const file = rel === undefined ? undefined : path.join(schemasDir(), rel);
  if (!file || !fs.existsSync(file)) throw new VsError('USAGE', `no schema "${name}"; one of: ${schemaNames().join(', ')}`);
  return file;
}

export function readSchema(name: string): { text: string; id: string } {
  const text = fs.readFileSync(schemaFile(name), 'utf8');
  const id = (JSON.parse(text) as { $id?: string }).$id ?? '';
  return { text, id };
}
