import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { VsError, type Problem } from '../../errors.js';
import type { DriftKind } from '../../reconciler/pass-types.js';

/** The ignore list's conventional file name at the root of the manifest path. */
export const IGNORE_FILE_NAME = 'vsgitops-ignore.yaml';

export interface IgnoreEntry {
  /** guest name or glob; `xid:<n>` for an unmanaged bare context */
  guest: string;
  kind?: DriftKind;
  /** field paths or globs; absent = the whole item */
  fields?: string[];
  reason: string;
  /** as written: YYYY-MM-DD or an ISO date-time */
  expires: string;
  /** where the entry was written (for warnings) */
  source?: { file: string; line: number };
}

let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return validator;
}

/** schemas/ignore.schema.json of the package, found upwards from this module (dist/src/... or src/...). */
function schemaFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'schemas', 'ignore.schema.json');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new VsError('INTERNAL', 'schemas/ignore.schema.json not found next to the vsgitops package');
}

/**
 * Parses the ignore list from its text (read by the caller from the same git
 * revision as the manifests). Throws MANIFEST_INVALID with one problem per
 * defect, each with file and line.
 */
export function parseIgnoreFile(text: string, file = IGNORE_FILE_NAME): IgnoreEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0]);
    problems.push({ file, line: pos.line, column: pos.col, path: '', message: err.message.split('\n')[0] ?? err.message });
  }
  if (problems.length > 0) throw invalid(file, problems);
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return [];
  const check = validate();
  if (!check(data)) {
    for (const e of check.errors ?? []) problems.push(problemFor(e, doc, lineCounter, file));
    throw invalid(file, dedupe(problems));
  }
  const raw = ((data as { ignore?: Omit<IgnoreEntry, 'source'>[] }).ignore ?? []);
  raw.forEach((entry, i) => {
    if (Number.isNaN(expiryTime(entry.expires))) {
      problems.push({ ...position(doc, lineCounter, ['ignore', i, 'expires'], file), path: `ignore[${i}].expires`, message: `not a valid date: "${entry.expires}"` });
    }
  });
  if (problems.length > 0) throw invalid(file, problems);
  return raw.map((entry, i) => ({ ...entry, source: { file, line: position(doc, lineCounter, ['ignore', i], file).line } }));
}

/**
 * The ignore list of a loaded revision, or its problems: the form `validate` and the agent's
 * pass both use, so a list that `validate` accepts is one the agent accepts.
 */
export function readIgnoreList(ignoreFile: { path: string; text: string; problems?: Problem[] } | undefined): { entries: IgnoreEntry[]; problems: Problem[] } {
  if (!ignoreFile) return { entries: [], problems: [] };
  // unreadable as strictly as a manifest (too large, not UTF-8, tags): an error, never "no list"
  if (ignoreFile.problems && ignoreFile.problems.length > 0) return { entries: [], problems: ignoreFile.problems };
  try {
    return { entries: parseIgnoreFile(ignoreFile.text, ignoreFile.path), problems: [] };
  } catch (err) {
    const listed = err instanceof VsError ? (err.data.problems as Problem[] | undefined) : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return { entries: [], problems: listed ?? [{ file: ignoreFile.path, line: 0, column: 0, path: '', message }] };
  }
}

/**
 * When an entry stops matching: a bare date is valid through that day (UTC),
 * so "expires: 2026-12-31" still matches on New Year's Eve.
 */
export function expiryTime(expires: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expires)) {
    const t = Date.parse(expires + 'T00:00:00Z');
    return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== expires ? NaN : t + 24 * 3600 * 1000;
  }
  return Date.parse(expires.replace(' ', 'T'));
}

export function isExpired(entry: IgnoreEntry, now: string): boolean {
  return Date.parse(now) >= expiryTime(entry.expires);
}

/** One warning per expired entry: its drift alerts again until someone renews or removes it. */
export function expiredIgnoreWarnings(entries: IgnoreEntry[], now: string): string[] {
  return entries
    .filter((e) => isExpired(e, now))
    .map((e) => {
      const where = e.source ? `${e.source.file}:${e.source.line}` : IGNORE_FILE_NAME;
      const what = [`guest ${e.guest}`, e.kind ? `kind ${e.kind}` : '', e.fields ? `fields ${e.fields.join(',')}` : ''].filter(Boolean).join(', ');
      return `${where}: ignore entry (${what}) expired ${e.expires}; its drift is alerted again (reason was: ${e.reason})`;
    });
}

function invalid(file: string, problems: Problem[]): VsError {
  return new VsError('MANIFEST_INVALID', `invalid ignore list ${file}`, { problems });
}

function position(doc: Document, lc: LineCounter, path: (string | number)[], file: string): Problem {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = lc.linePos(range[0]);
      return { file, line: pos.line, column: pos.col, path: '', message: '' };
    }
  }
  return { file, line: 0, column: 0, path: '', message: '' };
}

function problemFor(e: ErrorObject, doc: Document, lc: LineCounter, file: string): Problem {
  const segs = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const pathText = segs.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
  let message = e.message ?? 'invalid';
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    message = missing === 'reason' || missing === 'expires' ? `every ignore entry needs "${missing}"` : `missing "${missing}"`;
  } else if (e.keyword === 'additionalProperties') {
    message = `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  } else if (e.keyword === 'enum') {
    message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')}`;
  } else if (e.keyword === 'pattern' && segs[segs.length - 1] === 'expires') {
    message = 'must be a date YYYY-MM-DD or an ISO 8601 date-time';
  } else if (e.keyword === 'pattern' || e.keyword === 'minLength') {
    message = 'must not be empty';
  }
  return { ...position(doc, lc, segs, file), path: pathText, message };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
