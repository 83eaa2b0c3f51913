/**
 * `vsgitops run`: alert sinks are part of the configuration, so a sink whose secret cannot be read
 * fails the command before the first pass — the host is left as it was.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cli, manifest, tempDir, TestRepo } from '../helpers/e2e.js';

test('run --once with an unreadable slack urlFile exits 1 naming the sink and changes nothing', async (t) => {
  const dir = await tempDir('run-config');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  const init = await cli(['sim', 'init', sim, '--name', 'host-a']);
  t.is(init.exitCode, 0, init.stderr);
  const repo = await TestRepo.create(dir);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1101 }) });
  const missing = path.join(dir, 'no-such-slack-url');
  const config = path.join(dir, 'agent.yaml');
  await fsp.writeFile(
    config,
    [
      `source: {url: ${repo.dir}, ref: main, path: manifests}`,
      'hostName: host-a',
      `host: sim:${sim}`,
      'alerts:',
      '  sinks:',
      '    - {type: log}',
      `    - {type: slack, urlFile: ${missing}}`,
      '',
    ].join('\n'),
  );

  const r = await cli(['run', '--config', config, '--once']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /alerts\.sinks\[1\] url: cannot read .*no-such-slack-url: ENOENT/);
  t.deepEqual(await fsp.readdir(path.join(sim, 'etc/vservers')).then((e) => e.filter((n) => !n.startsWith('.'))), []);
  const observe = await cli(['observe', '--host', `sim:${sim}`, '--output', 'json']);
  t.is(observe.exitCode, 0, observe.stderr);
  t.deepEqual((JSON.parse(observe.stdout) as { guests: unknown[] }).guests, []);
});
