import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import type { RegisterCommand } from './registry.js';

interface DiffOpts {
  repo: string;
  path?: string;
  from?: string;
  to: string;
  base?: string;
  environment?: string;
  output: 'text' | 'json' | 'markdown';
}

export const registerDiff: RegisterCommand = (program: Command, setExit) => {
  program
    .command('diff')
    .description("what a change does to every host of the fleet: per host and guest, each field with the planner's effect (no host access)")
    .option('--repo <path>', 'local clone of the repository', '.')
    .option('--path <subdir>', 'folder inside the repository that holds the manifests (and fleet.yaml)')
    .option('--from <rev>', 'the revision the hosts run (default: the merge base of --base and --to)')
    .option('--to <rev>', 'the revision to compare (default: HEAD)', 'HEAD')
    .option('--base <ref>', "branch the change goes into, for the default --from (default: the --environment's ref in fleet.yaml, else main)")
    .option('--environment <name>', 'only the hosts of this environment of fleet.yaml')
    .addOption(new Option('--output <format>', 'text, json, or markdown (a pull-request comment)').choices(['text', 'json', 'markdown']).default('text'))
    .addHelpText('after', '\nExit codes (as plan): 0 no changes, 2 changes, 3 changes include destruction (delete, replace, restart of a running guest), 1 error.')
    .action(async (o: DiffOpts) => {
      const { openLocalRepo, resolveCommit, mergeBase } = await import('../fleet/git-revs.js');
      const { loadDesiredState } = await import('../desired/load.js');
      const { diffFleet, diffExitCode } = await import('../fleet/diff.js');
      const { renderDiffMarkdown, renderDiffText } = await import('../fleet/diff-render.js');
      const repo = openLocalRepo(o.repo);
      const load = async (rev: string, which: string) => {
        const state = await loadDesiredState({ kind: 'git', repo: o.repo, ref: rev, ...(o.path ? { path: o.path } : {}) });
        if (state.problems.length > 0) {
          throw new VsError('MANIFEST_INVALID', `the ${which} revision ${rev.slice(0, 12)} has invalid manifests; run validate on it`, { problems: state.problems });
        }
        return state;
      };
      const to = await resolveCommit(repo, o.to, '--to');
      const toState = await load(to, '--to');
      if (o.environment !== undefined && toState.fleet && !toState.fleet.environments.some((e) => e.name === o.environment)) {
        throw new VsError('USAGE', `--environment: '${o.environment}' is not an environment of ${toState.fleet.file} (${toState.fleet.environments.map((e) => e.name).join(', ')})`);
      }
      if (o.environment !== undefined && !toState.fleet) throw new VsError('USAGE', '--environment needs a fleet.yaml at the top of the manifest path');
      let from: string;
      if (o.from !== undefined) from = await resolveCommit(repo, o.from, '--from');
      else {
        const base = o.base ?? toState.fleet?.environments.find((e) => e.name === o.environment)?.ref ?? 'main';
        from = await mergeBase(repo, await resolveCommit(repo, base, '--base'), to);
      }
      const fromState = from === to ? toState : await load(from, '--from');
      const d = diffFleet({
        from: { revision: from, guests: fromState.guests, ...(fromState.fleet ? { fleet: fromState.fleet } : {}) },
        to: { revision: to, guests: toState.guests, ...(toState.fleet ? { fleet: toState.fleet } : {}) },
        ...(o.environment !== undefined ? { environment: o.environment } : {}),
      });
      process.stdout.write(o.output === 'json' ? JSON.stringify(d, null, 2) + '\n' : o.output === 'markdown' ? renderDiffMarkdown(d) : renderDiffText(d));
      setExit(diffExitCode(d));
    });
};
