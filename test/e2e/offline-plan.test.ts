/**
 * Offline plan: `observe --output json` is a versioned snapshot with the
 * inventory; `plan --observed FILE` plans against it exactly like against the
 * host, with no host access.
 */
import test from 'ava';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cli, manifest, tempDir } from '../helpers/e2e.js';

test('plan --observed gives the plan the host gives; the snapshot carries formatVersion and the inventory', async (t) => {
  const dir = await tempDir('offline-plan');
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const m = path.join(dir, 'm');
  await fsp.mkdir(m);
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001 }));
  await fsp.writeFile(path.join(m, 'db.yaml'), manifest({ name: 'db', context: 1002 }));
  const applied = await cli(['apply', m, '--host', `sim:${sim}`, '--yes']);
  t.is(applied.exitCode, 0, applied.stderr);

  // the next revision: web's limit changes, db leaves git (deleted: vsgitops owns it)
  await fsp.writeFile(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001, nproc: 300 }));
  await fsp.rm(path.join(m, 'db.yaml'));

  const obs = await cli(['observe', '--host', `sim:${sim}`, '--output', 'json']);
  t.is(obs.exitCode, 0, obs.stderr);
  const snap = JSON.parse(obs.stdout) as { formatVersion: number; kind: string; hostName: string; guests: unknown[]; inventory: { guests: Record<string, unknown> } };
  t.is(snap.formatVersion, 1);
  t.is(snap.kind, 'vsgitops.observation');
  t.is(snap.hostName, 'host-a');
  t.deepEqual(Object.keys(snap.inventory.guests).sort(), ['db', 'web']);
  const file = path.join(dir, 'host.json');
  await fsp.writeFile(file, obs.stdout);

  const live = await cli(['plan', m, '--host', `sim:${sim}`, '--output', 'json']);
  // the host is gone: an offline plan must not need it
  await fsp.rm(sim, { recursive: true, force: true });
  const offline = await cli(['plan', m, '--observed', file, '--output', 'json']);
  t.is(offline.exitCode, live.exitCode, offline.stderr);
  t.is(offline.exitCode, 3, 'a delete is destructive');
  t.deepEqual(JSON.parse(offline.stdout), JSON.parse(live.stdout));
  const text = await cli(['plan', m, '--observed', file]);
  t.regex(text.stdout, /limits\.nproc/);

  await fsp.writeFile(file, JSON.stringify({ ...snap, formatVersion: 99 }));
  const old = await cli(['plan', m, '--observed', file]);
  t.is(old.exitCode, 1);
  t.regex(old.stderr, /format version 99; this vsgitops reads version 1/);
});
