import test from 'ava';
import { applyItems, canonicalName, normalizeList, parseList, printBitfield, SECURE_BCAPS, DEFAULT_CONTEXT_BCAPS } from '../../src/model/names.js';

test('names are case-insensitive with optional prefixes', (t) => {
  t.is(canonicalName('bcap', 'cap_sys_admin'), 'SYS_ADMIN');
  t.is(canonicalName('flag', 'VXF_VIRT_MEM'), 'virt_mem');
  t.is(canonicalName('flag', 'info_init'), 'fakeinit');
  t.is(canonicalName('ccap', 'vxc_ping'), 'raw_icmp');
  t.is(canonicalName('ccap', 'nonsense'), undefined);
});

test('list syntax: commas, ~/! negation toggles, ^N, numbers', (t) => {
  const r = parseList('flag', 'persistent,~virt_mem,!!sched_hard,^40,0x1');
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual(r.items.map((i) => [i.negate, i.name ?? null]), [
    [false, 'persistent'], [true, 'virt_mem'], [false, 'sched_hard'], [false, null], [false, null],
  ]);
  t.deepEqual(parseList('bcap', 'SYS_ADMIN,FOO'), { ok: false, bad: 'FOO' });
});

test('parseList is as strict as util-vserver: no item is trimmed (UV lib/listparser.hc:55-102)', (t) => {
  t.deepEqual(parseList('ccap', 'SYSLOG, RAW_ICMP'), { ok: false, bad: ' RAW_ICMP' });
  t.deepEqual(parseList('flag', ' lock'), { ok: false, bad: ' lock' });
  t.deepEqual(parseList('flag', 'lock,,virt_mem'), { ok: false, bad: '' });
  t.deepEqual(parseList('flag', 'virt_mem,~nope'), { ok: false, bad: 'nope' }, 'named after the ~ as vattribute names it');
  t.true(parseList('flag', 'lock,').ok, 'a trailing comma ends the list');
});

test('printBitfield prints what vattribute --get prints (UV src/attribute-util.h:34-63, lib/val2text.hc:44-77)', (t) => {
  // the whole value first: exactly virt_uptime|sc_helper is the pseudo flag "default"
  t.is(printBitfield('flag', 0x20000n | (1n << 36n)), 'default');
  // the name loop stops at the first unnamed lowest bit: every bit after it is ^N, named or not
  t.is(printBitfield('flag', 0x2n | 0x4n), '^1,^2');
  t.is(printBitfield('flag', 0x1n | 0x2n | 0x4n), 'lock,^1,^2');
  // bcap bits above MAC_ADMIN (33) have no name in util-vserver's table
  t.is(printBitfield('bcap', (1n << 34n) | 1n), 'CHOWN,^34');
  t.is(printBitfield('flag', 0n), '');
});

test('normalizeList dedups and sorts by bit', (t) => {
  t.deepEqual(normalizeList('flag', ['virt_uptime', 'VIRT_MEM', '~info_init']), { ok: true, tokens: ['~fakeinit', 'virt_mem', 'virt_uptime'] });
});

test('printBitfield matches the LIVE vattribute --get output', (t) => {
  t.is(printBitfield('flag', 0x1402020010n), 'fakeinit,virt_uptime,hide_netif,state_admin,sc_helper');
  t.is(printBitfield('ccap', 0x4101n), 'set_utsname,raw_icmp,audit_control');
  t.is(
    printBitfield('bcap', SECURE_BCAPS),
    'CHOWN,DAC_OVERRIDE,DAC_READ_SEARCH,FOWNER,FSETID,KILL,SETGID,SETUID,NET_BIND_SERVICE,SYS_CHROOT,SYS_PTRACE,SYS_BOOT,SYS_TTY_CONFIG,LEASE,AUDIT_WRITE,SETFCAP,MAC_OVERRIDE,MAC_ADMIN,' +
      Array.from({ length: 30 }, (_, i) => '^' + (34 + i)).join(','),
  );
  // vattribute --xid 42 --set --bcap ~SYS_ADMIN on kernel defaults
  const r = parseList('bcap', '~SYS_ADMIN');
  if (!r.ok) return t.fail();
  t.is(applyItems(DEFAULT_CONTEXT_BCAPS, r.items).toString(16), '8000003fffdfffff');
});

test('printBitfield agrees with the simulated vattribute --get on many masks', async (t) => {
  const { simPrintBitfield } = await import('../../src/sim/names.js');
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 500; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    const v = i % 2 === 0 ? x : x & 0x3ffffn; // dense and low masks
    for (const kind of ['flag', 'bcap', 'ccap'] as const) t.is(printBitfield(kind, v), simPrintBitfield(kind, v), `${kind} ${v.toString(16)}`);
  }
});
