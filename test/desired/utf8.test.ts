import test from 'ava';
import { bytePosition, firstInvalidUtf8Offset } from '../../src/desired/utf8.js';

const cases: [string, number[], number][] = [
  ['ASCII', [0x61, 0x62], -1],
  ['two-byte é', [0x61, 0xc3, 0xa9], -1],
  ['four-byte emoji', [0xf0, 0x9f, 0x98, 0x80], -1],
  ['lone continuation byte', [0x61, 0x80], 1],
  ['truncated sequence at the end', [0x61, 0xe2, 0x82], 1],
  ['overlong slash', [0xe0, 0x80, 0xaf], 0],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ['Latin-1 ü', [0x47, 0x72, 0xfc, 0x6e], 2],
];
for (const [title, bytes, want] of cases) {
  test(`firstInvalidUtf8Offset: ${title}`, (t) => t.is(firstInvalidUtf8Offset(new Uint8Array(bytes)), want));
}

test('bytePosition counts lines and byte columns', (t) => {
  const bytes = new TextEncoder().encode('ab\ncd\nef');
  t.deepEqual(bytePosition(bytes, 0), { line: 1, column: 1 });
  t.deepEqual(bytePosition(bytes, 4), { line: 2, column: 2 });
  t.deepEqual(bytePosition(bytes, 6), { line: 3, column: 1 });
});
