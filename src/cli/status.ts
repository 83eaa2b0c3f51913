import { stringifyExact } from '../text/json.js';
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { renderStatus } from '../observability/status/render.js';
import { readStatus } from '../observability/status/store.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import { applyConfigFile } from './config-defaults.js';
import { EXIT } from './exit.js';
import { addHelpFooter, configOption, outputOption, type OutputFormat } from './help.js';
import { readSuspensionRecord, suspensionAt } from '../agent/suspend.js';

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
  const cmd = program
    .command('status')
    .description('show the last reconcile pass (and how long ago it finished), the suspension in force, per-guest conditions and drift from the state directory')
    .option('--host <host>', 'host whose agent to report on: "local" or "sim:DIR" (a simulated host)', 'local')
    .option('--state-dir <dir>', 'state directory (default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR)')
    .addOption(configOption())
    .addOption(outputOption());
  addHelpFooter(cmd, ['vsgitops status', 'vsgitops status -c /etc/vsgitops/agent.yaml --output json', 'vsgitops status --host sim:/tmp/host1'], [
    [EXIT.OK, 'status shown'],
    [EXIT.ERROR, 'no pass recorded yet, or the status file is unreadable'],
  ]).action(async (opts: { stateDir?: string; host: string; config?: string; output: OutputFormat }, c: Command) => {
      await applyConfigFile(c, opts);
      const stateDir = parseHostSpec(opts.host, opts.stateDir).stateDir;
      const status = await readStatus(stateDir);
      if (!status) throw new VsError('HOST', `no status in ${stateDir}: the agent has not finished a pass yet`, { stateDir });
      // what the file cannot know: how old the last pass is now, and the suspension in force now
      const at = now();
      const record = await readSuspensionRecord(stateDir);
      const suspension = record && suspensionAt(record, at).active ? record : null;
      const lastPassAgeSeconds = Math.max(0, Math.floor((at - Date.parse(status.lastPass.finishedAt)) / 1000));
      write(opts.output === 'json' ? stringifyExact({ ...status, lastPassAgeSeconds, suspension }) + '\n' : renderStatus(status, at, { suspension }));
      setExit(0);
    });
}
