/**
 * The fast path of manifest parsing (issue 12): js-yaml with exactly the
 * YAML 1.2 core schema of the `yaml` library, for plain text only. It either
 * returns the same documents (values, indexes, start lines) the full parse
 * (`parseManifestText`) would, or `undefined`: then the caller parses with the
 * `yaml` document API, which remains the only judge of anything unusual
 * (tags, anchors and aliases, merge keys, directives, escapes, block scalars,
 * non-ASCII text) and the only source of problem positions. A fast document
 * builds its `yaml` document only if something asks where a node is.
 *
 * test/desired/yaml-fast.test.ts checks, on hostile and mutated input, that
 * whenever this path answers, the full parse accepts the file with the same
 * documents.
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
 * content on a `---` line, `__proto__`, and keys that are null in YAML 1.2 (the
 * two parsers name such keys differently).
 */
const LEAVE_TO_FULL_PARSE = /[^\x20-\x7e\n]|[!&*\\|>]|<<|^%|^[ ]*\?(?:[ ]|$)|^---[ ]*[^ #\n]|^---[ ]+#|^\.\.\.|__proto__|(?:^|[\s{,[-])(?:~|[Nn]ull|NULL)?[ ]*:(?:[ ]|$)/m;

/**
 * Lines the two parsers read alike: shorter than `yaml`'s 1024-character limit
 * for implicit keys, every quoted scalar and every flow collection closed on
 * the line it opens, no collection as a key, `#` only to start a comment.
 */
function plainLines(text: string): boolean {
  for (const line of text.split('\n')) {
    if (line.length >= 1000) return false;
    let depth = 0;
    let double = 0;
    let single = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      const quoted = double % 2 === 1 || single % 2 === 1;
      if (c === 0x23 && !quoted) {
        if (i === 0 || line.charCodeAt(i - 1) === 0x20) break; // a comment
        return false; // '#' inside a token: the parsers disagree on what it is
      }
      if (c === 0x22 && single % 2 === 0) double++;
      else if (c === 0x27 && double % 2 === 0) single++;
      else if (quoted) continue;
      else if (c === 0x7b || c === 0x5b) depth++; // { [
      else if (c === 0x7d || c === 0x5d) {
        depth--; // } ]
        if (/^[ ]*:/.test(line.slice(i + 1))) return false; // a collection as a key
      }
      if (depth < 0) return false;
    }
    if (depth !== 0 || double % 2 !== 0 || single % 2 !== 0) return false;
  }
  return true;
}

const SEPARATOR = /^---[ ]*$/;
const BLANK_OR_COMMENT = /^[ ]*(?:#.*)?$/;

/** Documents of a plain file, or undefined: parse it with `parseManifestText`. */
export function parseManifestFast(file: string, text: string): ManifestDocument[] | undefined {
  if (LEAVE_TO_FULL_PARSE.test(text) || !plainLines(text)) return undefined;
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
