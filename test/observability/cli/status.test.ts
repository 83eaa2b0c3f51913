import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Command } from 'commander';
import { registerStatusCommand } from '../../../src/cli/status.js';
import { isVsError } from '../../../src/errors.js';
import { buildStatus } from '../../../src/observability/status/build.js';
import { writeStatus } from '../../../src/observability/status/store.js';
import { writeSuspension } from '../../../src/agent/suspend.js';
import { changeSet, entry, item, pass, plan } from '../helpers/fixtures.js';

async function runStatus(args: string[]) {
  const out: string[] = [];
  const codes: number[] = [];
  const program = new Command().exitOverride();
  registerStatusCommand(program, (c) => codes.push(c), { write: (s) => out.push(s), now: () => Date.parse('2026-11-26T10:05:00Z') });
  await program.parseAsync(['status', ...args], { from: 'user' });
  return { out: out.join(''), codes };
}

async function stateWithStatus() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vsg-cli-'));
  const p = pass({
    result: 'failed',
    revision: 'r2',
    appliedRevision: 'r1',
    finishedAt: '2026-11-26T10:02:00Z',
    error: { code: 'COMMAND_FAILED', message: '1 action failed' },
    plan: plan([]),
    changeSet: changeSet([entry('web', 'failed', { error: { code: 'COMMAND_FAILED', message: 'vlimit exit 1' } }), entry('db', 'unchanged')]),
    drift: [item('web', 'failed', 'f', { message: 'update web failed: vlimit exit 1' })],
    guests: [{ name: 'web', mode: 'enforce' }, { name: 'db', mode: 'warn' }],
  });
  const status = buildStatus(undefined, p, '2026-11-26T10:02:00Z');
  return { root, status };
}

test('status --state-dir prints a table for people', async (t) => {
  const { root, status } = await stateWithStatus();
  await writeStatus(root, status);
  const { out, codes } = await runStatus(['--state-dir', root]);
  t.deepEqual(codes, [0]);
  t.regex(out, /applied revision:\s+r1/);
  t.regex(out, /attempted revision:\s+r2/);
  t.regex(out, /last pass:\s+failed 3m ago/);
  t.regex(out, /error:\s+COMMAND_FAILED: 1 action failed/);
  t.regex(out, /^GUEST\s+MODE\s+READY\s+PROGRESSING\s+DRIFTED\s+FAILED\s+SUSPENDED\s+REASON\s+SINCE$/m);
  t.regex(out, /^db\s+warn\s+True\s+False\s+False\s+False\s+False\s+ReconciliationSucceeded\s+3m ago$/m);
  t.regex(out, /^web\s+enforce\s+False\s+False\s+False\s+True\s+False\s+COMMAND_FAILED\s+3m ago$/m);
  t.regex(out, /web: Failed: update web failed: vlimit exit 1/);
  t.regex(out, /last change set \(revision abc123\): failed 1, unchanged 1 \[failed\]/);
});

test('status --host sim:DIR --output json prints the status file', async (t) => {
  const { root, status } = await stateWithStatus();
  await writeStatus(path.join(root, 'var/lib/vsgitops'), status);
  const { out } = await runStatus(['--host', `sim:${root}`, '--output', 'json']);
  // the status file, plus what only the moment of asking knows: the last pass's age, the suspension in force
  t.deepEqual(JSON.parse(out), { ...status, lastPassAgeSeconds: 180, suspension: null });
});

test('status shows the suspension in force (text and JSON), and none once it has ended', async (t) => {
  const { root, status } = await stateWithStatus();
  await writeStatus(root, status);
  // 10:05 is "now" in runStatus
  const rec = await writeSuspension(root, { reason: 'disk swap', forMs: 3_600_000, now: Date.parse('2026-11-26T10:00:00Z'), by: 'alice' });
  const text = await runStatus(['--state-dir', root]);
  t.regex(text.out, /suspended:\s+yes, by alice 5m ago, until 2026-11-26T11:00:00.000Z: disk swap/);
  t.regex(text.out, /last pass:\s+failed 3m ago/);
  const json = JSON.parse((await runStatus(['--state-dir', root, '--output', 'json'])).out) as { suspension: unknown; lastPassAgeSeconds: number };
  t.deepEqual(json.suspension, rec);
  t.is(json.lastPassAgeSeconds, 180);
  // a suspension past its deadline is not in force
  await writeSuspension(root, { reason: 'old', forMs: 60_000, now: Date.parse('2026-11-26T09:00:00Z'), by: 'bob' });
  t.regex((await runStatus(['--state-dir', root])).out, /suspended:\s+no\n/);
  t.is((JSON.parse((await runStatus(['--state-dir', root, '--output', 'json'])).out) as { suspension: unknown }).suspension, null);
});

test('status without a status file is an error naming the directory', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vsg-cli-'));
  const err = await t.throwsAsync(runStatus(['--state-dir', root]));
  t.true(isVsError(err, 'HOST'));
  t.true(err!.message.includes(root));
});
