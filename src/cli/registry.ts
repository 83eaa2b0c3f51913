import type { Command } from 'commander';
import { registerSim } from './sim.js';

/**
 * Each CLI command lives in its own file and exports a `register` function.
 * `setExit` lets a command report a non-zero exit code without throwing
 * (e.g. plan: 2 = changes pending).
 */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerSim];
