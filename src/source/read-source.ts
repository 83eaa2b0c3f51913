import { readDirSource } from './dir-source.js';
import { readGitSource } from './git-source.js';
import type { SourceReadOptions, SourceSnapshot, SourceSpec } from './types.js';

/** Reads the manifest files of any source. Throws VsError('SOURCE') when the source itself is unusable. */
export function readSource(source: SourceSpec, opts: SourceReadOptions): Promise<SourceSnapshot> {
  return source.kind === 'dir' ? readDirSource(source.dir, opts) : readGitSource(source, opts);
}
