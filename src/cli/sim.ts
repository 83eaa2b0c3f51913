import type { Command } from 'commander';
import type { RegisterCommand } from './registry.js';
import { EXIT } from './exit.js';
import { addHelpFooter } from './help.js';
import { simInit } from '../sim/init.js';

/** `vsgitops sim init DIR [--name NAME]`: create (or refresh) a simulated VServer host. */
export const registerSim: RegisterCommand = (program: Command) => {
  const sim = program.command('sim').description('simulated Linux-VServer hosts (for tests and demos)');
  addHelpFooter(sim, ['vsgitops sim init /tmp/host1 --name host1'], [
    [EXIT.OK, 'success'],
    [EXIT.ERROR, 'error'],
  ]);
  const init = sim
    .command('init')
    .description('create a simulated host rooted at DIR (idempotent; refuses a non-empty foreign DIR)')
    .argument('<dir>', 'host root directory')
    .option('--name <name>', 'host name (default: sim-<basename of DIR>)');
  addHelpFooter(init, ['vsgitops sim init /tmp/host1 --name host1', 'vsgitops observe --host sim:/tmp/host1'], [
    [EXIT.OK, 'created, or already initialised'],
    [EXIT.ERROR, 'DIR is not empty and not a simulated host, or not writable'],
  ]).action((dir: string, opts: { name?: string }) => {
      const r = simInit(dir, { name: opts.name });
      process.stdout.write(
        `${r.created ? 'created' : 'already initialised:'} simulated host "${r.name}" at ${r.host.dir}\n` +
          `use --host sim:${r.host.dir}; tools in ${r.host.paths.binDir}\n`,
      );
    });
};
