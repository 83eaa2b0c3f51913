import test from 'ava';
import { formatDuration, parseDuration } from '../../src/text/duration.js';
import { summarizePass } from '../../src/agent/pass-log.js';
import { isVsError } from '../../src/errors.js';
import { passResult } from '../agent/helpers/fake-pass.js';

const good: [string | number, number][] = [
  [60, 60_000], ['60', 60_000], ['1.5', 1500], ['500ms', 500], ['30s', 30_000], ['5m', 300_000],
  ['2h', 7_200_000], ['1h30m', 5_400_000], ['1d', 86_400_000], [' 10s ', 10_000], [0, 0],
];
for (const [input, ms] of good) test(`parseDuration(${JSON.stringify(input)})`, (t) => t.is(parseDuration(input), ms));

for (const input of ['', 'soon', '5 m', '10x', 'm5', '5m10', -1]) {
  test(`parseDuration rejects ${JSON.stringify(input)}`, (t) => {
    const err = t.throws(() => parseDuration(input as string | number, '--for'));
    t.true(isVsError(err, 'USAGE'));
    t.regex(err!.message, /--for/);
  });
}

test('formatDuration', (t) => {
  t.is(formatDuration(500), '500ms');
  t.is(formatDuration(90_000), '1m30s');
  t.is(formatDuration(7_200_000), '2h');
});

test('summarizePass: one line of fields per pass', (t) => {
  const r = passResult('applied', 'git+webhook', 'abc');
  r.durationMs = 42;
  r.changeSet = { revision: 'abc', hostName: 'h', entries: [], summary: { created: 2, updated: 1 }, ok: true };
  t.deepEqual(summarizePass(r), { passId: 'p', trigger: 'git+webhook', revision: 'abc', appliedRevision: 'abc', durationMs: 42, result: 'applied', changes: { created: 2, updated: 1 } });
  const f = passResult('failed', 'retry');
  f.error = { code: 'COMMAND_FAILED', message: 'vserver a start: exit 1' };
  t.deepEqual(summarizePass(f).error, f.error);
});
