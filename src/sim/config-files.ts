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

/** Non-empty, non-# lines (_readFileToArray). */
export function readList(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  } catch {
    return [];
  }
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
