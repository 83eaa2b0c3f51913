/**
 * Asks the agents of a fleet for their status (GET /status on each host's
 * agent URL): bearer token, bounded concurrency, a timeout per request. A
 * host that does not answer is reported as such, with the reason.
 */
import type { FleetHost } from '../desired/fleet.js';
import type { Status } from '../observability/status/types.js';
import { STATUS_FORMAT_VERSION } from '../observability/status/types.js';

export interface AgentAnswer {
  host: FleetHost;
  status?: Status;
  /** why there is no status: no agent URL, timeout, HTTP error, not a status */
  error?: string;
}

export interface FetchStatusOptions {
  token?: string;
  timeoutMs: number;
  concurrency: number;
  /** injected for tests */
  fetch?: typeof fetch;
  /** largest response accepted */
  maxBytes?: number;
}

export async function fetchStatuses(hosts: readonly FleetHost[], opts: FetchStatusOptions): Promise<AgentAnswer[]> {
  const out: AgentAnswer[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const i = next++;
      out[i] = await fetchOne(hosts[i]!, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, hosts.length)) }, worker));
  return out;
}

async function fetchOne(host: FleetHost, opts: FetchStatusOptions): Promise<AgentAnswer> {
  if (!host.agentUrl) return { host, error: 'no agent URL in the fleet file' };
  const doFetch = opts.fetch ?? fetch;
  const url = `${host.agentUrl}/status`;
  try {
    const res = await doFetch(url, {
      headers: { accept: 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: 'error',
    });
    const text = await res.text();
    if (res.status !== 200) return { host, error: `HTTP ${res.status}${res.status === 401 ? ' (token refused)' : ''}: ${text.trim().slice(0, 200)}` };
    if (text.length > (opts.maxBytes ?? 16 * 1024 * 1024)) return { host, error: 'status too large' };
    const s = JSON.parse(text) as Partial<Status>;
    if (typeof s !== 'object' || s === null || s.formatVersion !== STATUS_FORMAT_VERSION || !Array.isArray(s.guests) || !s.lastPass) {
      return { host, error: `not a vsgitops status of format ${STATUS_FORMAT_VERSION}` };
    }
    return { host, status: s as Status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message;
    return { host, error: `${url}: ${why}` };
  }
}
