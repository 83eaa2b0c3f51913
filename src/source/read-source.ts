import { VsError } from '../errors.js';
import { readDirSource } from './dir-source.js';
import type { SourceReadOptions, SourceSnapshot, SourceSpec } from './types.js';

/** Reads the manifest files of any source. Throws VsError('SOURCE') when the source itself is unusable. */
export async function readSource(source: SourceSpec, opts: SourceReadOptions): Promise<SourceSnapshot> {
  if (source.kind === 'dir') {
    // a plain directory has no commit to verify: never read as if it were trusted
    if (source.signatures) throw new VsError('REVISION_UNTRUSTED', `${source.dir} is not a git repository: signed revisions are required, and only a git commit or tag can carry a signature`, { dir: source.dir, reason: 'unsigned' });
    return readDirSource(source.dir, opts);
  }
  // isomorphic-git is large; load it only for git sources
  const { readGitSource } = await import('./git-source.js');
  return readGitSource(source, opts);
}
