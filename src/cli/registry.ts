import type { Command } from 'commander';

/**
 * Each CLI command lives in its own file and exports a `register` function.
 * `setExit` lets a command report a non-zero exit code without throwing
 * (e.g. plan: 2 = changes pending).
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/**
 * The commands, in help order, each with the module that defines it. A module
 * is imported only when its command runs (or all of them, for help and
 * unknown commands): `vsgitops --version` loads none (issue 12, cold start).
 */
export const commandModules: { names: string[]; load: () => Promise<RegisterCommand[]> }[] = [
  { names: ['validate'], load: async () => [(await import('./validate.js')).register] },
  { names: ['plan', 'apply'], load: async () => import('./plan-command.js').then((m) => [m.registerPlan, m.registerApply]) },
  { names: ['show'], load: async () => [(await import('./show.js')).registerShow] },
  { names: ['drift'], load: async () => [(await import('./drift.js')).registerDrift] },
  { names: ['observe'], load: async () => [(await import('./observe.js')).registerObserve] },
  { names: ['status'], load: async () => import('./status.js').then((m) => [(p: Command, s: (code: number) => void) => m.registerStatusCommand(p, s)]) },
  { names: ['run'], load: async () => [(await import('./run.js')).registerRun] },
  { names: ['sim'], load: async () => [(await import('./sim.js')).registerSim] },
  { names: ['host'], load: async () => [(await import('./host.js')).registerHost] },
  { names: ['completion'], load: async () => [(await import('./completion.js')).registerCompletion] },
  { names: ['diff'], load: async () => [(await import('./diff.js')).registerDiff] },
  { names: ['promote'], load: async () => [(await import('./promote.js')).registerPromote] },
  { names: ['fleet'], load: async () => [(await import('./fleet.js')).registerFleet] },
  { names: ['import'], load: async () => [(await import('./import.js')).registerImport] },
  { names: ['adopt'], load: async () => [(await import('./adopt.js')).registerAdopt] },
  { names: ['init'], load: async () => [(await import('./init.js')).registerInit] },
  { names: ['schema'], load: async () => [(await import('./schema.js')).registerSchema] },
];

/** The register functions for this command line: the named command's module only, else every module. */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const name = argv[0];
  // completion scripts name every command: it needs them all, like help does
  const own = name === 'completion' ? undefined : commandModules.find((m) => name !== undefined && m.names.includes(name));
  if (own) {
    const all = await own.load();
    // a module defining several commands (plan, apply): register only the one asked for
    return own.names.length > 1 ? [all[own.names.indexOf(name!)]!] : all;
  }
  return (await Promise.all(commandModules.map((m) => m.load()))).flat();
}
