/** The end of every command's --help: examples, then the exit codes (usage errors are 64 everywhere). */
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import { EXIT } from './exit.js';

export function helpFooter(examples: string[], codes: Array<[number, string]>): string {
  const all: Array<[number, string]> = [...codes, [EXIT.USAGE, 'usage error: unknown option, bad or missing value']];
  return (
    '\nExamples:\n' +
    examples.map((e) => `  $ ${e}`).join('\n') +
    '\n\nExit codes:\n' +
    all.map(([c, m]) => `  ${String(c).padEnd(3)} ${m}`).join('\n') +
    '\n'
  );
}

export function addHelpFooter(cmd: Command, examples: string[], codes: Array<[number, string]>): Command {
  return cmd.addHelpText('after', helpFooter(examples, codes));
}

export type OutputFormat = 'text' | 'json';

/** `--output text|json`, the same words on every command that prints data. */
export function outputOption(): Option {
  return new Option('--output <format>', 'text for people, json for scripts (one versioned JSON document on stdout)')
    .default('text')
    .argParser((v: string) => {
      // "table" was observe's and status's word for text
      if (v === 'text' || v === 'table') return 'text';
      if (v === 'json') return 'json';
      throw new VsError('USAGE', `--output must be text or json, got "${v}"`);
    });
}

/** `-c/--config FILE`: the agent configuration, whose values fill in what the flags leave out. */
export function configOption(): Option {
  return new Option('-c, --config <file>', 'agent configuration (YAML, e.g. /etc/vsgitops/agent.yaml): its source, host, host name, labels and state directory apply unless a flag overrides them');
}
