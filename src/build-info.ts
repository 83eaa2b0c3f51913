/**
 * The version and git commit this build came from. `npm run build` stamps them into
 * dist/src/build-info.json (scripts/stamp-build.mjs); a tree built by plain `tsc` falls back to
 * package.json's version and an unknown commit.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  /** git commit id (12 hex digits, "-dirty" when the work tree had changes), or "unknown" */
  commit: string;
}

let cached: BuildInfo | undefined;

function readJson(rel: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  // compiled to dist/src/build-info.js: the stamp sits beside it, package.json two levels up
  const stamp = readJson('./build-info.json');
  const pkg = readJson('../../package.json');
  cached = {
    version: typeof stamp?.version === 'string' ? stamp.version : typeof pkg?.version === 'string' ? pkg.version : '0.0.0',
    commit: typeof stamp?.commit === 'string' ? stamp.commit : 'unknown',
  };
  return cached;
}

/** `vsgitops --version`: "vsgitops 0.1.0 (commit 0123456789ab)". */
export function versionLine(): string {
  const b = buildInfo();
  return `vsgitops ${b.version} (commit ${b.commit})`;
}

/** The User-Agent of every outgoing HTTP request (git fetches, alert sinks). */
export function userAgent(): string {
  const b = buildInfo();
  return `vsgitops/${b.version} (+commit ${b.commit})`;
}
