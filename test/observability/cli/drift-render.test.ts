import test from 'ava';
import { driftExitCode, renderDrift } from '../../../src/cli/drift-render.js';
import { item } from '../helpers/fixtures.js';

test('driftExitCode: 0 without drift or with only ignored drift, 4 otherwise', (t) => {
  const ignored = item('web', 'config', 'f', { ignored: { reason: 'r', expires: '2027-01-01' } });
  const cases: [Parameters<typeof driftExitCode>[0], 0 | 4][] = [
    [[], 0],
    [[ignored], 0],
    [[ignored, item('db', 'runtime', 'g')], 4],
    [[item('db', 'pending', 'p')], 4],
    [[{ ...item('x', 'unmanaged', 'u'), guest: undefined, xid: 7 }], 4],
  ];
  for (const [items, code] of cases) t.is(driftExitCode(items), code);
});

test('renderDrift: table, messages, failure details and summary', (t) => {
  const out = renderDrift([
    item('web', 'failed', 'f', { message: 'update web failed: boom', command: ['vlimit', '-c', '101'], exitCode: 1, stderrTail: 'line1\nline2\n' }),
    item('db', 'runtime', 'g', { fields: ['limits.nproc.hard', 'nodename'], mode: 'warn', message: 'runtime drift on db: x' }),
    { ...item('x', 'unmanaged', 'u', { message: 'unmanaged xid 7: no config', mode: 'warn' }), guest: undefined, xid: 7 },
    item('db', 'config', 'h', { ignored: { reason: 'vendor agent', expires: '2027-01-01' } }),
  ]);
  const lines = out.split('\n');
  t.regex(lines[0]!, /^KIND\s+GUEST\s+MODE\s+FIELDS\s+NOTE$/);
  t.regex(lines[1]!, /^failed\s+web\s+enforce\s+-$/);
  t.regex(lines[2]!, /^runtime\s+db\s+warn\s+limits\.nproc\.hard,nodename$/);
  t.regex(lines[3]!, /^unmanaged\s+xid 7\s+warn\s+-$/);
  t.regex(lines[4]!, /^config\s+db\s+enforce\s+-\s+ignored until 2027-01-01: vendor agent$/);
  t.true(out.includes('- update web failed: boom\n    command: vlimit -c 101 (exit 1)\n    | line1\n    | line2\n'));
  t.true(out.endsWith('\n3 drift items, 1 ignored\n'));
  t.is(renderDrift([]), 'no drift\n');
});
