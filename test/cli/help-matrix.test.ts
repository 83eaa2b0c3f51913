/**
 * Every command's --help, checked as a matrix: one name per concept (--repo, --ref, --host,
 * --state-dir, -c/--config, --output text|json), no retired flag shown, and every help ending with
 * examples and the exit codes, with the same usage-error code everywhere.
 */
import test from 'ava';
import { cli } from '../helpers/e2e.js';

const SOURCE = ['validate', 'plan', 'apply', 'drift', 'run'];
const HOST = ['plan', 'apply', 'drift', 'observe', 'status', 'run', 'suspend', 'resume'];
const OUTPUT = ['validate', 'plan', 'apply', 'drift', 'observe', 'status', 'suspend', 'resume'];
const ALL = [...new Set([...SOURCE, ...HOST, ...OUTPUT, 'show', 'completion', 'sim', 'sim init', 'init', 'schema'])];

const helps = new Map<string, Promise<string>>();
function help(cmd: string): Promise<string> {
  if (!helps.has(cmd)) {
    helps.set(
      cmd,
      cli([...cmd.split(' '), '--help']).then((r) => {
        if (r.exitCode !== 0) throw new Error(`${cmd} --help exited ${r.exitCode}: ${r.stderr}`);
        return r.stdout;
      }),
    );
  }
  return helps.get(cmd)!;
}

/** The option names a help text lists, e.g. ["-c", "--config", "--host", ...]. */
function flags(text: string): Set<string> {
  const options = text.split(/\nOptions:\n/)[1]?.split(/\n\n/)[0] ?? '';
  const out = new Set<string>();
  for (const line of options.split('\n')) {
    const m = /^ {2}((?:-{1,2}[A-Za-z][\w-]*(?:, )?)+)/.exec(line);
    if (m) for (const f of m[1]!.split(', ')) out.add(f.trim());
  }
  return out;
}

for (const cmd of ALL) {
  test(`${cmd} --help: flag matrix, examples, exit codes`, async (t) => {
    const text = await help(cmd);
    const f = flags(text);
    t.true(f.size > 0, 'options parsed');
    if (SOURCE.includes(cmd)) for (const o of ['--repo', '--ref', '--path']) t.true(f.has(o), `${cmd} has ${o}`);
    if (HOST.includes(cmd)) for (const o of ['--host', '--state-dir', '-c', '--config']) t.true(f.has(o), `${cmd} has ${o}`);
    if (OUTPUT.includes(cmd)) {
      t.true(f.has('--output'), `${cmd} has --output`);
      t.regex(text, /--output <format>\s+text for people, json for scripts/);
    }
    for (const retired of ['--source', '--label']) t.false(f.has(retired), `${cmd} does not show ${retired}`);
    if (f.has('--ref')) t.regex(text, /--ref <[a-z]+>\s+[^\n]*\n?[^\n]*HEAD/, 'one --ref default: HEAD');
    t.regex(text, /\nExamples:\n( {2}\$ [^\n]*vsgitops [^\n]+\n)+\nExit codes:\n/);
    const codes = text.split('\nExit codes:\n')[1]!.trim().split('\n');
    t.true(codes.length >= 2);
    t.regex(codes[0]!, /^ {0,2}0 /);
    t.regex(codes[codes.length - 1]!, /^ {0,2}64 +usage error/);
    t.is(codes.filter((c) => /usage/.test(c)).length, 1, 'one usage code, no other line claims it');
  });
}

test('the top-level help lists every command', async (t) => {
  const r = await cli(['--help']);
  for (const cmd of ['validate', 'plan', 'apply', 'show', 'drift', 'observe', 'status', 'run', 'suspend', 'resume', 'sim', 'completion', 'init', 'schema']) t.regex(r.stdout, new RegExp(`\\n  ${cmd} `));
});
