import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import { addAgentQueryOptions, agentQueryOptions, type AgentQueryFlags } from './agent-token.js';
import { EXIT } from './exit.js';
import { addGitCredentialOptions, gitCredentialsFrom, type GitCredentialFlags } from './git-credentials.js';
import type { RegisterCommand } from './registry.js';
import { sourceFromArgs } from './validate.js';

interface FleetStatusOpts extends AgentQueryFlags, GitCredentialFlags {
  repo?: string;
  ref?: string;
  path?: string;
  environment?: string;
  output: 'table' | 'json';
}

export const FLEET_STATUS_FORMAT_VERSION = 1;

export const registerFleet: RegisterCommand = (program: Command, setExit) => {
  const fleet = program.command('fleet').description('the hosts of a fleet file, through their agents');
  const status = fleet
    .command('status')
    .description("one row per host of fleet.yaml, from its agent's /status: revision applied, converged, drift, failed guests, last pass age, suspended")
    .argument('[dir]', 'directory holding fleet.yaml (default: current directory)')
    .option('--repo <path-or-url>', 'read fleet.yaml from a git repository instead')
    .option('--ref <ref>', 'branch, tag or commit with --repo (default: HEAD)')
    .option('--path <subdir>', 'folder inside the repository with --repo')
    .option('--environment <name>', 'only the hosts of this environment')
    .addOption(new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExit codes: 0 every host answered and is converged, 4 some host is not converged or did not answer, 1 error, 2 usage error.');
  addGitCredentialOptions(addAgentQueryOptions(status)).action(async (dir: string | undefined, o: FleetStatusOpts) => {
    const query = await agentQueryOptions(o);
    const spec = sourceFromArgs(dir, o);
    const credentials = spec.kind === 'git' ? await gitCredentialsFrom(o) : undefined;
    const { readFleet } = await import('../fleet/read-fleet.js');
    const { fetchStatuses } = await import('../fleet/agent-client.js');
    const { judgeHost, renderHealthTable } = await import('../fleet/health.js');
    const f = await readFleet(spec.kind === 'git' && credentials ? { ...spec, credentials } : spec);
    if (o.environment !== undefined && !f.environments.some((e) => e.name === o.environment)) {
      throw new VsError('USAGE', `--environment: '${o.environment}' is not an environment of ${f.file} (${f.environments.map((e) => e.name).join(', ')})`);
    }
    const hosts = f.hosts.filter((h) => o.environment === undefined || h.environment === o.environment);
    const answers = await fetchStatuses(hosts, query);
    const now = Date.now();
    const health = answers.map((a) => judgeHost(a, now));
    if (o.output === 'json') {
      process.stdout.write(JSON.stringify({ formatVersion: FLEET_STATUS_FORMAT_VERSION, checkedAt: new Date(now).toISOString(), hosts: health }, null, 2) + '\n');
    } else {
      process.stdout.write(renderHealthTable(health));
      const ok = health.filter((h) => h.converged).length;
      process.stdout.write(`${ok} of ${health.length} host${health.length === 1 ? '' : 's'} converged${health.some((h) => !h.answered) ? `, ${health.filter((h) => !h.answered).length} did not answer` : ''}\n`);
    }
    setExit(health.every((h) => h.converged) ? EXIT.OK : EXIT.DRIFT);
  });
};
