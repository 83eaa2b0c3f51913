import type { SignaturePolicySpec } from './signature-spec.js';

/** Where manifests come from. */
export type SourceSpec =
  | { kind: 'dir'; dir: string; /** set when signatures are required: a directory is then refused */ signatures?: SignaturePolicySpec }
  | {
      kind: 'git';
      /** a local repository (work tree or bare) or an http(s) URL */
      repo: string;
      /** branch, tag or commit; default HEAD */
      ref?: string;
      /** sub-directory inside the repository; default the root */
      path?: string;
      /** where remote repositories are cloned; default ~/.cache/vsgitops/git */
      cacheDir?: string;
      /** cap on what one fetch may download (default 256 MiB) */
      maxFetchBytes?: number;
      /** require signed revisions: which paths, which keys (src/source/signature-policy.ts) */
      signatures?: SignaturePolicySpec;
      /** for an http(s) repository: user name and password/token (from env or a file, never the URL) */
      credentials?: { username: string | null; password: { reveal(): string } | null };
    };

/** One candidate manifest file. `bytes` is null when the file was too large to read. */
export interface SourceFile {
  /** display path: under the directory as given, or relative to the repository root */
  path: string;
  size: number;
  bytes: Uint8Array | null;
}

/** What a source yields: the files at one revision (null for a plain directory). */
export interface SourceSnapshot {
  revision: string | null;
  files: SourceFile[];
  /** entries that could not be used (symlinks, unreadable files) */
  skipped: { path: string; reason: string }[];
  /** with a signature policy: who signed the revision (one entry per governing rule) */
  signers?: string[];
}

export interface SourceReadOptions {
  maxFileBytes: number;
  /** limit on the manifest bytes of one revision together (git sources; default 64 MiB) */
  maxTotalBytes?: number;
  /**
   * git sources: blobs by object id, kept between reads by a long-running caller (the agent,
   * issue 12): a blob whose id is known is not read again. Holds the blobs of the last read.
   */
  blobCache?: Map<string, Uint8Array>;
}

export function isManifestFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}
