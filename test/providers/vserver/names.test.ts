import test from 'ava';
import { applyItems, canonicalName, normalizeList, parseList, printBitfield, SECURE_BCAPS, DEFAULT_CONTEXT_BCAPS } from '../../../src/providers/vserver/names.js';

test('names are case-insensitive with optional prefixes', (t) => {
  t.is(canonicalName('bcap', 'cap_sys_admin'), 'SYS_ADMIN');
  t.is(canonicalName('flag', 'VXF_VIRT_MEM'), 'virt_mem');
  t.is(canonicalName('flag', 'info_init'), 'fakeinit');
  t.is(canonicalName('ccap', 'vxc_ping'), 'raw_icmp');
  t.is(canonicalName('ccap', 'nonsense'), undefined);
});

test('list syntax: commas, ~/! negation toggles, ^N, numbers', (t) => {
  const r = parseList('flag', 'persistent, ~virt_mem,!!sched_hard,^40,0x1');
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual(r.items.map((i) => [i.negate, i.name ?? null]), [
    [false, 'persistent'], [true, 'virt_mem'], [false, 'sched_hard'], [false, null], [false, null],
  ]);
  t.deepEqual(parseList('bcap', 'SYS_ADMIN,FOO'), { ok: false, bad: 'FOO' });
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
