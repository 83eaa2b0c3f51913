import test from 'ava';
import { canonicalIPv6, parseAddressWithPrefix } from '../../src/desired/address.js';
import { parseQuantity } from '../../src/desired/quantity.js';

const v6: [string, string][] = [
  ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['2001:db8:0000:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['0:0:0:0:0:0:0:0', '::'],
  ['0:0:0:0:0:0:0:1', '::1'],
  ['fe80::0001', 'fe80::1'],
  ['2001:0:0:1::1', '2001:0:0:1::1'],
  ['::ffff:c000:0201', '::ffff:192.0.2.1'],
  ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
];
for (const [input, want] of v6) test(`canonicalIPv6 ${input}`, (t) => t.is(canonicalIPv6(input), want));

test('parseAddressWithPrefix', (t) => {
  t.deepEqual(parseAddressWithPrefix('192.0.2.1/24'), { address: '192.0.2.1', family: 4, prefix: 24 });
  t.deepEqual(parseAddressWithPrefix('2001:db8::1/64'), { address: '2001:db8::1', family: 6, prefix: 64 });
  t.regex((parseAddressWithPrefix('192.0.2.1') as { error: string }).error, /needs a prefix length/);
  t.regex((parseAddressWithPrefix('192.0.2.1/024') as { error: string }).error, /invalid prefix length/);
  t.regex((parseAddressWithPrefix('fe80::1%eth0/64') as { error: string }).error, /not an IPv4 or IPv6/);
});

test('parseQuantity', (t) => {
  t.is(parseQuantity('1Ki'), 1024);
  t.is(parseQuantity('3Ti'), 3 * 1024 ** 4);
  t.is(parseQuantity(7), 7);
  t.deepEqual(parseQuantity('1M'), { error: "'1M' is not a size; use bytes or Ki, Mi, Gi, Ti" });
  t.deepEqual(parseQuantity(-1), { error: 'must be a non-negative integer number of bytes (got -1)' });
});
