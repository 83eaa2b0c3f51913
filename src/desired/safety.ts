/**
 * spec.healthCheck and spec.snapshot (issue 14: snapshot and rollback of
 * risky changes) → SafetySpec, with the checks the schema cannot express.
 */
import { parseDuration } from '../text/duration.js';
import { DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_SNAPSHOT_KEEP, type SafetySpec } from '../model/guest.js';
import type { RawManifest } from './manifest-types.js';
import { cleanAbsolutePath } from './normalize.js';

type Fail = (path: (string | number)[], message: string) => void;

const MIN_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 60 * 60_000;

export function normalizeSafety(s: RawManifest['spec'], fail: Fail): SafetySpec | undefined {
  const out: SafetySpec = {};
  const h = s.healthCheck;
  if (h) {
    let timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS;
    if (h.timeout !== undefined) {
      try {
        timeoutMs = parseDuration(h.timeout, 'timeout');
        if (timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) fail(['spec', 'healthCheck', 'timeout'], `must be between 1s and 1h (got ${JSON.stringify(h.timeout)})`);
      } catch {
        fail(['spec', 'healthCheck', 'timeout'], `${JSON.stringify(h.timeout)} is not a duration (examples: 10s, 2m)`);
      }
    }
    const command = h.command;
    if (command && command[0]!.startsWith('-')) fail(['spec', 'healthCheck', 'command', 0], `the program must not start with '-' (got ${JSON.stringify(command[0])})`);
    out.healthCheck = { timeoutMs, retries: h.retries ?? 0, ...(command ? { command: [...command] } : {}) };
  }
  const sn = s.snapshot;
  if (sn) {
    const paths: string[] = [];
    (sn.paths ?? []).forEach((p, i) => {
      const c = cleanAbsolutePath(p);
      if (typeof c !== 'string') fail(['spec', 'snapshot', 'paths', i], c.error);
      else if (c === '/') fail(['spec', 'snapshot', 'paths', i], "the whole root ('/') is not a snapshot path: name the files or directories to keep");
      else if (paths.includes(c)) fail(['spec', 'snapshot', 'paths', i], `${c} is listed twice`);
      else paths.push(c);
    });
    out.snapshot = { paths: paths.sort(), keep: sn.keep ?? DEFAULT_SNAPSHOT_KEEP };
  }
  return out.healthCheck || out.snapshot ? out : undefined;
}
