/**
 * The precompiled manifest validator (ajv standalone code, generated at build by
 * scripts/build-validator.mjs) must judge exactly as the schema compiled at run
 * time: same verdict, same errors (messages are built from them).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { SCHEMA_DIGEST, manifestAjv, precompiledValidatorSource, VSERVER_SCHEMA } from '../../src/desired/schema.js';
import { manifest } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const examples = fs
  .readdirSync('examples/desired-state')
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => fs.readFileSync(path.join('examples/desired-state', f), 'utf8').split(/^---$/m));

const bad = [
  manifest(['  state: sleeping']),
  manifest(['  flags: virt_mem']),
  manifest(['  limits: {nproc: -3}']),
  manifest(['  memory: {limit: lots}']),
  manifest(['  unknownField: 1']),
  manifest(['  interfaces: [{device: eth0}]']),
  manifest([], { context: '"x"' }),
  manifest([], { context: '99999999' }),
  manifest([], { name: '"bad name"' }),
  manifest([], { hosts: '[a]' }),
  manifest([], { build: '{method: teleport}' }),
  'apiVersion: v2\nkind: Thing\n',
  'kind: VServer\n',
  '[]\n',
];

test('the precompiled validator gives the verdict and errors of the compiled schema', (t) => {
  const file = path.join(here, `precompiled-${process.pid}.cjs`);
  fs.writeFileSync(file, precompiledValidatorSource());
  try {
    const pre = createRequire(import.meta.url)(file) as ValidateFunction & { schemaDigest: string };
    t.is(pre.schemaDigest, SCHEMA_DIGEST);
    const compiled = manifestAjv().compile(VSERVER_SCHEMA);
    let rejected = 0;
    for (const text of [...examples, ...bad]) {
      const value = parse(text) as unknown;
      const a = compiled(value);
      const b = pre(value);
      t.is(b, a, text);
      t.deepEqual(pre.errors ?? null, compiled.errors ?? null, text);
      if (!a) rejected++;
    }
    t.is(rejected, bad.length);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
