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
import { parseManifestFast } from '../../src/desired/yaml-fast.js';
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
  for (const text of [...examples, manifest([]), `# comment\n---\n${manifest([])}---\n${manifest([], { name: 'b' })}`]) t.true(agree(t, text), text);
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

const PIECES = [':', ': ', '-', '- ', ' ', '  ', '#', ' #', '{', '}', '[', ']', ',', '"', "'", '\n', '---\n', 'null', '~', 'true', 'False', '0o7', '0x1F', '1e3', '.5', 'yes', '1_0', '08', '.inf', '=', '@', '`', '%', 'a: b', '\n  '];

test('mutated manifests: whenever the fast path answers, the full parse agrees', (t) => {
  const seeds = [...examples, manifest([])];
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
  const fast = validateManifestFiles(files, { fastParse: true });
  const full = validateManifestFiles(files);
  t.deepEqual(fast, full);
  t.true(fast.problems.length > 0);
});
