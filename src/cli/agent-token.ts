/** The bearer token for the agents' /status endpoints: from an environment variable or a file, never argv. */
import type { Command } from 'commander';
import { resolveSecret } from '../agent/secret.js';
import { parseDuration } from '../text/duration.js';
import { VsError } from '../errors.js';

export const DEFAULT_TOKEN_ENV = 'VSGITOPS_AGENT_TOKEN';

export interface AgentQueryFlags {
  tokenEnv?: string;
  tokenFile?: string;
  timeout: string;
  concurrency: string;
}

export function addAgentQueryOptions(cmd: Command): Command {
  return cmd
    .option('--token-env <var>', `environment variable holding the agents' bearer token (default: $${DEFAULT_TOKEN_ENV} when set)`)
    .option('--token-file <file>', "file holding the agents' bearer token (first line)")
    .option('--timeout <duration>', 'how long to wait for each agent', '10s')
    .option('--concurrency <n>', 'agents asked at once', '8');
}

export async function agentQueryOptions(o: AgentQueryFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ token?: string; timeoutMs: number; concurrency: number }> {
  if (o.tokenEnv && o.tokenFile) throw new VsError('USAGE', 'give either --token-env or --token-file, not both');
  const secret = o.tokenEnv || o.tokenFile
    ? await resolveSecret({ env: o.tokenEnv, file: o.tokenFile }, 'agent token', env)
    : env[DEFAULT_TOKEN_ENV] ? await resolveSecret({ env: DEFAULT_TOKEN_ENV }, 'agent token', env) : null;
  if (!/^[1-9][0-9]{0,3}$/.test(o.concurrency)) throw new VsError('USAGE', `--concurrency takes a whole number from 1 to 9999 (got '${o.concurrency}')`);
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(o.timeout, '--timeout');
  } catch (err) {
    throw new VsError('USAGE', (err as Error).message);
  }
  return { ...(secret ? { token: secret.reveal() } : {}), timeoutMs, concurrency: Number(o.concurrency) };
}
