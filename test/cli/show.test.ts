/** `vsgitops show plan.json`: a saved plan re-rendered as text, JSON and Markdown; colour rules. */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useColor } from '../../src/reconciler/render.js';
import { cli, manifest, tempDir } from '../helpers/e2e.js';

test('show re-renders a saved plan as text, JSON and Markdown, with the plan exit codes', async (t) => {
  const dir = await tempDir('show');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const m = path.join(dir, 'm');
  await fsp.mkdir(m);
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1401 }));
  const file = path.join(dir, 'plan.json');
  const plan = await cli(['plan', m, '--host', `sim:${sim}`, '--out', file]);
  t.is(plan.exitCode, 2, plan.stderr);

  const text = await cli(['show', file]);
  t.is(text.exitCode, 2);
  t.is(text.stdout, plan.stdout, 'the same text as plan printed');
  t.regex(text.stdout, /\+ {3}create web at \S*\/m\/web\.yaml:1 /);
  t.false(text.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');

  const json = await cli(['show', file, '--output', 'json']);
  t.deepEqual(JSON.parse(json.stdout), JSON.parse(await fsp.readFile(file, 'utf8')));
  const md = await cli(['show', file, '--output', 'markdown']);
  t.regex(md.stdout, /^### vsgitops plan for host `host-a`/);
  t.regex(md.stdout, /\| `\+` \| create \| `web` \| `\S*\/m\/web\.yaml:1` \|/);

  await fsp.writeFile(path.join(dir, 'bad.json'), '{"formatVersion": 99}');
  t.is((await cli(['show', path.join(dir, 'bad.json')])).exitCode, 1);
  t.is((await cli(['show', file, '--output', 'html'])).exitCode, 64);
});

test('colour: only on a terminal, never with NO_COLOR or --no-color', (t) => {
  t.true(useColor(undefined, { isTTY: true }, {}));
  t.false(useColor(undefined, { isTTY: false }, {}));
  t.false(useColor(undefined, {}, {}));
  t.false(useColor(undefined, { isTTY: true }, { NO_COLOR: '1' }));
  t.true(useColor(undefined, { isTTY: true }, { NO_COLOR: '' }), 'an empty NO_COLOR does not count (no-color.org)');
  t.false(useColor(false, { isTTY: true }, {}));
});
