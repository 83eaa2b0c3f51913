/**
 * `-c/--config` for the one-shot commands: values from the agent configuration file fill in what
 * the command line leaves out (flags always win). No defaults are filled and no secret is read:
 * only what the file says about the source, the host and the state directory.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { readAgentConfigFile } from '../agent/config.js';

export interface ConfigurableOptions {
  config?: string;
  repo?: string;
  ref?: string;
  path?: string;
  host?: string;
  hostName?: string;
  hostLabel?: string[];
  stateDir?: string;
  maxDeletes?: number;
  maxDeleteShare?: number;
  /** log.level of the configuration file (below --log-level and VSGITOPS_LOG_LEVEL) */
  configLogLevel?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** True when the user gave this option (not commander's default). */
function given(cmd: Command, key: string): boolean {
  const src = cmd.getOptionValueSource(key);
  return src !== undefined && src !== 'default' && src !== 'implied';
}

/**
 * Fills `o` from the configuration named by `o.config`. `dir` is the command's manifest
 * directory argument, if any (a directory given on the command line replaces the file's source).
 */
export async function applyConfigFile(cmd: Command, o: ConfigurableOptions, dir?: string): Promise<void> {
  if (o.config === undefined) return;
  const { raw, baseDir } = await readAgentConfigFile(o.config, { sourceOptional: true });
  const rel = (p: string) => path.resolve(baseDir, p);
  const src = obj(raw.source);
  const hasOpt = (k: string) => cmd.options.some((opt) => opt.attributeName() === k);
  if (hasOpt('repo') && dir === undefined && o.repo === undefined && typeof src.url === 'string') {
    o.repo = /^https?:\/\//i.test(src.url) ? src.url : rel(src.url);
    if (o.ref === undefined && typeof src.ref === 'string') o.ref = src.ref;
    if (o.path === undefined && typeof src.path === 'string' && src.path !== '.') o.path = src.path;
  }
  if (hasOpt('host') && !given(cmd, 'host') && typeof raw.host === 'string') {
    o.host = raw.host.startsWith('sim:') ? `sim:${rel(raw.host.slice(4))}` : raw.host;
  }
  if (hasOpt('hostName') && o.hostName === undefined && typeof raw.hostName === 'string') o.hostName = raw.hostName;
  if (hasOpt('hostLabel') && (o.hostLabel === undefined || o.hostLabel.length === 0) && raw.hostLabels) {
    o.hostLabel = Object.entries(obj(raw.hostLabels)).map(([k, v]) => `${k}=${String(v)}`);
  }
  if (hasOpt('stateDir') && o.stateDir === undefined && typeof raw.stateDir === 'string') o.stateDir = rel(raw.stateDir);
  const guard = obj(raw.deletionGuard);
  if (hasOpt('maxDeletes') && o.maxDeletes === undefined && typeof guard.maxDeletes === 'number') o.maxDeletes = guard.maxDeletes;
  if (hasOpt('maxDeleteShare') && o.maxDeleteShare === undefined && typeof guard.maxDeleteShare === 'number') o.maxDeleteShare = guard.maxDeleteShare;
  const level = obj(raw.log).level;
  if (typeof level === 'string') o.configLogLevel = level;
}

/** The log level of a one-shot command: VSGITOPS_LOG_LEVEL, then the configuration's log.level, then info. */
export function logLevelOf(o: { configLogLevel?: string }, env: NodeJS.ProcessEnv = process.env): string {
  return (env.VSGITOPS_LOG_LEVEL || undefined) ?? o.configLogLevel ?? 'info';
}
