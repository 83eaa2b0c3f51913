/**
 * JSON output that keeps large integers exact. Kernel values such as the
 * "unlimited" memory.limit_in_bytes 9223372036854771712 (a page-rounded
 * LONG_MAX) are exact doubles, but JSON.stringify prints the shortest form
 * that reads back the same double, 9223372036854772000: a different number
 * to anyone reading the output. Integers beyond 2^53 are printed digit for
 * digit instead. (Node 20 has no JSON.rawJSON.)
 */
import { randomBytes } from 'node:crypto';

export function stringifyExact(value: unknown, indent: number | undefined = 2): string {
  // a per-call nonce: no string in the value can look like a marker
  const nonce = randomBytes(8).toString('hex');
  const MARK = `\u0000int${nonce}:`;
  const MARKED = new RegExp(`"\\\\u0000int${nonce}:(-?\\d+)"`, 'g');
  let marked = false;
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) <= 2 ** 64) {
        marked = true;
        return MARK + BigInt(v).toString();
      }
      return v;
    },
    indent,
  );
  return marked ? text.replace(MARKED, '$1') : text;
}
