/**
 * Differential tests of the js-yaml fast path (src/desired/yaml-fast.ts)
 * against the full `yaml` parse: whenever the fast path answers, the full
 * parse must accept the file with the same documents (index, start line,
 * value). Hostile input must be left to the full parse, which rejects it as
 * before.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { inWhitelist, parseManifestFast } from '../../src/desired/yaml-fast.js';
import { parseManifestText } from '../../src/desired/yaml-documents.js';
import { validateManifestFiles } from '../../src/desired/validate.js';
import type { SourceFile } from '../../src/source/types.js';
import { manifest } from './helpers.js';

const examples = fs
  .readdirSync('examples/desired-state')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => fs.readFileSync(path.join('examples/desired-state', f), 'utf8'));

/** Checks the contract on one text; returns whether the fast path answered. */
function agree(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; is: (a: unknown, b: unknown, m?: string) => void }, text: string): boolean {
  const fast = parseManifestFast('m.yaml', text);
  if (!fast) return false;
  const full = parseManifestText('m.yaml', text);
  t.deepEqual(full.problems, [], `the full parse rejects what the fast path accepted:\n${text}`);
  t.deepEqual(
    fast.map((d) => ({ index: d.index, line: d.line, value: d.value })),
    full.documents.map((d) => ({ index: d.index, line: d.line, value: d.value })),
    `documents differ:\n${text}`,
  );
  return true;
}

test('plain manifests take the fast path, with the documents the full parse gives', (t) => {
  for (const text of [benchLike(1), ...examples, manifest([]), `# comment\n---\n${manifest([])}---\n${manifest([], { name: 'b' })}`]) t.true(agree(t, text), text);
});

