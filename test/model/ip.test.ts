import test from 'ava';
import { canonicalIPv6 } from '../../src/model/ip.js';
import { parseNetInfo } from '../../src/providers/vserver/proc-parse.js';
import { parseAddressWithPrefix } from '../../src/desired/address.js';

const cases: [string, string | undefined][] = [
  ['2001:0db8:0000:0000:0000:0000:0000:0022', '2001:db8::22'],
  ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
  ['::', '::'],
  ['fe80::1%eth0', undefined],
  ['not-an-address', undefined],
];
for (const [input, expected] of cases) {
  test(`canonicalIPv6(${input})`, (t) => t.is(canonicalIPv6(input), expected));
}

test('the manifest normalizer and the /proc/virtnet parser agree on IPv6 text', (t) => {
  const desired = parseAddressWithPrefix('::ffff:192.0.2.1/96');
  if ('error' in desired) return t.fail(desired.error);
  const info = 'ID:\t1022\nInfo:\tffff88003b1c2800\nBcast:\t255.255.255.255\nLback:\t127.3.254.1\n0:\t[0000:0000:0000:0000:0000:ffff:c000:0201/ffff:ffff:ffff:ffff:ffff:ffff:0000:0000/96:0010]\n';
  const parsed = parseNetInfo(info, 'info');
  t.is(JSON.stringify(parsed).includes(desired.address), true, JSON.stringify(parsed));
});
