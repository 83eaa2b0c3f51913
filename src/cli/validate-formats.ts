/**
 * CI renderings of a validate report: GitHub Actions workflow commands
 * (`::error file=…,line=…::message`, shown as annotations on the pull
 * request) and JUnit XML (GitLab's test report).
 */
import type { Problem } from '../errors.js';

/** GitHub's escaping for the message part of a workflow command. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** …and for property values (also ':' and ','). */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error` line per problem, then a `::notice` summary line. */
export function renderGithubAnnotations(problems: readonly Problem[], summary: string): string {
  const lines = problems.map((p) => {
    const props = [`file=${escapeProperty(p.file)}`];
    if (p.line > 0) props.push(`line=${p.line}`);
    if (p.column > 0) props.push(`col=${p.column}`);
    props.push(`title=${escapeProperty(p.path ? `vsgitops: ${p.path}` : 'vsgitops')}`);
    return `::error ${props.join(',')}::${escapeData(p.message)}`;
  });
  lines.push(`::notice title=vsgitops validate::${escapeData(summary)}`);
  return lines.join('\n') + '\n';
}

function xml(s: string): string {
  // XML 1.0 cannot carry most control characters at all: drop them
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * JUnit XML: one test case per file with problems (a failure listing them),
 * plus one passing case for the whole source when nothing is wrong.
 */
export function renderJunit(problems: readonly Problem[], opts: { name: string; files: number; guests: number }): string {
  const byFile = new Map<string, Problem[]>();
  for (const p of problems) {
    const list = byFile.get(p.file) ?? [];
    list.push(p);
    byFile.set(p.file, list);
  }
  const cases: string[] = [];
  for (const [file, list] of byFile) {
    const text = list.map((p) => `${p.line > 0 ? `${file}:${p.line}:${p.column}` : file}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
    cases.push(
      `    <testcase classname="vsgitops.validate" name="${xml(file)}" file="${xml(file)}">\n` +
        `      <failure message="${xml(`${list.length} problem${list.length === 1 ? '' : 's'}`)}" type="invalid">${xml(text)}</failure>\n` +
        '    </testcase>',
    );
  }
  if (problems.length === 0) {
    cases.push(`    <testcase classname="vsgitops.validate" name="${xml(`${opts.name}: ${opts.guests} guest${opts.guests === 1 ? '' : 's'} in ${opts.files} file${opts.files === 1 ? '' : 's'}`)}"/>`);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="vsgitops validate" tests="${cases.length}" failures="${byFile.size}">`,
    `  <testsuite name="vsgitops validate" tests="${cases.length}" failures="${byFile.size}" errors="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
