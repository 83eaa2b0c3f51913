import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { formatProblem } from '../errors.js';
import type { ObservedHost } from '../model/guest.js';
import { execaRunner } from '../providers/command-runner.js';
import { readHostFile } from '../host/identity.js';
import { stringifyExact } from '../text/json.js';
import { parseHostSpec, type HostPaths } from '../providers/vserver/host-paths.js';
import { observeHost } from '../providers/vserver/observe.js';
import { readInventory } from '../reconciler/inventory.js';
import { makeSnapshot } from '../reconciler/snapshot.js';
import type { RegisterCommand } from './registry.js';
import { applyConfigFile } from './config-defaults.js';
import { EXIT } from './exit.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';
import { addHelpFooter, configOption, outputOption, type OutputFormat } from './help.js';
import { escapeControl } from '../text/escape.js';

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
  rows = rows.map((row) => row.map(escapeControl)); // widths of what is shown
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
  // issue 10: what the model does not carry is listed, never silently ignored
  const unmodelled = host.guests.filter((g) => (g.unmodelled ?? []).length > 0);
  if (unmodelled.length > 0) {
    out += '\nnot modelled (kept as is by apply, not managed, unless a manifest carries the file in spec.files; * = cannot be carried):\n';
    for (const g of unmodelled) {
      const carriable = new Set(Object.keys(g.spec.files ?? {}));
      out += `  ${g.spec.name}: ${g.unmodelled!.map((u) => (carriable.has(u) ? u : `${u}*`)).join(', ')}\n`;
    }
  }
  const problems = [...(host.problems ?? []), ...host.guests.flatMap((g) => g.problems ?? [])];
  if (problems.length > 0) {
    out += '\nproblems:\n' + problems.map((p) => '  ' + formatProblem(p)).join('\n') + '\n';
  }
  return escapeControl(out);
}

export const registerObserve: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('observe')
    .description("read a host's actual state: running contexts (/proc/virtual, /proc/virtnet) and configured guests (/etc/vservers)")
    .option('--host <host>', 'host to read: "local" or "sim:DIR" (a simulated host)', 'local')
    .option('--host-name <name>', 'name of this host (default: sim DIR/etc/hostname, else the machine name)')
    .option('--state-dir <dir>', 'state directory holding the inventory and host.yaml (default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR)')
    .addOption(configOption())
    .addOption(outputOption());
  addHelpFooter(cmd, ['vsgitops observe', 'vsgitops observe --host sim:/tmp/host1 --output json'], [
    [EXIT.OK, 'the host was read'],
    [EXIT.ERROR, 'error: the host is unreadable'],
  ]).action(async (opts: { host: string; hostName?: string; stateDir?: string; config?: string; output: OutputFormat }, c: Command) => {
      await applyConfigFile(c, opts);
      const paths = parseHostSpec(opts.host, opts.stateDir);
      // the host file (STATE_DIR/host.yaml) names this host once it exists
      const hostName = opts.hostName ?? readHostFile(paths.stateDir)?.name ?? (await defaultHostName(paths));
      const host = await observeHost(paths, { hostName, runner: execaRunner({ timeoutMs: 10_000 }) });
      if (opts.output === 'json') {
        // a versioned snapshot with the inventory: `plan --observed FILE` plans against it offline
        const inventory = await readInventory(paths.stateDir);
        process.stdout.write(stringifyExact(makeSnapshot(host, inventory, new Date().toISOString())) + '\n');
      } else process.stdout.write(renderObserveTable(host));
    });
};
