import { Alias, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { bytePosition, firstInvalidUtf8Offset } from './utf8.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Aliases per document; a "billion laughs" document needs far more. */
export const MAX_ALIAS_COUNT = 100;

/** One parsed YAML document of a manifest file, with what is needed to point at its nodes. */
export interface ManifestDocument {
  file: string;
  /** 0-based index of the document in its file */
  index: number;
  /** 1-based line where the document's content starts */
  line: number;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** plain JS value of the document */
  value: unknown;
}

export interface ParsedFile {
  documents: ManifestDocument[];
  problems: Problem[];
}

/** Only the plain core-schema tags; anything else could mean "construct an object". */
const ALLOWED_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** Decodes manifest bytes as strict UTF-8 (a leading BOM is dropped). */
export function decodeManifest(file: string, bytes: Uint8Array): { text: string } | { problem: Problem } {
  const bad = firstInvalidUtf8Offset(bytes);
  if (bad >= 0) {
    const { line, column } = bytePosition(bytes, bad);
    return { problem: { file, line, column, path: '', message: `file is not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad})` } };
  }
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text };
}

function cleanMessage(message: string): string {
  if (/Maximum call stack size exceeded/.test(message)) return 'nested too deeply';
  // yaml appends " at line L, column C:" plus a source excerpt; we report positions separately.
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

/** Offset of the tag written before a node's value (same line), else the value's. */
function tagOffset(text: string, valueStart: number): number {
  const bang = text.lastIndexOf('!', valueStart);
  if (bang < 0 || text.slice(bang, valueStart).includes('\n')) return valueStart;
  let start = bang;
  while (start > 0 && text[start - 1] === '!') start--;
  return start;
}

function isEmptyContents(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && (c.value === null || c.value === undefined) && !c.tag);
}

/**
 * Parses every document of one file. Problems (syntax errors, duplicate keys,
 * disallowed tags, alias bombs) are collected; a document with any problem is
 * not returned.
 */
export function parseManifestText(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const documents: ManifestDocument[] = [];
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true, merge: false }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [];
  } catch (err) {
    problems.push({ file, line: 0, column: 0, path: '', message: `YAML could not be parsed: ${(err as Error).message}` });
    return { documents, problems };
  }
  docs.forEach((doc, index) => {
    const before = problems.length;
    const seenMessages = new Set<string>();
    for (const e of doc.errors) {
      const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : cleanMessage(e.message);
      // one "nested too deeply" is enough; real syntax errors differ in position, not text
      if (msg === 'nested too deeply' && seenMessages.has(msg)) continue;
      seenMessages.add(msg);
      problems.push({ file, ...at(e.pos[0]), path: '', message: `YAML: ${msg}` });
    }
    const showTag = (tag: string) => (tag.startsWith('tag:yaml.org,2002:') ? '!!' + tag.slice('tag:yaml.org,2002:'.length) : tag);
    const tagsReported = new Set<string>();
    for (const w of doc.warnings) {
      const unresolved = w.code === 'TAG_RESOLVE_FAILED' ? /^Unresolved tag: (\S+)/.exec(w.message) : null;
      if (unresolved) {
        // the warning points at the tag itself, the node only at its value
        tagsReported.add(unresolved[1]!);
        problems.push({ file, ...at(w.pos[0]), path: '', message: `YAML tag '${showTag(unresolved[1]!)}' is not allowed (only plain maps, lists and scalars)` });
        continue;
      }
      problems.push({ file, ...at(w.pos[0]), path: '', message: `YAML: ${cleanMessage(w.message)}` });
    }
    let aliases = 0;
    visit(doc, {
      Node(_key, node: Node) {
        if (isAlias(node)) aliases++;
        const tag = (node as { tag?: string }).tag;
        if (tag && !ALLOWED_TAGS.has(tag) && !tagsReported.has(tag)) {
          problems.push({ file, ...at(tagOffset(text, node.range?.[0] ?? 0)), path: '', message: `YAML tag '${showTag(tag)}' is not allowed (only plain maps, lists and scalars)` });
        }
      },
    });
    if (aliases > MAX_ALIAS_COUNT) {
      problems.push({ file, ...at(doc.range[0]), path: '', message: `YAML: too many aliases (${aliases} > ${MAX_ALIAS_COUNT})` });
    }
    if (problems.length > before) return;
    if (isEmptyContents(doc)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const msg = err instanceof ReferenceError && /alias/i.test(err.message)
        ? 'YAML aliases expand too much (possible "billion laughs" attack)'
        : `YAML could not be converted: ${cleanMessage((err as Error).message)}`;
      problems.push({ file, ...at(doc.contents?.range?.[0] ?? doc.range[0]), path: '', message: msg });
      return;
    }
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    documents.push({ file, index, line: at(start).line, doc, lineCounter, value });
  });
  return { documents, problems };
}

/** Field path text: spec.interfaces[0].address */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

function resolve(doc: Document.Parsed, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 64 && isAlias(n); i++) n = (n as Alias).resolve(doc);
  return n;
}

/**
 * Finds the YAML node for a field path (following aliases). Returns the
 * deepest node found, and the key node when the last step was a map key.
 */
export function findNode(doc: Document.Parsed, segments: readonly (string | number)[]): { node: Node | null; key: Node | null; complete: boolean } {
  let node = resolve(doc, doc.contents) as Node | null;
  let key: Node | null = null;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return { node, key: null, complete: false };
      key = pair.key as Node;
      node = resolve(doc, pair.value) as Node | null;
      if (node === null) return { node: key, key, complete: true };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return { node, key: null, complete: false };
      key = null;
      node = resolve(doc, item) as Node;
    } else {
      return { node, key: null, complete: false };
    }
  }
  return { node, key, complete: true };
}

/** A problem located at a field of a document (its value, or its key with `onKey`). */
export function problemAt(d: ManifestDocument, segments: readonly (string | number)[], message: string, onKey = false): Problem {
  const found = findNode(d.doc, segments);
  const target = onKey && found.key ? found.key : found.node;
  const offset = target?.range?.[0] ?? d.doc.range[0];
  const pos = d.lineCounter.linePos(offset);
  return { file: d.file, line: pos.line, column: pos.col, path: formatPath(segments), message };
}
