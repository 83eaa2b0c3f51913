import type { ValidateFunction } from 'ajv';
import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import type { SourceFile } from '../source/types.js';
import { checkFleet, type LocatedGuest } from './fleet-checks.js';
import { normalizeManifest } from './normalize.js';
import { compileManifestSchema, schemaProblems } from './schema.js';
import { DEFAULT_MAX_FILE_BYTES, decodeManifest, parseManifestText } from './yaml-documents.js';

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
  for (const f of sorted) {
    if (f.bytes === null || f.size > maxFileBytes || f.bytes.length > maxFileBytes) {
      problems.push({ file: f.path, line: 0, column: 0, path: '', message: `file is too large (${f.size} bytes; the limit is ${maxFileBytes})` });
      continue;
    }
    const decoded = decodeManifest(f.path, f.bytes);
    if ('problem' in decoded) {
      problems.push(decoded.problem);
      continue;
    }
    const parsed = parseManifestText(f.path, decoded.text);
    problems.push(...parsed.problems);
    for (const d of parsed.documents) {
      documents++;
      if (!validator(d.value)) {
        const schema = schemaProblems(d, validator.errors ?? []);
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
  }
  const fleet = checkFleet(located);
  problems.push(...fleet.problems);
  problems.sort(byPosition);
  return { guests: fleet.accepted.map((l) => l.guest), problems, files: sorted.length, documents };
}
