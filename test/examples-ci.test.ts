/**
 * The CI recipes in examples/ci/ call only commands and flags that exist, with
 * no secret on a command line (the commands themselves are run end to end in
 * test/e2e/fleet-promote.test.ts).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { parse } from 'yaml';

const main = path.resolve('dist/src/cli/main.js');
const RECIPES = ['examples/ci/github-actions.yml', 'examples/ci/gitlab-ci.yml'];

/** Every `vsgitops …` invocation in a recipe's shell lines (continuations joined). */
function invocations(text: string): string[][] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const out: string[][] = [];
  for (const l of lines) {
    if (/^\s*#/.test(l)) continue;
    for (const m of l.matchAll(/\bvsgitops\s+([a-z][^;|>&#]*)/g)) {
      if (/^vsgitops@/.test(m[0]) || /install/.test(l)) continue;
      out.push(m[1]!.trim().split(/\s+/));
    }
  }
  return out;
}

for (const recipe of RECIPES) {
  test(`${recipe}: YAML, and every vsgitops flag exists in that command's --help`, async (t) => {
    const text = await fsp.readFile(recipe, 'utf8');
    t.notThrows(() => parse(text));
    const calls = invocations(text);
    t.true(calls.length >= 4, `found ${calls.length} invocations`);
    const seen = new Set<string>();
    const helps = new Map<string, Promise<string>>();
    for (const argv of calls) {
      const words = argv.filter((a, i) => !a.startsWith('-') && (i === 0 || (argv[0] === 'fleet' && i === 1)));
      const cmd = words.join(' ');
      seen.add(cmd);
      if (!helps.has(cmd)) helps.set(cmd, execa('node', [main, ...words, '--help'], { reject: false }).then((r) => r.stdout));
      const help = await helps.get(cmd)!;
      t.regex(help, /^Usage: vsgitops /, `vsgitops ${cmd} exists`);
      for (const flag of argv.filter((a) => a.startsWith('--'))) {
        t.true(help.includes(flag.split('=')[0]! + ' ') || help.includes(flag.split('=')[0]! + ','), `${recipe}: vsgitops ${cmd} has no ${flag}`);
      }
      t.false(argv.some((a) => /TOKEN|PASSWORD/.test(a) && !a.startsWith('--')), `${recipe}: a secret on the command line: ${argv.join(' ')}`);
    }
    for (const c of ['validate', 'diff', 'promote']) t.true(seen.has(c), `${recipe} runs ${c}`);
  });
}
