/**
 * The fast path of manifest parsing (issue 12): js-yaml with exactly the
 * YAML 1.2 core schema of the `yaml` library, for text inside a whitelist
 * only. It either returns the same documents (values, indexes, start lines)
 * the full parse (`parseManifestText`) would, or `undefined`: then the caller
 * parses with the `yaml` document API, which remains the only judge of
 * anything unusual and the only source of problem positions. A fast document
 * builds its `yaml` document only if something asks where a node is.
 *
 * The whitelist (`inWhitelist`) is a line grammar: block maps and lists with
 * plain word keys, one-line scalars (plain words of safe characters, quoted
 * without escapes), one-line flow collections one level deep, comments, and a
 * block structure checked column by column. Everything else (tags, anchors,
 * aliases, merge keys, directives, escapes, block scalars, multi-line
 * scalars, non-ASCII text, null keys, a dash with nothing below it) goes to
 * the full parse.
 *
 * test/desired/yaml-fast.test.ts checks, on hostile, mutated and generated
 * input (fixed seeds), that whenever this path answers, the full parse
 * accepts the file with the same documents.
 */
import jsyaml from 'js-yaml';
import type { Document, LineCounter } from 'yaml';
import { parseManifestText, type ManifestDocument } from './yaml-documents.js';

const scalar = (tag: string, test: RegExp, construct: (s: string) => unknown) =>
  new jsyaml.Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve: (s: string | null) => test.test(s ?? ''), construct: (s: string | null) => construct(s ?? '') });

const INT_OCT = /^0o[0-7]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/**
 * The `yaml` library's YAML 1.2 core schema (yaml/dist/schema/core/*.js and
 * common/null.js): the same patterns, the same conversions. js-yaml keeps one
 * type per tag, so each tag's variants share one type.
 */
const CORE_1_2 = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (s) =>
      INT_OCT.test(s) ? parseInt(s.substring(2), 8) : INT_DEC.test(s) ? parseInt(s, 10) : INT_HEX.test(s) ? parseInt(s.substring(2), 16) : NaN,
    ),
    scalar('float', new RegExp(`${FLOAT_NAN.source}|${FLOAT_EXP.source}|${FLOAT.source}`), (s) =>
      FLOAT_NAN.test(s) ? (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY) : parseFloat(s),
    ),
  ],
});

/**
 * Text the fast path leaves to the full parser: anything beyond printable
 * ASCII, tags (!), anchors and aliases (& *), merge keys (<<), escapes (\),
 * block scalars (| >), directives (%), complex keys (?), document end markers,
 * content on a `---` line, `__proto__`. Keys that are null in YAML 1.2 (the
 * two parsers name such keys differently) are outside the whitelist's KEY.
 */
