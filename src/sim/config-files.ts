/** util-vserver's file conventions (§6.0), as the scripts read them. */
import fs from 'node:fs';
import path from 'node:path';

/** First line, blanks stripped (getFileValue); undefined if unreadable. */
export function readScalar(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

/**
 * A list file as `_readFileToArray` reads it (UV scripts/vserver.functions:93-107):
 * `while read v; do case x"$v" in (x|x\#*) ;; … esac; done <file`. Each line
 * goes through bash `read` (bashRead): blanks (space, TAB) stripped at both
 * ends, a backslash escapes the next character (backslash-newline joins
 * lines), a CR stays in the value; empty and `#` lines are skipped; a last
 * line without a final newline is never seen (read fails at EOF).
 */
export function readList(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const r = bashRead(rest);
    if (!r.complete) break;
    if (r.value !== '' && !r.value.startsWith('#')) out.push(r.value);
    rest = rest.slice(r.consumed);
  }
  return out;
}

/** bash `read VAR` (no -r, default IFS) over the start of `text`. */
export function bashRead(text: string): { value: string; complete: boolean; consumed: number } {
  let out = '';
  let protectedEnd = -1;
  let i = 0;
  const finish = (complete: boolean) => {
    let a = 0;
    while (a < out.length && (out[a] === ' ' || out[a] === '\t')) a++;
    let b = out.length;
    while (b > a && b > protectedEnd && (out[b - 1] === ' ' || out[b - 1] === '\t')) b--;
    return { value: out.slice(a, b), complete, consumed: complete ? i + 1 : i };
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) { i++; break; }
      if (text[i + 1] === '\n') { i += 2; continue; }
      out += text[i + 1];
      protectedEnd = out.length;
      i += 2;
      continue;
    }
    if (ch === '\n') return finish(true);
    out += ch;
    i++;
  }
  return finish(false);
}

export const exists = (p: string) => fs.existsSync(p);

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * vlimit's limit syntax (UV lib/parselimit.c): `inf…` = unlimited (-1), else C
 * base-0 integer with one optional K/M/k/m suffix. undefined = invalid.
 */
export function parseLimitValue(text: string): number | undefined {
  const s = text.split('\n')[0].trim().split(/\s+/)[0] ?? '';
  if (s.startsWith('inf')) return -1;
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([KMkm]?)$/.exec(s);
  if (!m) return undefined;
  const base = m[1].startsWith('0x') || m[1].startsWith('0X') ? parseInt(m[1], 16) : m[1].length > 1 && m[1].startsWith('0') ? parseInt(m[1], 8) : Number(m[1]);
  const mult = { '': 1, K: 1024, M: 1024 * 1024, k: 1000, m: 1000 * 1000 }[m[2] as '' | 'K' | 'M' | 'k' | 'm'];
  return base * mult;
}
