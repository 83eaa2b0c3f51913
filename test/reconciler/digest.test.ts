import test from 'ava';
import { canonical, digestOf, sameValue, sha256Hex, stableStringify } from '../../src/reconciler/digest.js';

test('stable JSON sorts keys at every depth and drops undefined members', (t) => {
  t.is(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  t.is(stableStringify(undefined), 'null');
});

test('sha256 of a known text', (t) => {
  t.is(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('digests ignore key order, not content', (t) => {
  t.is(digestOf({ a: 1, b: 2 }), digestOf({ b: 2, a: 1 }));
  t.not(digestOf({ a: 1, b: 2 }), digestOf({ a: 1, b: 3 }));
  t.not(digestOf([1, 2]), digestOf([2, 1]));
  t.true(sameValue({ a: [1] }, { a: [1] }));
  t.false(sameValue({ a: [1] }, { a: [1, 2] }));
});

test('canonical copies deeply', (t) => {
  const src = { b: { c: [1] }, a: 1 };
  const copy = canonical(src);
  t.deepEqual(Object.keys(copy), ['a', 'b']);
  copy.b.c.push(2);
  t.deepEqual(src.b.c, [1]);
});
