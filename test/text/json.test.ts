import test from 'ava';
import { stringifyExact } from '../../src/text/json.js';

test('integers beyond 2^53 are printed digit for digit (unlimited memory.limit_in_bytes, issue 9)', (t) => {
  const out = stringifyExact({ memoryLimit: 9223372036854771712, neg: -9223372036854775808, small: 42 });
  t.regex(out, /"memoryLimit": 9223372036854771712,/);
  t.regex(out, /"neg": -9223372036854775808,/);
  t.regex(out, /"small": 42\n/);
  t.is(JSON.parse(out).memoryLimit, 9223372036854771712);
  t.is(JSON.stringify({ memoryLimit: 9223372036854771712 }), '{"memoryLimit":9223372036854772000}', 'what plain JSON.stringify prints');
});

test('everything else is exactly JSON.stringify, also strings that look like the marker', (t) => {
  const v = { a: [1, 2.5, 'x', null, true], s: '\u0000int0123456789abcdef:5', nested: { b: 1.5e300, c: -0.1 } };
  t.is(stringifyExact(v), JSON.stringify(v, null, 2));
  t.is(stringifyExact(v, 0), JSON.stringify(v));
});
