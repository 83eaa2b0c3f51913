import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { VsError, formatProblem } from '../errors.js';
import type { ObservedHost } from '../model/guest.js';
import { execaRunner } from '../providers/command-runner.js';
import { parseHostSpec, type HostPaths } from '../providers/vserver/host-paths.js';
import { observeHost } from '../providers/vserver/observe.js';
import { readInventory } from '../reconciler/inventory.js';
import { makeSnapshot } from '../reconciler/snapshot.js';
import type { RegisterCommand } from './registry.js';

/** --host-name default: a simulated host's DIR/etc/hostname (first line), else this machine's name. */
export async function defaultHostName(paths: HostPaths, fs: Pick<typeof fsp, 'readFile'> = fsp): Promise<string> {
  if (paths.kind === 'sim') {
    try {
      const name = (await fs.readFile(path.join(paths.root, 'etc/hostname'), 'utf8')).split('\n')[0]!.trim();
      if (name !== '') return name;
    } catch {
      // no hostname file: fall through
    }
  }
  return os.hostname();
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The human view of an observed host. */
export function renderObserveTable(host: ObservedHost): string {
  const rows: string[][] = [['NAME', 'CTX', 'STATE', 'TASKS', 'MANAGED', 'INTERFACES', 'NOTES']];
  for (const g of host.guests) {
    const notes: string[] = [];
    if (g.staleRunFile) notes.push('stale run file');
    if (g.runtime && g.runtime.xid !== g.spec.context) notes.push(`running at ${g.runtime.xid}`);
    if (g.problems?.length) notes.push(`${g.problems.length} problem${g.problems.length > 1 ? 's' : ''}`);
    const ifaces = g.spec.interfaces.map((i) => `${i.address}/${i.prefix}${i.device ? '@' + i.device : ''}`).join(',');
    rows.push([
      g.spec.name,
      String(g.runtime?.xid ?? (g.spec.context || '-')),
      g.running ? 'running' : 'stopped',
      g.runtime ? String(g.runtime.tasks) : '-',
      g.managed ? 'yes' : 'no',
      ifaces || '-',
      notes.join('; '),
    ]);
  }
  let out = `host ${host.hostName}${host.vciVersion ? ` (VCI ${host.vciVersion})` : ''}: ${host.guests.length} guest(s), ${host.guests.filter((g) => g.running).length} running\n`;
  out += host.guests.length > 0 ? table(rows) : 'no guests configured\n';
  if (host.unmanagedContexts.length > 0) {
    out += '\nunmanaged contexts (running, no config dir explains them):\n';
    out += table([['XID', 'TASKS'], ...host.unmanagedContexts.map((c) => [String(c.xid), String(c.tasks)])]);
  }
  const problems = [...(host.problems ?? []), ...host.guests.flatMap((g) => g.problems ?? [])];
  if (problems.length > 0) {
    out += '\nproblems:\n' + problems.map((p) => '  ' + formatProblem(p)).join('\n') + '\n';
  }
  return out;
}

export const registerObserve: RegisterCommand = (program: Command) => {
  program
    .command('observe')
    .description("read a host's actual state: running contexts (/proc/virtual, /proc/virtnet) and configured guests (/etc/vservers)")
    .requiredOption('--host <host>', 'local | sim:DIR')
    .option('--host-name <name>', 'name of this host (default: sim DIR/etc/hostname, else the machine name)')
    .option('--output <format>', 'table | json (a versioned snapshot with the inventory, for plan --observed)', 'table')
    .option('--state-dir <dir>', 'state directory holding the inventory (default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR)')
    .action(async (opts: { host: string; hostName?: string; output: string; stateDir?: string }) => {
      if (opts.output !== 'table' && opts.output !== 'json') throw new VsError('USAGE', `--output must be "table" or "json", got "${opts.output}"`);
      const paths = parseHostSpec(opts.host, opts.stateDir);
      const hostName = opts.hostName ?? (await defaultHostName(paths));
      const host = await observeHost(paths, { hostName, runner: execaRunner({ timeoutMs: 10_000 }) });
      if (opts.output === 'json') {
        const inventory = await readInventory(paths.stateDir);
        process.stdout.write(JSON.stringify(makeSnapshot(host, inventory, new Date().toISOString()), null, 2) + '\n');
      } else process.stdout.write(renderObserveTable(host));
    });
};
