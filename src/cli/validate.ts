import { Option, type Command } from 'commander';
import { VsError, formatProblem } from '../errors.js';
import { selectForHost } from '../desired/host-select.js';
import type { DesiredState } from '../desired/load.js';
import type { SourceSpec } from '../source/types.js';
import { EXIT } from './exit.js';
import { addGitCredentialOptions, gitCredentialsFrom, refuseUrlCredentials, type GitCredentialFlags } from './git-credentials.js';
import { renderGithubAnnotations, renderJunit } from './validate-formats.js';
import type { RegisterCommand } from './registry.js';

export interface ValidateCliOptions extends GitCredentialFlags {
  repo?: string;
  ref?: string;
  path?: string;
  output?: 'text' | 'json';
  format?: 'text' | 'json' | 'github' | 'junit';
  hostName?: string;
  hostLabel: string[];
  maxFileBytes?: string;
}

/** Builds the source from the command line; usage mistakes throw VsError('USAGE'). */
export function sourceFromArgs(dir: string | undefined, o: Pick<ValidateCliOptions, 'repo' | 'ref' | 'path'>): SourceSpec {
  if (o.repo !== undefined) {
    if (dir !== undefined) throw new VsError('USAGE', 'give either a DIR or --repo, not both');
    refuseUrlCredentials(o.repo);
    return { kind: 'git', repo: o.repo, ...(o.ref !== undefined ? { ref: o.ref } : {}), ...(o.path !== undefined ? { path: o.path } : {}) };
  }
  if (o.ref !== undefined || o.path !== undefined) throw new VsError('USAGE', '--ref and --path need --repo');
  return { kind: 'dir', dir: dir ?? '.' };
}

export function parseHostLabels(items: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._/-]{0,62})=([A-Za-z0-9._-]{0,63})$/.exec(item);
    if (!m) throw new VsError('USAGE', `--host-label needs key=value (got '${item}')`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

function parseByteLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,12}$/.test(text)) throw new VsError('USAGE', `--max-file-bytes needs a positive integer (got '${text}')`);
  return Number(text);
}

export interface HostPlacement {
  name: string;
  labels: Record<string, string>;
  guests: string[];
}

export interface FleetPlacement {
  file: string;
  environments: { name: string; ref: string }[];
  hosts: { name: string; environment: string; labels: Record<string, string>; guests: string[] }[];
}

/** The validate report as data (the JSON output). */
export function validationReport(state: DesiredState, host?: { name: string; labels: Record<string, string> }) {
  const report: { ok: boolean; revision: string | null; files: number; guests: string[]; problems: DesiredState['problems']; host?: HostPlacement; fleet?: FleetPlacement } = {
    ok: state.problems.length === 0,
    revision: state.revision,
    files: state.files,
    guests: state.guests.map((g) => g.spec.name),
    problems: state.problems,
  };
  if (host) report.host = { ...host, guests: selectForHost(state.guests, host).map((g) => g.spec.name) };
  if (state.fleet) {
    report.fleet = {
      file: state.fleet.file,
      environments: state.fleet.environments,
      hosts: state.fleet.hosts.map((h) => ({ name: h.name, environment: h.environment, labels: h.labels, guests: selectForHost(state.guests, h).map((g) => g.spec.name) })),
    };
  }
  return report;
}

/** The one-line verdict: ok / invalid / no manifests. */
export function validationSummary(report: ReturnType<typeof validationReport>, sourceLabel: string): string {
  const rev = report.revision ? ` at ${report.revision.slice(0, 12)}` : '';
  const files = `${report.files} file${report.files === 1 ? '' : 's'}`;
  if (report.ok) {
    return report.files === 0 ? `no manifests found in ${sourceLabel}${rev}` : `ok: ${report.guests.length} guest${report.guests.length === 1 ? '' : 's'} in ${files}${rev}`;
  }
  return `invalid: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${files}${rev}`;
}

/** Text rendering: one line per problem, then a summary. */
export function renderValidationText(report: ReturnType<typeof validationReport>, sourceLabel: string): string {
  const lines = report.problems.map(formatProblem);
  lines.push(validationSummary(report, sourceLabel));
  if (report.host) {
    const g = report.host.guests;
    lines.push(`host ${report.host.name}: ${g.length === 0 ? 'no guests' : g.join(', ')}`);
  }
  if (report.fleet) {
    for (const h of report.fleet.hosts) lines.push(`${h.environment} ${h.name}: ${h.guests.length === 0 ? 'no guests' : h.guests.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

export const register: RegisterCommand = (program: Command, setExit) => {
  const cmd = program
    .command('validate')
    .description('check manifests (schema and semantic rules) and the drift ignore list without touching any host')
    .argument('[dir]', 'directory with *.yaml / *.yml manifests (default: current directory)')
    .option('--repo <path-or-url>', 'read from a git repository (local path or http(s) URL) instead of a directory')
    .option('--ref <ref>', 'branch, tag or commit to read with --repo (default: HEAD)')
    .option('--path <subdir>', 'directory inside the repository with --repo')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']))
    .addOption(new Option('--format <format>', 'output format; github: ::error annotations for GitHub Actions, junit: JUnit XML for GitLab').choices(['text', 'json', 'github', 'junit']))
    .option('--host-name <name>', 'also report the guests placed on this host')
    .option('--host-label <key=value>', 'a label of that host (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--max-file-bytes <n>', 'largest manifest file accepted (default 1048576)')
    .addHelpText('after', '\nExit codes: 0 all manifests valid, 1 a problem was found, 2 usage error.')
  addGitCredentialOptions(cmd)
    .action(async (dir: string | undefined, o: ValidateCliOptions) => {
      if (o.output !== undefined && o.format !== undefined && o.output !== o.format) throw new VsError('USAGE', 'give either --output or --format, not both');
      const format = o.format ?? o.output ?? 'text';
      const spec = sourceFromArgs(dir, o);
      const credentials = spec.kind === 'git' ? await gitCredentialsFrom(o) : undefined;
      const source: SourceSpec = spec.kind === 'git' && credentials ? { ...spec, credentials } : spec;
      const labels = parseHostLabels(o.hostLabel);
      if (o.hostName === undefined && o.hostLabel.length > 0) throw new VsError('USAGE', '--host-label needs --host-name');
      const maxFileBytes = parseByteLimit(o.maxFileBytes);
      // loaded on use so that other commands and --help stay fast
      const { loadDesiredState } = await import('../desired/load.js');
      const { readIgnoreList } = await import('../observability/drift/ignore.js');
      const loaded = await loadDesiredState(source, maxFileBytes !== undefined ? { maxFileBytes } : {});
      // the drift ignore list travels with the manifests: the agent refuses a revision whose list is invalid
      const state = { ...loaded, problems: [...loaded.problems, ...readIgnoreList(loaded.ignoreFile).problems] };
      const report = validationReport(state, o.hostName !== undefined ? { name: o.hostName, labels } : undefined);
      const label = source.kind === 'dir' ? source.dir : `${source.repo}${source.path ? `:${source.path}` : ''}`;
      const text = renderValidationText(report, label);
      const summary = validationSummary(report, label);
      process.stdout.write(
        format === 'json' ? JSON.stringify(report, null, 2) + '\n'
          : format === 'github' ? renderGithubAnnotations(report.problems, summary)
            : format === 'junit' ? renderJunit(report.problems, { name: label, files: report.files, guests: report.guests.length })
              : text,
      );
      setExit(report.ok ? EXIT.OK : EXIT.ERROR);
    });
};
