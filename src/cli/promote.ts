import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import { addAgentQueryOptions, agentQueryOptions, type AgentQueryFlags } from './agent-token.js';
import { addGitCredentialOptions, gitCredentialsFrom, refuseUrlCredentials, type GitCredentialFlags } from './git-credentials.js';
import type { RegisterCommand } from './registry.js';

interface PromoteOpts extends AgentQueryFlags, GitCredentialFlags {
  from: string;
  to: string;
  revision?: string;
  repo: string;
  path?: string;
  dryRun?: boolean;
  push?: string;
  output: 'text' | 'json';
}

export const PROMOTE_FORMAT_VERSION = 1;

export const registerPromote: RegisterCommand = (program: Command, setExit) => {
  const cmd = program
    .command('promote')
    .description("move the target environment's ref to a revision every host of the source environment runs converged (fast-forward only)")
    .requiredOption('--from <environment>', 'source environment (its hosts are the gate)')
    .requiredOption('--to <environment>', 'target environment (its ref moves)')
    .option('--revision <rev>', "revision to promote (default: the source environment's ref)")
    .option('--repo <path>', 'local clone of the repository', '.')
    .option('--path <subdir>', 'folder inside the repository that holds fleet.yaml and the manifests')
    .option('--dry-run', "only show the gate's table and what would move")
    .option('--push <remote>', 'push the target ref to this remote (http(s); credentials from --git-password-env/--git-password-file)')
    .addOption(new Option('--output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 promoted (or, with --dry-run, the gate is open), 1 refused (gate closed, not a fast-forward) or error, 2 usage error.');
  addGitCredentialOptions(addAgentQueryOptions(cmd)).action(async (o: PromoteOpts) => {
    const query = await agentQueryOptions(o);
    const { openLocalRepo, resolveCommit, findCommit, isAncestor } = await import('../fleet/git-revs.js');
    const { loadDesiredState } = await import('../desired/load.js');
    const { environmentHosts } = await import('../desired/fleet.js');
    const { fetchStatuses } = await import('../fleet/agent-client.js');
    const { gateReasons, judgeHost, renderHealthTable } = await import('../fleet/health.js');
    const repo = openLocalRepo(o.repo);
    if (o.from === o.to) throw new VsError('USAGE', '--from and --to must differ');

    // the fleet as the revision to promote describes it
    const headOf = async (rev: string) => {
      const state = await loadDesiredState({ kind: 'git', repo: o.repo, ref: rev, ...(o.path ? { path: o.path } : {}) });
      if (!state.fleet) throw new VsError('SOURCE', `no valid fleet.yaml at ${rev.slice(0, 12)}${state.problems.length ? ` (${state.problems.length} problem(s); run validate)` : ''}`, { problems: state.problems });
      if (state.problems.length > 0) throw new VsError('MANIFEST_INVALID', `revision ${rev.slice(0, 12)} is invalid; nothing is promoted`, { problems: state.problems });
      return state.fleet;
    };
    let revision: string;
    if (o.revision !== undefined) revision = await resolveCommit(repo, o.revision, '--revision');
    else {
      // find the source environment's ref from the fleet file at HEAD, then read the fleet at that ref
      const headFleet = await headOf(await resolveCommit(repo, 'HEAD', 'HEAD'));
      const env = headFleet.environments.find((e) => e.name === o.from);
      if (!env) throw new VsError('USAGE', `--from: '${o.from}' is not an environment of ${headFleet.file}`);
      revision = await resolveCommit(repo, env.ref, `--from ${o.from}`);
    }
    const fleet = await headOf(revision);
    const source = fleet.environments.find((e) => e.name === o.from);
    const target = fleet.environments.find((e) => e.name === o.to);
    if (!source) throw new VsError('USAGE', `--from: '${o.from}' is not an environment of ${fleet.file} (${fleet.environments.map((e) => e.name).join(', ')})`);
    if (!target) throw new VsError('USAGE', `--to: '${o.to}' is not an environment of ${fleet.file} (${fleet.environments.map((e) => e.name).join(', ')})`);
    const hosts = environmentHosts(fleet, source.name);
    if (hosts.length === 0) throw new VsError('PROMOTION_REFUSED', `environment ${source.name} has no hosts: nothing vouches for ${revision.slice(0, 12)}`);

    // the gate
    const answers = await fetchStatuses(hosts, query);
    const now = Date.now();
    const health = answers.map((a) => judgeHost(a, now));
    const closed = health.filter((h) => gateReasons(h, revision).length > 0);

    // the move: fast-forward only
    const current = (await findCommit(repo, target.ref)) ?? null;
    const fastForward = current === null || (await isAncestor(repo, current, revision));
    const already = current === revision;
    const report = {
      formatVersion: PROMOTE_FORMAT_VERSION,
      from: source.name,
      to: target.name,
      revision,
      targetRef: target.ref,
      targetBefore: current,
      gate: { open: closed.length === 0, hosts: health.map((h) => ({ ...h, gate: gateReasons(h, revision) })) },
      fastForward,
      promoted: false,
      pushed: null as string | null,
      dryRun: Boolean(o.dryRun),
    };
    const say = (s: string) => {
      if (o.output === 'text') process.stdout.write(s);
    };
    say(`gate: every host of ${source.name} converged at ${revision.slice(0, 12)}\n`);
    say(renderHealthTable(health, { revision }));
    // with --output json the CLI prints the error document, the report inside it
    const refuse = (message: string): never => {
      throw new VsError('PROMOTION_REFUSED', message, { report });
    };
    if (closed.length > 0) refuse(`${closed.length} of ${health.length} host(s) of ${source.name} not converged at ${revision.slice(0, 12)} (${closed.map((h) => h.name).join(', ')}): ${target.ref} not moved`);
    if (!fastForward) refuse(`${target.ref} is at ${current!.slice(0, 12)}, which ${revision.slice(0, 12)} does not contain: not a fast-forward, not moved (merge ${target.ref} back first)`);
    if (o.dryRun) {
      say(already ? `${target.ref} is already at ${revision.slice(0, 12)}\n` : `would move ${target.ref} ${current ? current.slice(0, 12) : '(new)'} -> ${revision.slice(0, 12)} (dry run)\n`);
      if (o.output === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const git = (await import('isomorphic-git')).default;
    if (!already) await git.writeRef({ fs, gitdir: repo.gitdir, ref: `refs/heads/${target.ref}`, value: revision, force: true });
    report.promoted = true;
    say(already ? `${target.ref} is already at ${revision.slice(0, 12)}\n` : `promoted: ${target.ref} ${current ? current.slice(0, 12) : '(new)'} -> ${revision.slice(0, 12)}\n`);
    if (o.push !== undefined) {
      const credentials = await gitCredentialsFrom(o);
      const url = await remoteUrl(git, repo.gitdir, o.push);
      refuseUrlCredentials(url, `remote ${o.push}`);
      const http = (await import('isomorphic-git/http/node')).default;
      const secret = credentials?.password?.reveal();
      try {
        const r = await git.push({
          fs, http, gitdir: repo.gitdir, url, ref: `refs/heads/${target.ref}`, remoteRef: `refs/heads/${target.ref}`, force: false,
          ...(credentials ? { onAuth: () => ({ username: credentials.username ?? 'git', password: secret ?? '' }), onAuthFailure: () => ({ cancel: true }) } : {}),
        });
        if (!r.ok) throw new Error(r.error ?? 'push rejected');
      } catch (err) {
        let m = (err as Error).message;
        if (secret && secret.length >= 4) m = m.split(secret).join('[redacted]');
        throw new VsError('SOURCE', `${target.ref} moved locally, but pushing it to ${o.push} failed: ${m}`);
      }
      report.pushed = o.push;
      say(`pushed ${target.ref} to ${o.push}\n`);
    }
    if (o.output === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    setExit(0);
  });
};

async function remoteUrl(git: typeof import('isomorphic-git').default, gitdir: string, remote: string): Promise<string> {
  if (/^https?:\/\//i.test(remote)) return remote;
  const url = (await git.getConfig({ fs, gitdir, path: `remote.${remote}.url` })) as string | undefined;
  if (!url) throw new VsError('USAGE', `--push: no remote named '${remote}'`);
  if (!/^https?:\/\//i.test(url)) throw new VsError('USAGE', `--push: remote '${remote}' is ${url}; only http(s) remotes can be pushed to`);
  return url;
}
