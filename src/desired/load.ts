import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import { readSource } from '../source/read-source.js';
import type { SourceSpec } from '../source/types.js';
import type { ValidateFunction } from 'ajv';
import { compileManifestSchema } from './schema.js';
import { validateManifestFiles, type FileOutcome } from './validate.js';
import { DEFAULT_MAX_FILE_BYTES } from './yaml-documents.js';

export type { SourceSpec } from '../source/types.js';

/**
 * The validated desired state at one revision. `guests` holds only valid
 * guests; when `problems` is non-empty the state must not be acted on.
 * A genuinely empty source has `files: 0` (or no documents) and no problems.
 */
export interface DesiredState {
  /** git commit id, or null for a plain directory */
  revision: string | null;
  guests: DesiredGuest[];
  problems: Problem[];
  files: number;
  /** the drift ignore list (`vsgitops-ignore.yaml` at the top of the manifest path), as text, if present */
  ignoreFile?: { path: string; text: string };
}

/** The name of the drift ignore list; it sits beside the manifests but is not one. */
export const IGNORE_FILE = 'vsgitops-ignore.yaml';

export interface LoadOptions {
  /** per-file size limit in bytes (default 1 MiB) */
  maxFileBytes?: number;
  /**
   * Keep each file's outcome for the next call in this process (the agent,
   * which loads a revision on every pass). One-shot commands leave it off: no
   * parsed documents are kept, and the guests need no defensive copy.
   */
  cache?: boolean;
}

// Reused across calls in one process: the agent loads a revision on every pass,
// and usually only a few files differ from the last one.
let validator: ValidateFunction | undefined;
const fileCache = new Map<string, FileOutcome>();

/** Reads, validates and normalizes all manifests of a source. Throws VsError('SOURCE') if the source is unreadable. */
export async function loadDesiredState(source: SourceSpec, opts: LoadOptions = {}): Promise<DesiredState> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const snapshot = await readSource(source, { maxFileBytes });
  const isIgnore = (p: string) => p === IGNORE_FILE || p.endsWith('/' + IGNORE_FILE);
  const ignore = snapshot.files.filter((f) => isIgnore(f.path)).sort((a, b) => a.path.length - b.path.length)[0];
  validator ??= compileManifestSchema();
  const result = validateManifestFiles(snapshot.files.filter((f) => f !== ignore), { maxFileBytes, validator, ...(opts.cache ? { cache: fileCache } : {}) });
  const skippedProblems: Problem[] = snapshot.skipped.map((s) => ({ file: s.path, line: 0, column: 0, path: '', message: s.reason }));
  return {
    revision: snapshot.revision,
    guests: result.guests,
    problems: [...skippedProblems, ...result.problems],
    files: result.files,
    ...(ignore?.bytes ? { ignoreFile: { path: ignore.path, text: new TextDecoder().decode(ignore.bytes) } } : {}),
  };
}

/** How many files' outcomes the process keeps (0 unless a caller asked for the cache). */
export function cachedManifestFiles(): number {
  return fileCache.size;
}
