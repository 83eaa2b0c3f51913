/**
 * Every command's real `--output json` document validates against its schema in schemas/output/
 * (with ajv), and carries formatVersion. The commands run against a simulated host.
 */
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { cli, manifest, tempDir, TestRepo } from '../helpers/e2e.js';

const schemaDir = fileURLToPath(new URL('../../../schemas/output/', import.meta.url));
const ajv = new Ajv({ allErrors: true, strict: false });
for (const f of fs.readdirSync(schemaDir)) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')) as object);
const validator = (name: string) => ajv.getSchema(`https://vsgitops.io/schemas/output/${name}.schema.json`)!;

function check(t: import('ava').ExecutionContext, name: string, stdout: string): Record<string, unknown> {
  const doc = JSON.parse(stdout) as Record<string, unknown>;
  const v = validator(name);
  t.true(v(doc), `${name}: ${ajv.errorsText(v.errors)}\n${stdout.slice(0, 2000)}`);
  t.is(doc.formatVersion, 1, `${name} carries formatVersion`);
  return doc;
}

test('each command\'s JSON output matches its schema', async (t) => {
  const dir = await tempDir('schemas');
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const repo = await TestRepo.create(dir);
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1301 }), 'db.yaml': manifest({ name: 'db', context: 1302, state: 'stopped' }) });
  const src = ['--repo', repo.dir, '--path', 'manifests'];
  const host = ['--host', `sim:${sim}`];
  const json = ['--output', 'json'];

  check(t, 'validate', (await cli(['validate', ...src, '--host-name', 'host-a', ...json])).stdout);
  const plan = await cli(['plan', ...src, ...host, ...json]);
  t.is(plan.exitCode, 2);
  check(t, 'plan', plan.stdout);
  check(t, 'plan', (await cli(['apply', ...src, ...host, '--dry-run', ...json])).stdout);
  const apply = await cli(['apply', ...src, ...host, ...json]);
  t.is(apply.exitCode, 0, apply.stderr);
  const applied = check(t, 'apply', apply.stdout) as { changeSet: { entries: unknown[] } };
  t.is(applied.changeSet.entries.length, 2);
  check(t, 'apply', (await cli(['apply', ...src, ...host, ...json])).stdout); // nothing to do: changeSet null
  // hand-edit a guest so that drift has something to report
  await repo.commit({ 'web.yaml': manifest({ name: 'web', context: 1301, nproc: 250 }) });
  const drift = await cli(['drift', ...src, ...host, ...json]);
  t.is(drift.exitCode, 4);
  check(t, 'drift', drift.stdout);
  check(t, 'observe', (await cli(['observe', ...host, ...json])).stdout);
  const once = await cli(['run', '--once', ...src, ...host]);
  t.is(once.exitCode, 0, once.stderr);
  check(t, 'status', (await cli(['status', ...host, ...json])).stdout);
  check(t, 'suspend', (await cli(['suspend', ...host, '--reason', 'test', '--for', '1h', ...json])).stdout);
  check(t, 'resume', (await cli(['resume', ...host, ...json])).stdout);
  check(t, 'resume', (await cli(['resume', ...host, ...json])).stdout);

  for (const args of [
    ['plan', ...src, ...host, '--ref', 'no-such-branch'],
    ['validate', '--no-such-flag'],
    ['status', '--host', `sim:${path.join(dir, 'nothing')}`],
    ['apply', ...src, ...host, '--plan', path.join(dir, 'missing.json')],
  ]) {
    const r = await cli([...args, ...json]);
    t.not(r.exitCode, 0);
    check(t, 'error', r.stdout);
  }
});