const hostile: [string, string][] = [
  ['duplicate keys', 'a: 1\na: 2\n'],
  ['duplicate keys, 1 and "1"', '"1": a\n1: b\n'],
  ['duplicate keys in flow', '{a: 1, a: 2}\n'],
  ['a custom tag', 'a: !!js/function "f() {}"\n'],
  ['a local tag', 'a: !thing 1\n'],
  ['a binary tag', 'a: !!binary aGVsbG8=\n'],
  ['a set', '!!set {a, b}\n'],
  ['an alias', 'a: &x 1\nb: *x\n'],
  ['an alias bomb', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'],
  ['a merge key', 'base: &b {x: 1}\nm:\n  <<: *b\n'],
  ['a YAML 1.1 directive', '%YAML 1.1\n---\na: yes\n'],
  ['yes/no/on/off stay strings in 1.2', 'a: yes\nb: no\nc: on\nd: off\ne: y\n'],
  ['1.1 octal and sexagesimal', 'a: 0777\nb: 1:20\nc: 0b101\nd: 1_000\ne: +0x1F\n'],
  ['1.2 numbers', 'a: 0o17\nb: 0x1F\nc: 1e3\nd: .5\ne: -.inf\nf: .NaN\ng: +12\nh: 1.\ni: -0\n'],
  ['timestamps stay strings', 'a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n'],
  ['null keys', 'null: a\n~: b\n'],
  ['an empty key', ': a\n'],
  ['__proto__', '__proto__: {polluted: true}\n'],
  ['escapes', 'a: "\\x41\\u0042\\/"\n'],
  ['block scalars', 'a: |\n  x\n  y\nb: >-\n  x\n  y\n'],
  ['tabs', 'a:\t1\n'],
  ['CR line ends', 'a: 1\r\nb: 2\r\n'],
  ['non-ASCII', 'a: "żółw"\n'],
  ['complex keys', '? [a, b]\n: c\n'],
  ['a document end marker', 'a: 1\n...\n---\nb: 2\n'],
  ['content on the --- line', '--- {a: 1}\n'],
  ['an unclosed flow map', 'a: {b: 1\n'],
  ['bad indentation', 'a:\n  b: 1\n c: 2\n'],
  ['deep nesting', '['.repeat(5000) + ']'.repeat(5000) + '\n'],
  ['a multi-line plain scalar', 'a: one\n  two\nb: 3\n'],
  ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
  ['a multi-line flow map', 'a: {b: 1,\n  c: 2}\n'],
  ['a key longer than 1024 characters', `${'k'.repeat(1100)}: 1\n`],
  ['empty documents', '---\n---\na: 1\n---\n'],
  ['only comments', '# nothing\n'],
  ['an explicit null document', '~\n---\na: 1\n'],
  ['a comment without a space', 'a: b#c\nd: e #f\n'],
];
for (const [title, text] of hostile) {
  test(`hostile or unusual input: ${title}`, (t) => {
    agree(t, text);
    t.pass();
  });
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [':', ': ', '-', '- ', ' ', '  ', '#', ' #', '{', '}', '[', ']', ',', '"', "'", '\n', '---\n', 'null', '~', 'true', 'False', '0o7', '0x1F', '1e3', '.5', 'yes', '1_0', '08', '.inf', '=', '@', '`', '%', 'a: b', '\n  ',
  '?', '? ', '!', '&a ', '*a', '|', '>', '\t', '\\', '"\\n"', "''", '...', '<<: ', '0', '-1', '+', '.', 'e', '1:2', '2001-12-14', 'Null', 'NULL', 'TRUE', '\r',
  '\n- ', '\n  - ', '    ', '\n    a: 1', '- a: 1\n  b: 2', '\na:\n- x\n', '[a, [b]]', '{a: {b: 1}}', '""', "'a''b'", ' ,', ', ', '-a', '--', ':x', 'x:', '# c\n'];

/** A manifest as the bench writes them (bench/run.ts benchManifest): the shape the fast path is for. */
function benchLike(i: number): string {
  return [
    'apiVersion: vsgitops.io/v1',
    'kind: VServer',
    'metadata:',
    `  name: g${i}`,
    `  labels: {role: web, tier: bench}`,
    'spec:',
    `  context: ${1000 + i}`,
    '  hosts: {names: [bench-host]}',
    `  uts: {nodename: g${i}.example.org, domainname: example.org}`,
    '  state: running',
    '  interfaces:',
    `    - {device: eth0, address: 10.1.0.${i}/16}`,
    `    - {device: eth0, address: "2001:db8:1::${i}/64"}`,
    '  flags: [virt_uptime, fakeinit]',
    '  capabilities:',
    '    context: [raw_icmp]',
    '  limits: {nproc: 100, nofile: 4096}',
    '  policy: {deletion: retain, drift: enforce}',
    '',
  ].join('\n');
}

test('mutated manifests: whenever the fast path answers, the full parse agrees', (t) => {
  const seeds = [...examples, manifest([]), benchLike(7), `${benchLike(8)}---\n${benchLike(9)}`];
  const rand = rng(Number(process.env.FUZZ_SEED ?? 12));
  let answered = 0;
  let total = 0;
  for (const seed of seeds) {
    for (let k = 0; k < Number(process.env.FUZZ_N ?? 500); k++) {
      let text = seed;
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * text.length);
        const op = rand();
        if (op < 0.3) text = text.slice(0, at) + text.slice(at + 1);
        else if (op < 0.8) text = text.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)]! + text.slice(at);
        else {
          const lines = text.split('\n');
          const i = Math.floor(rand() * lines.length);
          lines.splice(i, 0, lines[Math.floor(rand() * lines.length)]!);
          text = lines.join('\n');
        }
      }
      total++;
      if (agree(t, text)) answered++;
    }
  }
  t.true(answered > total / 10, `the fast path answered ${answered} of ${total}`);
});

test('validation gives the same result with and without the fast path (examples, rejections, clashes)', (t) => {
  const texts = [...examples, manifest([], { context: '1' }), manifest([], { name: '.x' }), manifest([]), manifest([], { name: 'b' }), ...hostile.map(([, x]) => x)];
  const files: SourceFile[] = texts.map((text, i) => {
    const bytes = new TextEncoder().encode(text);
    return { path: `f${String(i).padStart(3, '0')}.yaml`, size: bytes.length, bytes };
  });
  const fast = validateManifestFiles(files);
  const full = validateManifestFiles(files, { fastParse: false });
  t.deepEqual(fast, full);
  t.true(fast.problems.length > 0);
});

// Cases the generated fuzzing below found (js-yaml 4 reads them differently from `yaml`): a dash with
// nothing below it followed by a shallower line. They must stay out of the fast path.
const FOUND = [
  '- _k: +1\n  a:\n  y: 1.\n  kind:\n    -\n- [Null]\n- yes\n',
  "- - [0777]\n- ''\n- -\n    - e1\n    -\n  - {\"q\": 08, k-1: [False]}\n  - yes: \"fd00::1/64\"\n    spec: a.b/c\n  - 08\n",
  '- {device: eth0, address: "2001:db8:20::53/64"}:\n',
  '- { device: eth0, address: 198.51.100.53/24 }:\n',
];
for (const [i, text] of FOUND.entries()) {
  test(`a divergence found by fuzzing stays with the full parse (${i})`, (t) => {
    t.false(inWhitelist(text), text);
    t.is(parseManifestFast('m.yaml', text), undefined);
  });
}

