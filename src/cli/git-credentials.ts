/**
 * Credentials for reading (or pushing to) an http(s) git repository from the
 * command line, the way the agent takes them: the password or token comes from
 * an environment variable or a file, never from argv or the URL.
 */
import type { Command } from 'commander';
import { resolveSecret, type Secret } from '../agent/secret.js';
import { VsError } from '../errors.js';

export interface GitCredentialFlags {
  gitUsername?: string;
  gitPasswordEnv?: string;
  gitPasswordFile?: string;
}

export interface GitCredentials {
  username: string | null;
  password: Secret | null;
}

/** The variable read when no --git-password-env/--git-password-file is given. */
export const DEFAULT_PASSWORD_ENV = 'VSGITOPS_GIT_PASSWORD';
export const DEFAULT_USERNAME_ENV = 'VSGITOPS_GIT_USERNAME';

export function addGitCredentialOptions(cmd: Command): Command {
  return cmd
    .option('--git-username <name>', `user name for an http(s) repository (default: $${DEFAULT_USERNAME_ENV})`)
    .option('--git-password-env <var>', `environment variable holding the password or token (default: $${DEFAULT_PASSWORD_ENV} when set)`)
    .option('--git-password-file <file>', 'file holding the password or token (first line)');
}

/** Resolves the credentials; none at all is fine (public repositories, local paths). */
export async function gitCredentialsFrom(o: GitCredentialFlags, env: NodeJS.ProcessEnv = process.env): Promise<GitCredentials | undefined> {
  if (o.gitPasswordEnv && o.gitPasswordFile) throw new VsError('USAGE', 'give either --git-password-env or --git-password-file, not both');
  const password = o.gitPasswordEnv || o.gitPasswordFile
    ? await resolveSecret({ env: o.gitPasswordEnv, file: o.gitPasswordFile }, 'git password', env)
    : env[DEFAULT_PASSWORD_ENV]
      ? await resolveSecret({ env: DEFAULT_PASSWORD_ENV }, 'git password', env)
      : null;
  const username = o.gitUsername ?? (env[DEFAULT_USERNAME_ENV] || null);
  if (!password && !username) return undefined;
  return { username, password };
}

/** Credentials written into a URL end up in shell history, process lists, logs and CI output: refused. */
export function refuseUrlCredentials(url: string, flag = '--repo'): void {
  if (!/^https?:\/\//i.test(url)) return;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VsError('USAGE', `${flag}: not a valid URL`);
  }
  if (u.username || u.password) {
    throw new VsError('USAGE', `${flag}: the URL must not contain credentials; use --git-username with --git-password-env VAR or --git-password-file FILE (or $${DEFAULT_PASSWORD_ENV})`);
  }
}
