/** recoverHalfStarts: which contexts it ends and which it leaves (fake runner; the simulated host is in e2e/crash-half-start). */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { clearStartIntent } from '../../../src/reconciler/journal.js';
import { recoverHalfStarts, type HalfStartOutcome } from '../../../src/providers/vserver/half-start.js';
import { simHostPaths } from '../../../src/providers/vserver/host-paths.js';
import type { CommandRunner } from '../../../src/providers/command-runner.js';

function setup(o: { context?: string; proc?: boolean; run?: string; vhi?: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-halfstart-'));
  const paths = simHostPaths(dir);
  const cfg = path.join(paths.etcVservers, 'web');
  fs.mkdirSync(cfg, { recursive: true });
  fs.writeFileSync(path.join(cfg, 'context'), `${o.context ?? '1001'}\n`);
  if (o.run !== undefined) fs.writeFileSync(path.join(cfg, 'run'), o.run);
  const status = path.join(paths.proc, 'virtual/1001/status');
  if (o.proc !== false) {
    fs.mkdirSync(path.dirname(status), { recursive: true });
    fs.writeFileSync(status, 'Tasks:\t1\n');
  }
  fs.mkdirSync(path.join(paths.stateDir, 'starting'), { recursive: true });
  fs.writeFileSync(path.join(paths.stateDir, 'starting/web.json'), '{}');
  const ran: string[] = [];
  const runner: CommandRunner = {
    async run(argv) {
      const cmd = [path.basename(argv[0]!), ...argv.slice(1)].join(' ');
      ran.push(cmd);
      const vhi = o.vhi === 'own' ? cfg : o.vhi;
      if (cmd.startsWith('vuname')) return { exitCode: vhi === undefined ? 255 : 0, stdout: vhi === undefined ? '' : `${vhi}\n`, stderr: '', durationMs: 1 };
      if (cmd.startsWith('vkill')) fs.rmSync(path.dirname(status), { recursive: true, force: true });
      return { exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
    },
  };
  return { paths, runner, ran, status, intentFile: path.join(paths.stateDir, 'starting/web.json') };
}

const intent = { guest: 'web', xid: 1001, revision: null, at: '' };

for (const vhi of [undefined, 'own'] as const) {
  test(`its own half-start (no run file, VHI name ${vhi ? 'its config dir' : 'not set yet'}) is ended: !persistent, vkill, vserver stop`, async (t) => {
    const env = setup({ vhi });
    const [r] = await recoverHalfStarts([intent], { paths: env.paths, runner: env.runner, log: silentLogger(), clearIntent: (g: string) => clearStartIntent(env.paths.stateDir, g), sleep: async () => undefined });
    t.is(r!.outcome, 'cleaned');
    t.deepEqual(env.ran.slice(1), ['vattribute --set --xid 1001 --flag !persistent', 'vkill --xid 1001 -s KILL', 'vserver web stop']);
    t.false(fs.existsSync(env.intentFile));
  });
}

const leftAlone: [string, Parameters<typeof setup>[0], HalfStartOutcome][] = [
  ['another configuration\'s context', { vhi: '/etc/vservers/other' }, 'not-ours'],
  ['the start finished after all (run file holds the xid)', { run: '1001\n' }, 'running'],
  ['no context any more', { proc: false }, 'gone'],
  ['the guest\'s context id changed since', { context: '1002' }, 'gone'],
];
for (const [title, o, outcome] of leftAlone) {
  test(`left alone: ${title}`, async (t) => {
    const env = setup(o);
    const [r] = await recoverHalfStarts([intent], { paths: env.paths, runner: env.runner, log: silentLogger(), clearIntent: (g: string) => clearStartIntent(env.paths.stateDir, g) });
    t.is(r!.outcome, outcome);
    t.false(env.ran.some((c) => c.startsWith('vkill') || c.startsWith('vattribute') || c.includes(' stop')), env.ran.join('; '));
    t.false(fs.existsSync(env.intentFile), 'the intent is done with');
  });
}

test('a context that does not go away keeps the intent for the next pass', async (t) => {
  const env = setup({});
  const runner: CommandRunner = { run: async (argv) => ({ exitCode: path.basename(argv[0]!) === 'vuname' ? 255 : 0, stdout: '', stderr: '', durationMs: 1 }) };
  const [r] = await recoverHalfStarts([intent], { paths: env.paths, runner, log: silentLogger(), clearIntent: (g: string) => clearStartIntent(env.paths.stateDir, g), waitMs: 50, sleep: async () => new Promise((res) => setTimeout(res, 10)) });
  t.is(r!.outcome, 'still-there');
  t.true(fs.existsSync(env.intentFile));
});
