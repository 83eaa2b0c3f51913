#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, describeError, exitCodeFor } from './exit.js';
import { VsError } from '../errors.js';
import { commands } from './registry.js';

/** Entry point: builds the command tree, runs it, and maps the outcome to an exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('vsgitops')
    .description('Declarative GitOps reconciler for Linux-VServer hosts')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code = EXIT.OK as number;
  for (const register of commands) {
    register(program, (c) => {
      code = c;
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    const wantJson = argv.includes('--output') && argv[argv.indexOf('--output') + 1] === 'json';
    if (wantJson && err instanceof VsError) {
      process.stdout.write(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2) + '\n');
    } else {
      process.stderr.write(describeError(err) + '\n');
    }
    return exitCodeFor(err);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(describeError(err) + '\n');
    process.exitCode = EXIT.ERROR;
  },
);
