/**
 * Issue 14: journal recovery must not race a build left running. An apply
 * killed with SIGKILL leaves its `vserver NAME build` child running
 * (util-vserver goes on without its caller). The next apply finds it by a
 * process scan, waits for it (bounded by the build timeout, at most 2 min),
 * and only then marks the guest as its own; a build still running after the
 * wait leaves the guest blocked ("build in progress", exit 5) for that pass,
 * and nothing is written into its configuration meanwhile.
 */
import test from 'ava';
import path from 'node:path';
import fsp from 'node:fs/promises';
import { execa } from 'execa';
import { CLI, cli, exists, manifest, readText, tempDir, TestRepo } from '../helpers/e2e.js';

/**
 * A `vserver` shim whose first `web build` kills its caller (the apply), then
 * waits until the test opens its gate (DIR/go; at most 5 min) before building;
 * its exit code goes to DIR/orphan-rc. A gate, not a fixed sleep: on a loaded
 * machine the next apply may take any time to start.
 */
async function setup(prefix: string) {
  const dir = await tempDir(prefix);
  const repo = await TestRepo.create(dir);
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  if (init.exitCode !== 0) throw new Error(init.stderr);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1001 }) });
  const shim = path.join(sim, 'bin/vserver');
  const real = path.join(sim, 'bin/vserver.real');
  await fsp.rename(shim, real);
  const once = path.join(dir, 'killed');
  const rc = path.join(dir, 'orphan-rc');
  await fsp.writeFile(
    shim,
    [
      '#!/bin/sh',
      `if [ "$1" = web ] && [ "$2" = build ] && [ ! -e "${once}" ]; then`,
      `  : > "${once}"; kill -9 $PPID; n=0; while [ ! -e "${dir}/go" ] && [ $n -lt 1500 ]; do sleep 0.2; n=$((n+1)); done`,
      `  "${real}" "$@" > "${dir}/orphan.log" 2>&1; echo $? > "${rc}.tmp"; mv "${rc}.tmp" "${rc}"; exit 0`,
      'fi',
      `exec "${real}" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { dir, sim, rc, openGate: () => fsp.writeFile(path.join(dir, 'go'), ''), src: ['--repo', repo.dir, '--path', 'manifests', '--host', `sim:${sim}`] };
}

async function waitFor(file: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await exists(file)) return true;
  return false;
}

test('the apply after a killed one waits for the build it left running, then marks the guest and converges (the orphaned build is not raced)', async (t) => {
  const env = await setup('orphan-wait');
  const first = await cli(['apply', ...env.src, '--yes']);
  t.not(first.exitCode, 0, 'the apply was killed');
  t.false(await exists(env.rc), 'its build is still running');

  const child = execa(process.execPath, [CLI, 'apply', ...env.src, '--yes'], { reject: false, env: { VSGITOPS_LOG_LEVEL: 'warn' }, stdin: 'ignore', timeout: 300_000 });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  for (const end = Date.now() + 240_000; !/waiting for it/.test(stderr) && child.exitCode === null && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
  t.regex(stderr, /vserver web build \(pid \d+\) is still running, left by the interrupted apply; waiting for it/);
  t.false(await exists(env.rc), 'the build had not ended when the apply began to wait');
  await env.openGate();
  const second = await child;
  t.is(second.exitCode, 0, second.stdout + second.stderr);
  t.true(await exists(env.rc), 'the second apply went on only after the orphaned build ended');
  t.is((await readText(env.rc)).trim(), '0', 'the orphaned build succeeded: nobody built or wrote web under it');
  t.regex(second.stdout, /web \(built by it\) marked as managed/);
  t.true(await exists(path.join(env.sim, 'etc/vservers/web/.vsgitops')));
  t.false(await exists(path.join(env.sim, 'var/lib/vsgitops/apply-journal.jsonl')));
  const again = await cli(['plan', ...env.src]);
  t.is(again.exitCode, 0, again.stdout);
  t.regex(again.stdout, /No changes/);
});

test('a build still running after the bounded wait blocks its guest for that pass (exit 5, nothing written); a later apply finishes it', async (t) => {
  const env = await setup('orphan-block');
  t.not((await cli(['apply', ...env.src, '--yes'])).exitCode, 0);
  const second = await cli(['apply', ...env.src, '--yes', '--build-timeout', '1s']);
  t.is(second.exitCode, 5, second.stdout + second.stderr);
  t.regex(second.stdout, /web: build in progress: vserver web build \(pid \d+\), left running by an interrupted apply/);
  t.false(await exists(env.rc), 'the build was still running');
  t.false(await exists(path.join(env.sim, 'etc/vservers/web/.vsgitops')), 'nothing written into it');
  t.true(await exists(path.join(env.sim, 'var/lib/vsgitops/apply-journal.jsonl')), 'the interrupted create is kept for the next pass');

  await env.openGate();
  t.true(await waitFor(env.rc, 90_000), 'the orphaned build ends');
  t.is((await readText(env.rc)).trim(), '0');
  const third = await cli(['apply', ...env.src, '--yes']);
  t.is(third.exitCode, 0, third.stdout + third.stderr);
  t.regex(third.stdout, /web \(built by it\) marked as managed/);
  t.regex(third.stdout, /started web/);
  t.false(await exists(path.join(env.sim, 'var/lib/vsgitops/apply-journal.jsonl')));
});
