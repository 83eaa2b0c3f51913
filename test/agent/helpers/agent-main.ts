/**
 * A stand-alone `vsgitops` with only the agent commands and a fake pass that
 * appends one JSON line per pass to $PASS_LOG: lets tests run real agent
 * processes (signals, SIGKILL, lock takeover) without a VServer host.
 */
import { appendFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerRunCommands } from '../../../src/cli/run-command.js';
import { passResult } from './fake-pass.js';

const program = new Command().name('vsgitops-agent-test').exitOverride();
let code = 0;
registerRunCommands(program, (c) => (code = c), {
  createPass: (config, _log, ctx) => async (req) => {
    const revision = await ctx.currentRevision();
    appendFileSync(process.env.PASS_LOG!, JSON.stringify({ pid: process.pid, trigger: req.trigger, revision, hostName: config.hostName, dryRun: req.dryRun }) + '\n');
    return passResult('applied', req.trigger, revision);
  },
});
program.parseAsync(process.argv.slice(2), { from: 'user' }).then(
  () => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  },
);
