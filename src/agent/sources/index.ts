import type { Logger } from '../../log.js';
import type { AgentConfig } from '../config.js';
import type { Clock, RandomFn } from '../types.js';
import { openLocalSource } from './local-source.js';
import { openRemoteSource } from './remote-source.js';
import type { AgentSource } from './types.js';

export type { AgentSource, SourceChange, SourceLocation, RefreshResult } from './types.js';

/** The source the configuration names: a local path or an http(s) URL. */
export async function openSource(config: AgentConfig, deps: { clock: Clock; random: RandomFn; log: Logger }): Promise<AgentSource> {
  const s = config.source;
  if (s.kind === 'remote') {
    return openRemoteSource({
      url: s.url,
      ref: s.ref,
      stateDir: config.stateDir,
      username: s.credentials.username,
      password: s.credentials.password,
      pollMs: config.intervals.pollMs,
      pollJitter: config.intervals.pollJitter,
      progressIntervalMs: config.progressIntervalMs,
      ...deps,
    });
  }
  return openLocalSource({ dir: s.url, ref: s.ref, debounceMs: config.intervals.debounceMs, clock: deps.clock, log: deps.log });
}
