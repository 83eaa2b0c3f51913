import type { Command } from 'commander';
import { register as validate } from './validate.js';
import { registerObserve } from './observe.js';
import { registerApply, registerPlan } from './plan-command.js';
import { registerStatusCommand } from './status.js';
import { registerDrift } from './drift.js';
import { registerRun } from './run.js';
import { registerSim } from './sim.js';
import { registerCompletion } from './completion.js';
import { registerShow } from './show.js';

/**
 * Each CLI command lives in its own file and exports a `register` function.
 * `setExit` lets a command report a non-zero exit code without throwing
 * (e.g. plan: 2 = changes pending).
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [
  validate,
  registerPlan,
  registerApply,
  registerShow,
  registerDrift,
  registerObserve,
  (p, s) => registerStatusCommand(p, s),
  registerRun,
  registerSim,
  registerCompletion,
];