const SCALARS = ['a', 'web1', '1', '-1', '0o17', '0x1F', '1e3', '.5', '1.', '-.inf', '.NaN', 'true', 'False', 'yes', 'no', 'on', 'off', 'null', '~', 'Null', '08', '0777', '1:20', '1_000', '2001-12-14', '10.0.0.1/24', 'fd00::1/64', '"fd00::1/64"', "'x y'", '""', "''", 'a b c', '-x', '--delete', '~hide', '+1', '+.5', '/srv/x', 'a=b', 'x@y', '50%', 'a,b', '.inf', '-0', '0', '1e', 'e1', '0b1', '"true"', "'1'", '"a#b"', 'a.b/c', 'a:', 'a: b', 'x #y', '@x', '%x', '!x', '*x', '&x', '|', '>'];
const KEYS = ['a', 'b', 'name', 'spec', 'kind', 'x.y/z', 'k-1', '_k', '"q"', "'s'", 'true', 'TRUE', 'yes', 'on', 'no', 'y', 'n', 'a1', 'null', '~', '1', '"1"', '<<'];
const FLOW_SCALARS = SCALARS.filter((s) => !/[ :,]/.test(s) || /^["']/.test(s));

/** A random YAML text in (and around) the whitelist grammar: block maps and lists, compact and indentless lists, flow collections, comments, stray lines. */
function generated(r: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const flow = () =>
    r() < 0.5
      ? `[${Array.from({ length: Math.floor(r() * 4) }, () => pick(FLOW_SCALARS)).join(pick([', ', ',', ' , ']))}]`
      : `{${Array.from({ length: Math.floor(r() * 4) }, () => `${pick(KEYS)}: ${r() < 0.2 ? `[${pick(FLOW_SCALARS)}]` : pick(FLOW_SCALARS)}`).join(', ')}}`;
  const value = () => (r() < 0.75 ? pick(SCALARS) : flow());
  const lines: string[] = [];
  const block = (ind: number, depth: number, prefix: string): void => {
    const isSeq = r() < 0.35;
    const used = new Set<string>();
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
      const pre = i === 0 ? prefix : ' '.repeat(ind);
      if (isSeq) {
        const c = r();
        if (c < 0.5 || depth > 3) lines.push(`${pre}- ${value()}`);
        else if (c < 0.8) block(ind + 2, depth + 1, `${pre}- `);
        else {
          lines.push(`${pre}-`);
          const d = ind + 2 + Math.floor(r() * 2);
          block(d, depth + 1, ' '.repeat(d));
        }
      } else {
        const k = pick(KEYS);
        if (used.has(k) && r() < 0.9) continue;
        used.add(k);
        const c = r();
        if (c < 0.6 || depth > 3) lines.push(`${pre}${k}: ${value()}${r() < 0.1 ? ' # c' : ''}`);
        else if (c < 0.7) lines.push(`${pre}${k}:`);
        else {
          lines.push(`${pre}${k}:`);
          const d = r() < 0.2 ? 0 : 1 + Math.floor(r() * 3);
          block(ind + d, depth + 1, ' '.repeat(ind + d));
        }
      }
      if (r() < 0.03) lines.push(' '.repeat(Math.floor(r() * 6)) + (r() < 0.5 ? '# x' : ''));
      if (r() < 0.02) lines.push(' '.repeat(Math.floor(r() * 5)) + pick(['a: 1', '- x', 'b:', '-']));
    }
  };
  block(0, 0, '');
  if (r() < 0.2) {
    lines.push('---');
    block(0, 0, '');
  }
  return lines.join('\n') + '\n';
}

test('generated YAML (fixed seed): whenever the fast path answers, the full parse agrees', (t) => {
  const rand = rng(Number(process.env.FUZZ_SEED ?? 592));
  const total = Number(process.env.FUZZ_N ?? 4000);
  let answered = 0;
  for (let k = 0; k < total; k++) if (agree(t, generated(rand))) answered++;
  // the generator stays near the grammar: a good share must take the fast path, or the test checks little
  t.true(answered > total / 10, `the fast path answered ${answered} of ${total}`);
});
