import { stringifyExact } from '../text/json.js';
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import { renderStatus } from '../observability/status/render.js';
import { readStatus } from '../observability/status/store.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';

export interface StatusCommandDeps {
  write?: (text: string) => void;
  /** ms since epoch, for "3m ago" */
  now?: () => number;
}

/**
 * `vsgitops status [--state-dir DIR | --host sim:DIR] [--output json]`:
 * prints the status file the agent writes after every pass.
 */
export function registerStatusCommand(program: Command, setExit: (code: number) => void, deps: StatusCommandDeps = {}): void {
  const write = deps.write ?? ((s: string) => void process.stdout.write(s));
  const now = deps.now ?? Date.now;
  program
    .command('status')
    .description('show the last reconcile pass, per-guest conditions and drift from the state directory')
    .option('--state-dir <dir>', 'vsgitops state directory (default: the host\'s, /var/lib/vsgitops for --host local)')
    .option('--host <spec>', 'local or sim:DIR', 'local')
    .addOption(new Option('--output <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table'))
    .action(async (opts: { stateDir?: string; host: string; output: 'table' | 'json' }) => {
      const stateDir = parseHostSpec(opts.host, opts.stateDir).stateDir;
      const status = await readStatus(stateDir);
      if (!status) throw new VsError('HOST', `no status in ${stateDir}: the agent has not finished a pass yet`, { stateDir });
      write(opts.output === 'json' ? stringifyExact(status) + '\n' : renderStatus(status, now()));
      setExit(0);
    });
}
