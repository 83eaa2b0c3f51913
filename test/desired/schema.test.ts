import fs from 'node:fs';
import test from 'ava';
import { VSERVER_SCHEMA, compileManifestSchema } from '../../src/desired/schema.js';

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Every leaf field path the schema defines, e.g. spec.cpu.shares, spec.interfaces[].address */
function fieldPaths(node: SchemaNode, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (!child.properties) out.push(p); // leaves only
    out.push(...fieldPaths(child, p));
    if (child.items?.properties) out.push(...fieldPaths(child.items, `${p}[]`));
  }
  return out;
}

test('the schema compiles in strict mode', (t) => {
  t.is(typeof compileManifestSchema(), 'function');
  t.is(VSERVER_SCHEMA.$schema, 'http://json-schema.org/draft-07/schema#');
});

test('docs/manifest.md documents every schema field', (t) => {
  const doc = fs.readFileSync('docs/manifest.md', 'utf8');
  const leaves = fieldPaths(VSERVER_SCHEMA as SchemaNode, '').filter((p) => !p.startsWith('spec.limits.') && !p.startsWith('spec.interfaces[]') && !p.startsWith('spec.fstab[]'));
  const missing = leaves.filter((p) => {
    const last = p.split('.').at(-1)!;
    return !doc.includes('`' + p + '`') && !doc.includes('`' + p + '[]`') && !doc.includes('`' + last + '`');
  });
  t.deepEqual(missing, []);
  for (const k of ['name', 'device', 'nodev', 'address', 'label']) t.true(doc.includes('`' + k + '`'), `interface key ${k}`);
});
