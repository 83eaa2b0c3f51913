#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, commandOf, describeError, exitCodeFor, wantsJson } from './exit.js';
import { VsError } from '../errors.js';
import { loadCommands } from './registry.js';
import { errorDocument } from './json-output.js';
import { versionLine } from '../build-info.js';

/** Entry point: builds the command tree, runs it, and maps the outcome to an exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('vsgitops')
    .description('Declarative GitOps reconciler for Linux-VServer hosts')
    .version(versionLine(), '-V, --version', 'print the version and the git commit it was built from')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code = EXIT.OK as number;
  // `--version` alone needs no command; otherwise only the named command's module is loaded
  const version = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V');
  for (const register of version ? [] : await loadCommands(argv)) {
    register(program, (c) => {
      code = c;
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (caught) {
    let err = caught;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      // commander has already printed its message on stderr
      err = new VsError('USAGE', err.message.replace(/^error: /, ''));
    } else {
      process.stderr.write(describeError(err) + '\n');
    }
    // --output json: stdout always holds one JSON document, errors included
    if (wantsJson(argv)) process.stdout.write(JSON.stringify(errorDocument(err), null, 2) + '\n');
    return exitCodeFor(err, commandOf(argv));
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
