/**
 * The environment a child process gets: never the agent's own. The agent's
 * environment holds the webhook secret, the Slack URL and git tokens
 * (VSGITOPS_*, *_TOKEN, …); util-vserver commands, build methods and alert
 * commands need none of it. They get PATH, the locale and the time zone, and
 * nothing else unless a configuration names it.
 */
export const CHILD_ENV_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const PASSED = new Set(['PATH', 'LANG', 'LANGUAGE', 'TZ']);

export function minimalChildEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    if (PASSED.has(k) || k.startsWith('LC_')) out[k] = v;
  }
  out.PATH ??= CHILD_ENV_DEFAULT_PATH;
  return out;
}