const LEAVE_TO_FULL_PARSE = /[^\x20-\x7e\n]|[!&*\\|>]|<<|^%|^[ ]*\?(?:[ ]|$)|^---[ ]*[^ #\n]|^---[ ]+#|^\.\.\.|__proto__/m;

// ---------------------------------------------------------------- the whitelist
// A line-by-line grammar of the plain YAML manifests are written in. Text outside
// it is left to the full parse; inside it, both parsers build the same tree
// (checked by the differential tests, fuzzed with fixed seeds). Scalars are typed
// by the same YAML 1.2 core rules in both (CORE_1_2 above).

/** A plain key: a word, never one the core schema reads as null or a boolean. */
const KEY = String.raw`(?!(?:[Nn]ull|NULL)(?![A-Za-z0-9_./-]))[A-Za-z_][A-Za-z0-9_./-]*`;
const NOT_A_STRING_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
/** Quoted scalars on one line, without escapes (no backslash) and without the closing quote inside. */
const DQ = String.raw`"[ !#-\[\]-~]*"`;
const SQ = String.raw`'[ -&(-~]*'`;
/** A plain scalar in a flow collection: no spaces, no `:`, no flow indicators. */
const FLOW_PLAIN = String.raw`(?:[A-Za-z0-9_./+~]|-[A-Za-z0-9_./+~-])[A-Za-z0-9_./+~=@%-]*`;
const FLOW_VALUE = `(?:${FLOW_PLAIN}|${DQ}|${SQ})`;
const FLOW_KEY = `(?:${KEY}|${DQ}|${SQ})`;
const FLOW_SEQ = String.raw`\[ *(?:${FLOW_VALUE}(?: *, *${FLOW_VALUE})*)? *\]`;
/** A flow map's values may be scalars or a flow sequence of scalars (`hosts: {names: [a, b]}`). */
const FLOW_MAP_VALUE = `(?:${FLOW_VALUE}|${FLOW_SEQ})`;
const FLOW_MAP = String.raw`\{ *(?:${FLOW_KEY}: +${FLOW_MAP_VALUE}(?: *, *${FLOW_KEY}: +${FLOW_MAP_VALUE})*)? *\}`;
/** A plain scalar in block context: words of safe characters separated by single spaces. */
const BLOCK_WORD = String.raw`[A-Za-z0-9_./+~=@%:,-]+`;
const BLOCK_PLAIN = String.raw`(?:[A-Za-z0-9_./+~]|-[A-Za-z0-9_./+~-])[A-Za-z0-9_./+~=@%:,-]*(?: ${BLOCK_WORD})*`;
const VALUE = `(?:${BLOCK_PLAIN}|${DQ}|${SQ}|${FLOW_SEQ}|${FLOW_MAP})`;
/** The end of a line: spaces, or a comment after at least one space. */
const TAIL = String.raw`(?: +#[ -~]*| *)$`;

const BARE_DASH = new RegExp(`^-${TAIL}`);
const KEY_OPEN = new RegExp(`^(${KEY}|${DQ}|${SQ}):${TAIL}`);
const KEY_VALUE = new RegExp(`^(${KEY}|${DQ}|${SQ}): +(${VALUE})${TAIL}`);
const ITEM_VALUE = new RegExp(`^(${VALUE})${TAIL}`);
const BLANK_OR_COMMENT_LINE = /^ *(?:#[ -~]*)?$/;
/** `:` starting or ending a word of a plain scalar: the parsers could read a key there. */
const COLON_AT_WORD_EDGE = /(?:^|[ ,\[{]):|:(?:[ ,\]}]|$)/;

function plainKey(k: string): boolean {
  return !NOT_A_STRING_KEY.test(k);
}

function plainValue(v: string): boolean {
  return /^["'[{]/.test(v) || !COLON_AT_WORD_EDGE.test(v);
}

interface Level {
  col: number;
  kind: 'seq' | 'map';
}

/**
 * Whether every line of the text is in the whitelist grammar and the block
 * structure is unambiguous: a line is deeper than the one before only below a
 * key or dash that opened a block, and otherwise continues a collection at
 * exactly its column (an indentless sequence below a key at the key's column
 * included).
 */
export function inWhitelist(text: string): boolean {
  let stack: Level[] = [];
  type Open = { col: number; kind: 'key' | 'dash' } | null;
  let open: Open = null;
  for (const line of text.split('\n')) {
    if (line.length >= 1000) return false;
    if (SEPARATOR.test(line)) {
      if (open?.kind === 'dash') return false;
      stack = [];
      open = null;
      continue;
    }
    if (BLANK_OR_COMMENT_LINE.test(line)) continue;
    let n = 0;
    while (line.charCodeAt(n) === 0x20) n++;
    let rest = line.slice(n);
    const nodes: Level[] = [];
    let col = n;
    while (rest.startsWith('- ')) {
      nodes.push({ col, kind: 'seq' });
      col += 2;
      rest = rest.slice(2);
    }
    let next: Open = null;
    let m: RegExpExecArray | null;
    if (BARE_DASH.test(rest)) {
      nodes.push({ col, kind: 'seq' });
      next = { col, kind: 'dash' };
    } else if ((m = KEY_OPEN.exec(rest))) {
      if (!plainKey(m[1]!)) return false;
      nodes.push({ col, kind: 'map' });
      next = { col, kind: 'key' };
    } else if ((m = KEY_VALUE.exec(rest))) {
      if (!plainKey(m[1]!) || !plainValue(m[2]!)) return false;
      nodes.push({ col, kind: 'map' });
    } else if (nodes.length > 0 && (m = ITEM_VALUE.exec(rest))) {
      if (!plainValue(m[1]!)) return false;
    } else return false;
    const first = nodes[0]!;
    // a dash with nothing below it (a null item) is read differently by js-yaml when a shallower line follows
    if (open?.kind === 'dash' && n <= open.col) return false;
    if (stack.length === 0) {
      if (n !== 0) return false;
      stack.push(...nodes);
    } else if (open && n > open.col) {
      stack.push(...nodes); // a block below the key or dash that opened it
    } else if (open?.kind === 'key' && n === open.col && first.kind === 'seq' && stack[stack.length - 1]!.col === n) {
      stack.push(...nodes); // an indentless sequence: a key's list at the key's column
    } else {
      while (stack.length > 0 && stack[stack.length - 1]!.col > n) stack.pop();
      let top = stack[stack.length - 1];
      const below = stack[stack.length - 2];
      if (top && top.col === n && top.kind === 'seq' && first.kind === 'map' && below?.col === n && below.kind === 'map') {
        stack.pop(); // the end of an indentless sequence
        top = below;
      }
      if (!top || top.col !== n || top.kind !== first.kind) return false;
      stack.push(...nodes.slice(1));
    }
    open = next;
  }
  return open?.kind !== 'dash';
}

const SEPARATOR = /^---[ ]*$/;
const BLANK_OR_COMMENT = /^[ ]*(?:#.*)?$/;

/** Documents of a plain file, or undefined: parse it with `parseManifestText`. */
export function parseManifestFast(file: string, text: string): ManifestDocument[] | undefined {
  if (LEAVE_TO_FULL_PARSE.test(text) || !inWhitelist(text)) return undefined;
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema: CORE_1_2, json: false });
  } catch {
    return undefined; // the full parse reports it, with its position
  }
  // each document's first content line: documents are the stretches between `---` lines;
  // what precedes the first `---` is a document only if it holds content
  const starts: (number | undefined)[] = [undefined];
  let separators = 0;
  text.split('\n').forEach((l, i) => {
    if (SEPARATOR.test(l)) {
      if (separators === 0 && starts[0] === undefined) starts.pop();
      separators++;
      starts.push(undefined);
    } else if (starts[starts.length - 1] === undefined && !BLANK_OR_COMMENT.test(l)) starts[starts.length - 1] = i + 1;
  });
  if (starts.length !== values.length) return undefined;
  const docs: ManifestDocument[] = [];
  let slow: ReturnType<typeof parseManifestText> | undefined;
  const full = (index: number): ManifestDocument => {
    slow ??= parseManifestText(file, text);
    const d = slow.documents.find((x) => x.index === index);
    if (!d) throw new Error(`${file}: document ${index} parsed differently by the full parser`);
    return d;
  };
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value === null || value === undefined) {
      if (starts[index] !== undefined) return undefined; // an explicit null document: leave it to the full parse
      continue;
    }
    const line = starts[index];
    if (line === undefined) return undefined;
    docs.push(new LazyDocument(file, index, line, value, full));
  }
  return docs;
}

/** A document parsed by js-yaml; its `yaml` nodes are built on first use (to locate a problem). */
class LazyDocument implements ManifestDocument {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly line: number,
    readonly value: unknown,
    private readonly full: (index: number) => ManifestDocument,
  ) {}

  get doc(): Document.Parsed {
    return this.full(this.index).doc;
  }

  get lineCounter(): LineCounter {
    return this.full(this.index).lineCounter;
  }
}
