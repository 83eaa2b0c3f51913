import { createHash } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import type { SourceFile } from '../source/types.js';
import { controlCharProblems } from './control-chars.js';
import { checkFleet, type LocatedGuest } from './fleet-checks.js';
import { normalizeManifest } from './normalize.js';
import { compileManifestSchema, schemaProblems } from './schema.js';
import { DEFAULT_MAX_FILE_BYTES, decodeManifest, parseManifestText } from './yaml-documents.js';
import { parseManifestFast } from './yaml-fast.js';

export interface ValidationResult {
  /** valid guests only, in file / document order */
  guests: DesiredGuest[];
  problems: Problem[];
  /** number of manifest files read */
  files: number;
  /** number of non-empty YAML documents seen */
  documents: number;
}

export interface ValidateOptions {
  maxFileBytes?: number;
  /** a compiled schema to reuse (compiled on each call otherwise) */
  validator?: ValidateFunction;
  /**
   * Outcomes of earlier calls by file path and content (use with one validator):
   * a file whose bytes did not change is not parsed again. Holds the files of the last call.
   */
  cache?: Map<string, FileOutcome>;
  /**
   * Parse plain files with js-yaml first (src/desired/yaml-fast.ts; on unless
   * `false`). Only text inside a line grammar both parsers read alike takes
   * that path, and only when every document passes the schema and
   * normalization; anything else, and every file with a problem, is parsed by
   * the `yaml` document API, which alone reports and locates problems.
   * test/desired/yaml-fast.test.ts fuzzes the two against each other.
   */
  fastParse?: boolean;
}

function byPosition(a: Problem, b: Problem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}

/**
 * Parses, schema-checks, normalizes and cross-checks manifest files. Every
 * problem is reported; a guest with any problem is left out of `guests`.
 * Files are processed in path order.
 */
export function validateManifestFiles(files: readonly SourceFile[], opts: ValidateOptions = {}): ValidationResult {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const validator = opts.validator ?? compileManifestSchema();
  const problems: Problem[] = [];
  const located: LocatedGuest[] = [];
  let documents = 0;
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const used = new Map<string, FileOutcome>();
  for (const f of sorted) {
    const key = opts.cache && f.bytes !== null ? `${maxFileBytes}\0${f.path}\0${createHash('sha1').update(f.bytes).digest('hex')}` : null;
    let outcome = key !== null ? opts.cache!.get(key) : undefined;
    outcome ??= validateFile(f, validator, maxFileBytes, opts.fastParse !== false);
    if (key !== null) {
      used.set(key, outcome);
      // the guests are handed out to the caller, who may change them: the cache keeps its own
      outcome = { ...outcome, located: outcome.located.map((l) => ({ guest: structuredClone(l.guest), doc: l.doc })) };
    }
    problems.push(...outcome.problems);
    located.push(...outcome.located);
    documents += outcome.documents;
  }
  if (opts.cache) {
    // keep what this call used: the cache holds one revision's files
    opts.cache.clear();
    for (const [k, v] of used) opts.cache.set(k, v);
  }
  const fleet = checkFleet(located);
  problems.push(...fleet.problems);
  problems.sort(byPosition);
  return { guests: fleet.accepted.map((l) => l.guest), problems, files: sorted.length, documents };
}

/** What one file yields on its own (before the checks across files). */
export interface FileOutcome {
  problems: Problem[];
  located: LocatedGuest[];
  documents: number;
}

/**
 * A plain file whose documents all pass the schema and normalization, parsed
 * by js-yaml; undefined if anything is unusual or wrong (the full parse then
 * decides and locates every problem, exactly as without the fast path).
 */
function fastOutcome(file: string, text: string, validator: ValidateFunction): FileOutcome | undefined {
  const docs = parseManifestFast(file, text);
  if (!docs) return undefined;
  const located: LocatedGuest[] = [];
  for (const d of docs) {
    if (!validator(d.value)) return undefined;
    const n = normalizeManifest(d);
    if (n.problems.length > 0 || !n.guest) return undefined;
    located.push({ guest: n.guest, doc: d });
  }
  return { problems: [], located, documents: docs.length };
}

function validateFile(f: SourceFile, validator: ValidateFunction, maxFileBytes: number, fast: boolean): FileOutcome {
  const problems: Problem[] = [];
  const located: LocatedGuest[] = [];
  let documents = 0;
  if (f.bytes === null || f.size > maxFileBytes || f.bytes.length > maxFileBytes) {
    problems.push({ file: f.path, line: 0, column: 0, path: '', message: `file is too large (${f.size} bytes; the limit is ${maxFileBytes})` });
    return { problems, located, documents };
  }
  const decoded = decodeManifest(f.path, f.bytes);
  if ('problem' in decoded) {
    problems.push(decoded.problem);
    return { problems, located, documents };
  }
  const quick = fast ? fastOutcome(f.path, decoded.text, validator) : undefined;
  if (quick) return quick;
  const parsed = parseManifestText(f.path, decoded.text);
  problems.push(...parsed.problems);
  for (const d of parsed.documents) {
    documents++;
    // control characters first: a value with one is reported once, as that
    const control = controlCharProblems(d);
    if (!validator(d.value) || control.length > 0) {
      const controlPaths = new Set(control.map((p) => p.path));
      const schema = [...control, ...schemaProblems(d, validator.errors ?? []).filter((p) => !controlPaths.has(p.path))];
      problems.push(...schema);
      // Also report the semantic problems of fields the schema accepted.
      const covered = schema.map((p) => p.path);
      const under = (p: string, base: string) => base === '' || p === base || p.startsWith(base + '.') || p.startsWith(base + '[');
      problems.push(...normalizeManifest(d, { lenient: true }).problems.filter((p) => !covered.some((c) => under(p.path, c))));
      continue;
    }
    const n = normalizeManifest(d);
    problems.push(...n.problems);
    if (n.guest) located.push({ guest: n.guest, doc: d });
  }
  return { problems, located, documents };
}
