import test from 'ava';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const worker = fileURLToPath(new URL('../helpers/lock-worker.js', import.meta.url));

function run(dir: string, rounds: number, crash: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dir, String(rounds), crash ? '1' : '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** One slot: `generations` processes in turn; all but the last die holding the lock. */
async function slot(dir: string, generations: number, rounds: number): Promise<number[]> {
  const codes: number[] = [];
  for (let g = 0; g < generations; g++) codes.push(await run(dir, rounds, g < generations - 1));
  return codes;
}

test('apply lock race: three processes, 300 rounds, holders that die holding it: never two holders', async (t) => {
  t.timeout(240_000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vsgitops-lockrace-'));
  const slots = await Promise.all([0, 1, 2].map(() => slot(dir, 4, 25)));
  t.deepEqual(slots, [[3, 3, 3, 0], [3, 3, 3, 0], [3, 3, 3, 0]], 'each generation ran its rounds (3 = died holding the lock)');
  const violations = await fs.readFile(path.join(dir, 'violations'), 'utf8').catch(() => '');
  t.is(violations, '', 'no round had two holders');
  const left = (await fs.readdir(dir)).filter((n) => n !== 'apply.lock');
  t.deepEqual(left, [], 'no temp, claim or holder file left behind');
});
