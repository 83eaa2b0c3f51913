import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/vserver.schema.json' with { type: 'json' };
import type { Problem } from '../errors.js';
import { problemAt, type ManifestDocument } from './yaml-documents.js';

export const VSERVER_SCHEMA: Record<string, unknown> = schemaJson as Record<string, unknown>;

const require = createRequire(import.meta.url);

/** The ajv instance the manifest schema is compiled with (at run time, or at build time as code). */
export function manifestAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...extra });
  // Annotation keywords: the plain-language expectation used in messages.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-expected-additional', schemaType: 'string' });
  return ajv;
}

/** Identifies the schema a precompiled validator was generated from. */
export const SCHEMA_DIGEST = createHash('sha256').update(JSON.stringify(VSERVER_SCHEMA)).digest('hex');
/** The precompiled validator, beside this module in dist (written by scripts/build-validator.mjs). */
export const PRECOMPILED_VALIDATOR = 'vserver-validator.generated.cjs';

/**
 * The manifest schema's validator. Call once and reuse the result. The build
 * generates it as code (ajv standalone, issue 12: compiling took ~0.3-0.6 s of
 * every `validate`); a build without it, or one made from another schema,
 * compiles at run time.
 */
export function compileManifestSchema(): ValidateFunction {
  return precompiledValidator() ?? manifestAjv().compile(VSERVER_SCHEMA);
}

/** The generated validator when it exists and was made from this schema. */
export function precompiledValidator(): ValidateFunction | undefined {
  try {
    const v = require(`./${PRECOMPILED_VALIDATOR}`) as ValidateFunction & { schemaDigest?: string };
    if (typeof v === 'function' && v.schemaDigest === SCHEMA_DIGEST) return v;
  } catch {
    /* not generated: compile */
  }
  return undefined;
}

/** The CommonJS source of the precompiled validator (ajv standalone code plus the schema digest). */
export function precompiledValidatorSource(): string {
  const ajv = manifestAjv({ code: { source: true } });
  const validate = ajv.compile(VSERVER_SCHEMA);
  const standaloneCode = (require('ajv/dist/standalone') as { default: (a: Ajv, v: ValidateFunction) => string }).default;
  return `${standaloneCode(ajv, validate)}\nmodule.exports.schemaDigest = ${JSON.stringify(SCHEMA_DIGEST)};\n`;
}

function segmentsOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}

function typeWords(t: string | string[]): string {
  const words: Record<string, string> = { object: 'a map', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' };
  const list = (Array.isArray(t) ? t : [t]).map((x) => words[x] ?? x);
  return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}` : list[0]!;
}

const VALUE_KEYWORDS = new Set(['type', 'pattern', 'minimum', 'maximum', 'enum', 'const', 'minLength', 'maxLength']);

/**
 * Maps ajv errors to problems at the YAML node of each instance path, in
 * plain words. One problem per field: the first error at a path wins.
 */
export function schemaProblems(d: ManifestDocument, errors: readonly ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const add = (segments: (string | number)[], message: string, onKey = false) => {
    const p = problemAt(d, segments, message, onKey);
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(p);
  };
  const valueErrorPaths = new Set<string>();
  for (const e of errors) {
    const segs = segmentsOf(e.instancePath);
    const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
    const expected = typeof parent['x-expected'] === 'string' ? (parent['x-expected'] as string) : undefined;
    switch (e.keyword) {
      case 'required': {
        const prop = (e.params as { missingProperty: string }).missingProperty;
        add([...segs, prop], `required field '${prop}' is missing`);
        break;
      }
      case 'additionalProperties': {
        const prop = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((parent.properties as object) ?? {});
        const hint = typeof parent['x-expected-additional'] === 'string'
          ? `; expected ${parent['x-expected-additional'] as string}`
          : allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '';
        add([...segs, prop], `unknown field '${prop}'${hint}`, true);
        break;
      }
      case 'propertyNames': {
        break; // reported through the nested pattern error below
      }
      case 'minProperties':
        add(segs, (e.params as { limit: number }).limit === 1 ? 'must not be empty' : `must have at least ${(e.params as { limit: number }).limit} fields`);
        break;
      case 'maxProperties':
        add(segs, `must have at most ${(e.params as { limit: number }).limit} fields`);
        break;
      case 'minItems':
        add(segs, `must have at least ${(e.params as { limit: number }).limit} item(s)`);
        break;
      case 'maxItems':
        add(segs, `must have at most ${(e.params as { limit: number }).limit} items`);
        break;
      case 'uniqueItems':
        add(segs, 'must not list the same item twice');
        break;
      default: {
        if (e.propertyName !== undefined) {
          // invalid key (propertyNames): point at the key itself
          add([...segs, e.propertyName], `invalid key '${e.propertyName}': expected ${expected ?? e.message ?? 'a valid key'}`, true);
          break;
        }
        if (VALUE_KEYWORDS.has(e.keyword)) {
          const k = e.instancePath;
          if (valueErrorPaths.has(k)) break; // one value error per field
          valueErrorPaths.add(k);
          const want = expected
            ?? (e.keyword === 'enum' ? `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
              : e.keyword === 'type' ? typeWords((e.params as { type: string | string[] }).type) : undefined);
          add(segs, `${want ? `must be ${want}` : e.message ?? 'is invalid'} (got ${describeValue(e.data)})`);
          break;
        }
        add(segs, e.message ?? `failed ${e.keyword}`);
      }
    }
  }
  return out;
}
