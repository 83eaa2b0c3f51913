/**
 * Where the agent's revisions come from. A source only *notices* changes and
 * reports them; reading manifests at a revision is the pass's job, using
 * `location`.
 */
export interface SourceChange {
  trigger: string;
  /** the branch tip now (null for a plain directory) */
  revision: string | null;
  /** true when the revision moved (or, for a plain directory, a file changed) */
  sourceChanged: boolean;
}

export interface SourceLocation {
  /** working tree (local) or the cache clone (remote) */
  dir: string;
  /** the git directory, or null for a plain directory of manifests */
  gitdir: string | null;
  /** ref to resolve in `gitdir` for the revision to apply (e.g. refs/remotes/origin/main) */
  ref: string;
}

export interface RefreshResult {
  revision: string | null;
  changed: boolean;
}

export interface AgentSource {
  readonly kind: 'local' | 'remote' | 'directory';
  readonly location: SourceLocation;
  /** begins watching / polling; changes are reported through onChange */
  start(onChange: (c: SourceChange) => void): Promise<void>;
  /** fetches (remote) or re-reads (local) now; serialized with polling */
  refresh(): Promise<RefreshResult>;
  /** the revision the source points at now, without fetching */
  currentRevision(): Promise<string | null>;
  close(): Promise<void>;
}
