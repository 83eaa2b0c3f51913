/**
 * Issue 13, done-when: README's command tables and examples match `--help`. The tables (header
 * "| command | what it does |") must name every command and subcommand the CLI has and no other,
 * and every flag they show must be one that command's --help lists; so must every `vsgitops …`
 * example in the README (code spans and code blocks). The man page names every command too.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/e2e.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

interface Help {
  commands: string[];
  flags: Set<string>;
}

/** "Commands:" and "Options:" of one --help text. */
function parseHelp(text: string): Help {
  const section = (name: string) => text.split(new RegExp(`\\n${name}:\\n`))[1]?.split(/\n\n/)[0] ?? '';
  const commands = section('Commands')
    .split('\n')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');
  const flags = new Set<string>(['-h', '--help']);
  for (const line of section('Options').split('\n')) {
    const m = /^ {2}((?:-{1,2}[A-Za-z][\w-]*(?:, )?)+)/.exec(line);
    if (m) for (const f of m[1]!.split(', ')) flags.add(f.trim());
  }
  // commander lists --no-color for --color negations; both spellings are the flag's
  return { commands, flags };
}

const helps = new Map<string, Promise<Help>>();
function help(cmd: string[]): Promise<Help> {
  const key = cmd.join(' ');
  if (!helps.has(key)) {
    helps.set(
      key,
      cli([...cmd, '--help']).then((r) => {
        if (r.exitCode !== 0) throw new Error(`${key} --help exited ${r.exitCode}: ${r.stderr}`);
        return parseHelp(r.stdout);
      }),
    );
  }
  return helps.get(key)!;
}

/** Every command path the CLI has: "plan", "sim init", "fleet status", ... */
async function allCommands(): Promise<Map<string, Help>> {
  const out = new Map<string, Help>();
  const top = await help([]);
  await Promise.all(
    top.commands.map(async (c) => {
      const h = await help([c]);
      out.set(c, h);
      await Promise.all(h.commands.map(async (s) => out.set(`${c} ${s}`, await help([c, s]))));
    }),
  );
  return out;
}

/** The command path a `vsgitops …` text names, and the flags it uses. */
function mention(text: string, known: Map<string, Help>): { command: string; flags: string[] } | undefined {
  const words = text.replace(/^vsgitops\s+/, '').split(/\s+/);
  const two = `${words[0]} ${words[1]}`;
  const command = known.has(two) ? two : known.has(words[0]!) ? words[0]! : undefined;
  if (command === undefined) return undefined;
  return { command, flags: flagsIn(text) };
}

function flagsIn(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s[|(])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]!).filter((f) => !/^-\d/.test(f));
}

/** Rows of the README tables headed "| command | what it does |": the first cell's code spans. */
function tableRows(): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of readme.split('\n')) {
    if (/^\| command \| what it does \|/.test(line)) {
      inTable = true;
      continue;
    }
    if (!line.startsWith('|')) inTable = false;
    if (!inTable || /^\|---/.test(line)) continue;
    const first = line.replace(/\\\|/g, '\u0000').split('|')[1]!.replace(/\u0000/g, '|');
    rows.push([...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  }
  return rows;
}

test("README's command tables name exactly the CLI's commands, with flags that --help lists", async (t) => {
  const known = await allCommands();
  t.true(known.size > 20, [...known.keys()].join(', '));
  const seen = new Set<string>();
  let checked = 0;
  const rows = tableRows();
  t.true(rows.length > 15, 'tables found');
  for (const spans of rows) {
    let last: string | undefined;
    for (const span of spans) {
      const m = span.startsWith('vsgitops ') || known.has(span.split(/\s+/)[0]!) ? mention(span, known) : undefined;
      if (span.startsWith('vsgitops ') && !m) {
        t.fail(`README table names "${span}", which is no command of vsgitops`);
        continue;
      }
      const command = m?.command ?? last;
      if (!command) continue;
      if (m) {
        seen.add(m.command);
        last = m.command;
      }
      const flags = m ? m.flags : flagsIn(span);
      checked += flags.length;
      for (const f of flags) t.true(known.get(command)!.flags.has(f), `README: "${span}": vsgitops ${command} --help has no ${f}`);
    }
  }
  // commands with subcommands are named through their subcommands
  const leaves = [...known.keys()].filter((c) => known.get(c)!.commands.length === 0);
  const missing = leaves.filter((c) => !seen.has(c) && !(c.includes(' ') === false && [...seen].some((s) => s.startsWith(c + ' '))));
  t.deepEqual(missing, [], 'every command is in a README command table');
  t.true(checked > 40, `${checked} flags checked`);
});

test('every `vsgitops …` example in the README uses a command and flags that --help lists', async (t) => {
  const known = await allCommands();
  const examples = [
    ...[...readme.matchAll(/`(vsgitops [^`]+)`/g)].map((m) => m[1]!),
    ...readme
      .split(/^```.*$/m)
      .filter((_, i) => i % 2 === 1)
      .flatMap((block) => block.split('\n'))
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter((l) => l.startsWith('vsgitops ')),
  ];
  t.true(examples.length > 20);
  let checked = 0;
  for (const ex of examples) {
    if (/^vsgitops (--version|-V)\b/.test(ex)) continue;
    const m = mention(ex, known);
    if (!m) {
      t.fail(`README example "${ex}" names no command of vsgitops`);
      continue;
    }
    checked += m.flags.length;
    for (const f of m.flags) t.true(known.get(m.command)!.flags.has(f), `README example "${ex}": vsgitops ${m.command} --help has no ${f}`);
  }
  t.true(checked > 40, `${checked} flags checked`);
});

test('the man page names every top-level command', async (t) => {
  const man = fs.readFileSync(path.join(repoRoot, 'man/vsgitops.1'), 'utf8');
  const section = man.split('.SH COMMANDS')[1]!.split('.SH ')[0]!;
  const named = new Set([...section.matchAll(/^\.B (.+)$/gm)].flatMap((m) => m[1]!.replace(/\\-/g, '-').split(/\s+|\\fR\/\\fB|,/)));
  const top = (await help([])).commands;
  t.deepEqual(top.filter((c) => !named.has(c)), []);
});
