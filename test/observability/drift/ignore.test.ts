import test from 'ava';
import { isVsError, type Problem } from '../../../src/errors.js';
import { expiredIgnoreWarnings, parseIgnoreFile } from '../../../src/observability/drift/ignore.js';

test('parses a valid ignore list with source lines; expires stays a string', (t) => {
  const text = `# known noise
ignore:
  - guest: "web*"
    kind: runtime
    fields: [limits.nproc]
    reason: vendor agent raises nproc at boot
    expires: 2026-12-31
  - guest: db
    reason: migration window
    expires: 2027-01-15T06:00:00Z
`;
  const entries = parseIgnoreFile(text, 'repo/vsgitops-ignore.yaml');
  t.deepEqual(entries, [
    { guest: 'web*', kind: 'runtime', fields: ['limits.nproc'], reason: 'vendor agent raises nproc at boot', expires: '2026-12-31', source: { file: 'repo/vsgitops-ignore.yaml', line: 3 } },
    { guest: 'db', reason: 'migration window', expires: '2027-01-15T06:00:00Z', source: { file: 'repo/vsgitops-ignore.yaml', line: 8 } },
  ]);
});

test('empty file and empty list give no entries', (t) => {
  t.deepEqual(parseIgnoreFile(''), []);
  t.deepEqual(parseIgnoreFile('ignore: []\n'), []);
});

const problemsOf = (text: string): Problem[] => {
  try {
    parseIgnoreFile(text, 'ign.yaml');
  } catch (err) {
    if (isVsError(err, 'MANIFEST_INVALID')) return err.data.problems as Problem[];
    throw err;
  }
  throw new Error('expected the ignore list to be rejected');
};

const invalid: { title: string; text: string; line: number; path: string; message: RegExp }[] = [
  { title: 'missing reason', text: 'ignore:\n  - guest: web\n    expires: 2026-12-31\n', line: 2, path: 'ignore[0]', message: /needs "reason"/ },
  { title: 'missing expires', text: 'ignore:\n  - guest: a\n    reason: ok\n    expires: 2026-01-01\n  - guest: web\n    reason: r\n', line: 5, path: 'ignore[1]', message: /needs "expires"/ },
  { title: 'blank reason', text: 'ignore:\n  - guest: web\n    reason: "  "\n    expires: 2026-12-31\n', line: 3, path: 'ignore[0].reason', message: /must not be empty/ },
  { title: 'bad date format', text: 'ignore:\n  - guest: web\n    reason: r\n    expires: next week\n', line: 4, path: 'ignore[0].expires', message: /YYYY-MM-DD/ },
  { title: 'impossible date', text: 'ignore:\n  - guest: web\n    reason: r\n    expires: 2026-02-30\n', line: 4, path: 'ignore[0].expires', message: /not a valid date/ },
  { title: 'unknown kind', text: 'ignore:\n  - guest: web\n    kind: weird\n    reason: r\n    expires: 2026-12-31\n', line: 3, path: 'ignore[0].kind', message: /one of pending/ },
  { title: 'unknown field', text: 'ignore:\n  - guest: web\n    reson: r\n    reason: r\n    expires: 2026-12-31\n', line: 2, path: 'ignore[0]', message: /unknown field "reson"/ },
  { title: 'YAML syntax error', text: 'ignore:\n  - guest: [web\n', line: 3, path: '', message: /./ },
];

for (const c of invalid) {
  test(`rejects: ${c.title}`, (t) => {
    const problems = problemsOf(c.text);
    const p = problems.find((x) => c.message.test(x.message));
    t.truthy(p, JSON.stringify(problems));
    t.is(p!.file, 'ign.yaml');
    if (c.title !== 'YAML syntax error') {
      t.is(p!.line, c.line);
      t.is(p!.path, c.path);
    } else {
      t.true(p!.line > 0);
    }
  });
}

test('expired entries produce one warning each with file and line', (t) => {
  const entries = parseIgnoreFile('ignore:\n  - guest: a\n    reason: old\n    expires: 2026-01-01\n  - guest: b\n    reason: new\n    expires: 2027-01-01\n', 'ign.yaml');
  const warnings = expiredIgnoreWarnings(entries, '2026-11-26T00:00:00Z');
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /^ign\.yaml:2: .*guest a.*expired 2026-01-01/);
});
