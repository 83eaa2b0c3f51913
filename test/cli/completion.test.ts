/** `vsgitops completion bash`, run by bash: it completes the commands and flags of this build. */
import test from 'ava';
import { execa } from 'execa';
import { CLI } from '../helpers/e2e.js';

async function complete(words: string[]): Promise<string[]> {
  const script = `source <("${process.execPath}" "${CLI}" completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _vsgitops; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await execa('bash', ['-c', script]);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('completes the new commands, their flags and values', async (t) => {
  t.deepEqual(await complete(['vsgitops', 'in']), ['init']);
  t.deepEqual(await complete(['vsgitops', 'sch']), ['schema']);
  t.deepEqual(await complete(['vsgitops', 'init', '--ci', 'g']), ['github', 'gitlab']);
  t.deepEqual(await complete(['vsgitops', 'schema', 'f']), ['fleet']);
  t.deepEqual(await complete(['vsgitops', 'apply', '--prog']), ['--progress-interval']);
  t.deepEqual(await complete(['vsgitops', 'init', '--fo']), ['--force']);
});
