import { readDirSource } from './dir-source.js';
import type { SourceReadOptions, SourceSnapshot, SourceSpec } from './types.js';

/** Reads the manifest files of any source. Throws VsError('SOURCE') when the source itself is unusable. */
export async function readSource(source: SourceSpec, opts: SourceReadOptions): Promise<SourceSnapshot> {
  if (source.kind === 'dir') return readDirSource(source.dir, opts);
  // isomorphic-git is large; load it only for git sources
  const { readGitSource } = await import('./git-source.js');
  return readGitSource(source, opts);
}
