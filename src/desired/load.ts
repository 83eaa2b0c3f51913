import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import { readSource } from '../source/read-source.js';
import type { SourceSpec } from '../source/types.js';
import type { ValidateFunction } from 'ajv';
import { checkPlacement, FLEET_FILE, loadFleet, type Fleet } from './fleet.js';
import { compileManifestSchema } from './schema.js';
import { validateManifestFiles, type FileOutcome } from './validate.js';
import { DEFAULT_MAX_FILE_BYTES, decodeManifest, parseManifestText } from './yaml-documents.js';
import type { SourceFile } from '../source/types.js';

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
  /**
   * the drift ignore list (`vsgitops-ignore.yaml` at the top of the manifest path), as text, if present;
   * `problems` when it could not be read as strictly as a manifest (too large, not UTF-8, YAML tags)
   */
  ignoreFile?: { path: string; text: string; problems?: Problem[] };
  /** the fleet file (`fleet.yaml` at the top of the manifest path), when present and valid */
  fleet?: Fleet;
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
/** git blobs by id, with the file cache: an agent pass reads only the blobs that changed */
const blobCache = new Map<string, Uint8Array>();

/** Reads, validates and normalizes all manifests of a source. Throws VsError('SOURCE') if the source is unreadable. */
export async function loadDesiredState(source: SourceSpec, opts: LoadOptions = {}): Promise<DesiredState> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const snapshot = await readSource(source, { maxFileBytes, ...(opts.cache ? { blobCache } : {}) });
  const isIgnore = (p: string) => p === IGNORE_FILE || p.endsWith('/' + IGNORE_FILE);
  const ignore = snapshot.files.filter((f) => isIgnore(f.path)).sort((a, b) => a.path.length - b.path.length)[0];
  // a fleet.yaml that holds manifests (kind: VServer) stays a manifest file
  const fleetCandidate = topFile(snapshot.files, FLEET_FILE);
  const fleetFile = fleetCandidate && (fleetCandidate.bytes === null || isFleetText(fleetCandidate.bytes)) ? fleetCandidate : undefined;
  validator ??= compileManifestSchema();
  const result = validateManifestFiles(snapshot.files.filter((f) => f !== ignore && f !== fleetFile), { maxFileBytes, validator, ...(opts.cache ? { cache: fileCache } : {}) });
  const skippedProblems: Problem[] = snapshot.skipped.map((s) => ({ file: s.path, line: 0, column: 0, path: '', message: s.reason }));
  // the fleet file travels with the manifests: a guest it places nowhere is as invalid as a typo in a manifest
  const fleetProblems: Problem[] = [];
  let fleet: Fleet | undefined;
  if (fleetFile) {
    const loaded = fleetFile.bytes === null
      ? { problems: [{ file: fleetFile.path, line: 0, column: 0, path: '', message: `file is too large (${fleetFile.size} bytes; the limit is ${maxFileBytes})` }] }
      : loadFleet({ path: fleetFile.path, bytes: fleetFile.bytes });
    fleetProblems.push(...loaded.problems);
    fleet = loaded.fleet;
    if (fleet) fleetProblems.push(...checkPlacement(result.guests, fleet));
  }
  return {
    revision: snapshot.revision,
    guests: result.guests,
    problems: [...skippedProblems, ...result.problems, ...fleetProblems],
    files: result.files,
    ...(fleet ? { fleet } : {}),
    ...(ignore ? { ignoreFile: readIgnoreText(ignore, maxFileBytes) } : {}),
  };
}

/**
 * The ignore list read as strictly as a manifest: within the size limit (too
 * large is an error, never "no list"), UTF-8 only, plain YAML without tags.
 */
function readIgnoreText(f: SourceFile, maxFileBytes: number): NonNullable<DesiredState['ignoreFile']> {
  const at = (message: string): Problem[] => [{ file: f.path, line: 0, column: 0, path: '', message }];
  if (f.bytes === null || f.size > maxFileBytes || f.bytes.length > maxFileBytes) {
    return { path: f.path, text: '', problems: at(`ignore list is too large (${f.size} bytes; the limit is ${maxFileBytes})`) };
  }
  const decoded = decodeManifest(f.path, f.bytes);
  if ('problem' in decoded) return { path: f.path, text: '', problems: [decoded.problem] };
  const parsed = parseManifestText(f.path, decoded.text);
  return parsed.problems.length > 0 ? { path: f.path, text: decoded.text, problems: parsed.problems } : { path: f.path, text: decoded.text };
}

/** The file of this name at the top of the manifest path (the shortest such path), if any. */
export function topFile<F extends { path: string }>(files: readonly F[], name: string): F | undefined {
  const depth = (p: string) => p.split('/').length;
  const candidates = files.filter((f) => f.path === name || f.path.endsWith('/' + name));
  if (candidates.length === 0) return undefined;
  const top = Math.min(...candidates.map((f) => depth(f.path)));
  return candidates.find((f) => depth(f.path) === top);
}

/** Whether a fleet.yaml declares `kind: Fleet` (a top-level key, not indented). */
export function isFleetText(bytes: Uint8Array): boolean {
  return /^kind:[ \t]*["']?Fleet["']?[ \t]*(#.*)?$/m.test(new TextDecoder().decode(bytes.subarray(0, 64 * 1024)));
}

/** How many files' outcomes the process keeps (0 unless a caller asked for the cache). */
export function cachedManifestFiles(): number {
  return fileCache.size;
}
