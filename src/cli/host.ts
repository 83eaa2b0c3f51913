/** `vsgitops host init` and `vsgitops host show`: this host's stored identity (STATE_DIR/host.yaml). */
import { Option, type Command } from 'commander';
import { VsError } from '../errors.js';
import { hostFilePath, readHostFile, resolveHostIdentity, writeHostFile } from '../host/identity.js';
import { parseHostSpec } from '../providers/vserver/host-paths.js';
import { defaultHostName, parseLabels } from './options.js';
import type { RegisterCommand } from './registry.js';
import { EXIT } from './exit.js';
import { helpFooter, outputOption } from './help.js';
import { OUTPUT_FORMAT_VERSION } from './json-output.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface HostCmdOpts {
  host: string;
  stateDir?: string;
  name?: string;
  label?: string[];
  hostIdentityChange?: boolean;
  output?: 'text' | 'json';
}

const withHost = (cmd: Command) =>
  cmd
    .addOption(new Option('--host <host>', 'host: "local" or "sim:DIR"').default('local'))
    .option('--state-dir <dir>', 'state directory holding host.yaml (default /var/lib/vsgitops, or DIR/var/lib/vsgitops for sim:DIR)');

export const registerHost: RegisterCommand = (program, setExit) => {
  const host = program.command('host').description("this host's identity (name and labels), stored in STATE_DIR/host.yaml and read by every command");
  withHost(host.command('init'))
    .description('store the name and labels that place manifests on this host')
    .option('--name <name>', "the host's name (default: the machine's host name; DIR/etc/hostname for sim:DIR)")
    .option('--label <key=value>', 'a label of this host (repeatable)', collect)
    .option('--host-identity-change', 'replace an existing host file whose name or labels differ')
    .addHelpText('after', helpFooter(
      ['vsgitops host init --name vs-fra1 --label site=fra1 --label tier=frontend', 'vsgitops host init --host sim:.demo/vs-fra1 --label site=fra1'],
      [[EXIT.OK, 'stored (or already so)'], [EXIT.ERROR, 'the host file differs (give --host-identity-change) or cannot be written']],
    ))
    .action(async (o: HostCmdOpts) => {
      const paths = parseHostSpec(o.host, o.stateDir);
      const labels = o.label && o.label.length > 0 ? parseLabels(o.label) : undefined;
      const had = readHostFile(paths.stateDir);
      const id = resolveHostIdentity({
        stateDir: paths.stateDir,
        given: { name: o.name ?? had?.name ?? defaultHostName(paths), labels: labels ?? had?.labels ?? {} },
        defaultName: defaultHostName(paths),
        allowChange: o.hostIdentityChange === true,
      });
      await writeHostFile(paths.stateDir, { name: id.name, labels: id.labels });
      const what = !had ? 'stored' : id.changed ? 'changed' : 'unchanged';
      process.stdout.write(`host identity ${what}: ${id.name} ${formatLabels(id.labels)} (${hostFilePath(paths.stateDir)})\n`);
      setExit(0);
    });
  withHost(host.command('show'))
    .description('print the stored identity')
    .addOption(outputOption())
    .addHelpText('after', helpFooter(['vsgitops host show', 'vsgitops host show --host sim:.demo/vs-fra1 --output json'], [[EXIT.OK, 'printed'], [EXIT.ERROR, 'no host file, or it is invalid']]))
    .action((o: HostCmdOpts) => {
      const paths = parseHostSpec(o.host, o.stateDir);
      const id = readHostFile(paths.stateDir);
      if (!id) throw new VsError('CONFIG', `${hostFilePath(paths.stateDir)} does not exist: run "vsgitops host init" (or the first apply stores the identity it was given)`);
      process.stdout.write(o.output === 'json' ? JSON.stringify({ formatVersion: OUTPUT_FORMAT_VERSION, file: hostFilePath(paths.stateDir), ...id }, null, 2) + '\n' : `${id.name} ${formatLabels(id.labels)}\n`);
    });
};

function formatLabels(l: Record<string, string>): string {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? '(no labels)' : keys.map((k) => `${k}=${l[k]}`).join(',');
}
