/**
 * README "Safety" lists each guarantee of issue 14 with the tests that prove
 * it: every row names at least one test, and every named test file exists.
 */
import test from 'ava';
import fs from 'node:fs';

function safetyRows(): { guarantee: string; tests: string[] }[] {
  const readme = fs.readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n### Safety\n');
  if (start < 0) throw new Error('README.md has no "### Safety" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| **'))
    .map((l) => {
      const cells = l.split(' | ');
      const last = cells[cells.length - 1]!;
      return {
        guarantee: /\*\*(.+?)\*\*/.exec(l)![1]!,
        tests: [...last.matchAll(/`([a-z0-9-]+(?:\/[a-z0-9-]+)+)`/g)].map((m) => m[1]!),
      };
    });
}

test('every guarantee in README "Safety" names tests, and each named test file exists', (t) => {
  const rows = safetyRows();
  t.true(rows.length >= 10, `${rows.length} rows`);
  for (const r of rows) {
    t.true(r.tests.length > 0, `no test named for "${r.guarantee}"`);
    for (const name of r.tests) t.true(fs.existsSync(`test/${name}.test.ts`), `"${r.guarantee}": test/${name}.test.ts does not exist`);
  }
});

test('README "Safety" covers each defect and item of issue 14', (t) => {
  const text = safetyRows().map((r) => r.guarantee).join('\n');
  for (const topic of [/lock that holds/i, /control characters/i, /saved plan/i, /blocked/i, /secrets/i, /paths/i, /ignore list/i, /killed apply/i, /half-started/i, /build left running/i, /rolled back/i, /limits/i, /signed revisions/i]) {
    t.regex(text, topic);
  }
});
