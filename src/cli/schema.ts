/** `vsgitops schema [NAME]`: prints a JSON Schema this version uses (the manifest's by default), or its stable $id. */
import type { Command } from 'commander';
import { EXIT } from './exit.js';
import { addHelpFooter } from './help.js';
import type { RegisterCommand } from './registry.js';
import { readSchema, schemaNames } from './schema-files.js';

export const registerSchema: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('schema')
    .description('print a JSON Schema: manifest (default), fleet, ignore, agent-config or output/COMMAND; each has a stable $id (https://vsgitops.io/schemas/...)')
    .argument('[name]', 'manifest, fleet, ignore, agent-config, or output/plan, output/status, ...', 'manifest')
    .option('--id', "print only the schema's $id (the same URL in every release)")
    .option('--list', 'list the schema names with their $id');
  addHelpFooter(
    cmd,
    ['vsgitops schema > vserver.schema.json', 'vsgitops schema fleet --id', 'vsgitops schema --list', 'vsgitops schema output/plan'],
    [
      [EXIT.OK, 'the schema was printed'],
      [EXIT.ERROR, 'the package has no schemas directory'],
    ],
  ).action((name: string, o: { id?: boolean; list?: boolean }) => {
    if (o.list) {
      process.stdout.write(schemaNames().map((n) => `${n.padEnd(20)} ${readSchema(n).id}`).join('\n') + '\n');
      return;
    }
    const s = readSchema(name);
    process.stdout.write(o.id ? s.id + '\n' : s.text.endsWith('\n') ? s.text : s.text + '\n');
  });
};
