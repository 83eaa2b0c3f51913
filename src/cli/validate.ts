import { Option, type Command } from 'commander';
import { addHelpFooter, outputOption } from './help.js';
import { VsError, formatProblem } from '../errors.js';
import { selectForHost } from '../desired/host-select.js';
import { manifestWarnings } from '../desired/warnings.js';
import type { DesiredState } from '../desired/load.js';
import type { SourceSpec } from '../source/types.js';
import { policyFromFlags, type SignatureFlags } from '../source/signature-spec.js';
import { EXIT } from './exit.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';
import { addGitCredentialOptions, gitCredentialsFrom, refuseUrlCredentials, type GitCredentialFlags } from './git-credentials.js';
import { renderGithubAnnotations, renderJunit } from './validate-formats.js';
import type { RegisterCommand } from './registry.js';
import { escapeControl } from '../text/escape.js';

export interface ValidateCliOptions extends GitCredentialFlags {
  repo?: string;
  ref?: string;
  path?: string;
  output?: 'text' | 'json';
  format?: 'text' | 'json' | 'github' | 'junit';
  hostName?: string;
  stateDir?: string;
  hostLabel: string[];
  maxFileBytes?: string;
}

/** Builds the source from the command line; usage mistakes throw VsError('USAGE'). */
export function sourceFromArgs(dir: string | undefined, o: Pick<ValidateCliOptions, 'repo' | 'ref' | 'path'> & SignatureFlags): SourceSpec {
  const signatures = policyFromFlags(o);
  const signed = signatures ? { signatures } : {};
  if (o.repo !== undefined) {
    if (dir !== undefined) throw new VsError('USAGE', 'give either a DIR or --repo, not both');
    refuseUrlCredentials(o.repo);
    return { kind: 'git', repo: o.repo, ...(o.ref !== undefined ? { ref: o.ref } : {}), ...(o.path !== undefined ? { path: o.path } : {}), ...signed };
  }
  if (o.ref !== undefined || o.path !== undefined) throw new VsError('USAGE', '--ref and --path need --repo');
  return { kind: 'dir', dir: dir ?? '.', ...signed };
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
  const report: { formatVersion: number; ok: boolean; revision: string | null; files: number; guests: string[]; problems: DesiredState['problems']; warnings: DesiredState['problems']; host?: HostPlacement; fleet?: FleetPlacement } = {
    formatVersion: OUTPUT_FORMAT_VERSION,
    ok: state.problems.length === 0,
    revision: state.revision,
    files: state.files,
    guests: state.guests.map((g) => g.spec.name),
    problems: state.problems,
    warnings: manifestWarnings(state.guests),
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
  const lines = [...report.problems.map(formatProblem), ...report.warnings.map((w) => `warning: ${formatProblem(w)}`)];
  lines.push(validationSummary(report, sourceLabel));
  if (report.host) {
    const g = report.host.guests;
    lines.push(`host ${report.host.name}: ${g.length === 0 ? 'no guests' : g.join(', ')}`);
  }
  if (report.fleet) {
    for (const h of report.fleet.hosts) lines.push(`${h.environment} ${h.name}: ${h.guests.length === 0 ? 'no guests' : h.guests.join(', ')}`);
  }
  return escapeControl(lines.join('\n') + '\n');
}

export const register: RegisterCommand = (program: Command, setExit) => {
  const cmd = program
    .command('validate')
    .description('check manifests (schema and semantic rules) and the drift ignore list without touching any host')
    .argument('[dir]', 'directory with *.yaml / *.yml manifests (default: current directory)')
    .option('--repo <path-or-url>', 'git repository (local path or http(s) URL); manifests are read from the commit, not the working copy')
    .option('--ref <ref>', "branch, tag or commit to read (default: the repository's HEAD)")
    .option('--path <subdir>', 'folder inside the repository that holds the manifests')
    // no default: --format may name the format instead
    .addOption(outputOption().default(undefined))
    .addOption(new Option('--format <format>', 'output format; github: ::error annotations for GitHub Actions, junit: JUnit XML for GitLab').choices(['text', 'json', 'github', 'junit']))
    .option('--host-name <name>', 'also report the guests placed on this host')
    .option('--host-label <key=value>', 'a label of that host (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--state-dir <dir>', "report the guests placed on the host whose identity is stored in DIR/host.yaml (flags that differ are refused)")
    .option('--max-file-bytes <n>', 'largest manifest file accepted (default 1048576)')
    .option('--signatures <file>', 'require a signed revision: policy file (YAML: openpgpKeys, allowedSigners, paths)')
    .option('--openpgp-keys <file>', 'require a revision signed by one of these armored OpenPGP public keys (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--allowed-signers <file>', "require a revision signed by an SSH key in this allowed-signers file, git's format (repeatable)", (v: string, acc: string[] = []) => [...acc, v]);
  addHelpFooter(
    addGitCredentialOptions(cmd),
    ['vsgitops validate examples/desired-state', 'vsgitops validate --repo . --ref origin/main --path hosts --output json', 'vsgitops validate hosts --host-name vs-fra1 --host-label site=fra1', 'vsgitops validate --repo . --path hosts --format github'],
    [
      [EXIT.OK, 'all manifests valid (or no manifests)'],
      [EXIT.ERROR, 'a problem was found, or the source is unreadable'],
    ],
  ).action(async (dir: string | undefined, o: ValidateCliOptions) => {
      if (o.output !== undefined && o.format !== undefined && o.output !== o.format) throw new VsError('USAGE', 'give either --output or --format, not both');
      const format = o.format ?? o.output ?? 'text';
      const spec = sourceFromArgs(dir, o);
      const credentials = spec.kind === 'git' ? await gitCredentialsFrom(o) : undefined;
      const source: SourceSpec = spec.kind === 'git' && credentials ? { ...spec, credentials } : spec;
      const labels = parseHostLabels(o.hostLabel);
      let placement = o.hostName !== undefined ? { name: o.hostName, labels } : undefined;
      if (o.stateDir !== undefined) {
        const { readHostFile, resolveHostIdentity } = await import('../host/identity.js');
        const stored = readHostFile(o.stateDir);
        if (!stored) throw new VsError('USAGE', `--state-dir ${o.stateDir}: no host.yaml there (create it with "vsgitops host init")`);
        const id = resolveHostIdentity({ stateDir: o.stateDir, given: { ...(o.hostName !== undefined ? { name: o.hostName } : {}), ...(o.hostLabel.length > 0 ? { labels } : {}) }, defaultName: stored.name, allowChange: false });
        placement = { name: id.name, labels: id.labels };
      } else if (o.hostName === undefined && o.hostLabel.length > 0) throw new VsError('USAGE', '--host-label needs --host-name');
      const maxFileBytes = parseByteLimit(o.maxFileBytes);
      // loaded on use so that other commands and --help stay fast
      const { loadDesiredState } = await import('../desired/load.js');
      const { readIgnoreList } = await import('../observability/drift/ignore.js');
      const loaded = await loadDesiredState(source, maxFileBytes !== undefined ? { maxFileBytes } : {});
      // the drift ignore list travels with the manifests: the agent refuses a revision whose list is invalid
      const state = { ...loaded, problems: [...loaded.problems, ...readIgnoreList(loaded.ignoreFile).problems] };
      const report = validationReport(state, placement);
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
