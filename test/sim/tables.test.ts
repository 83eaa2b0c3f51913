/**
 * The simulator's name tables and the provider's are written separately; both
 * are checked here against the reference (§5 of the shared vserver-reference.md,
 * copied to test/fixtures/reference/), so a wrong entry on either side fails
 * instead of being mirrored by the other. Also: the simulator's path layout
 * equals the provider's simHostPaths, and src/sim imports nothing from src/providers.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import * as sim from '../../src/sim/names.js';
import { simLayout } from '../../src/sim/layout.js';
import * as prov from '../../src/model/names.js';
import { simHostPaths } from '../../src/providers/vserver/host-paths.js';

const FIXTURE = path.resolve('test/fixtures/reference/flags-and-capabilities.md');
const SHARED = '/work/shared/vserver-reference.md';
const md = fs.readFileSync(FIXTURE, 'utf8');

/** The lines of one `### 5.x` subsection. */
function section(prefix: string): string[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`### ${prefix} `));
  if (start < 0) throw new Error(`no section ${prefix}`);
  const end = lines.findIndex((l, i) => i > start && /^#{2,3} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Table rows (first two cells) of a markdown table, header and rule skipped. */
function rows(lines: string[]): [string, string][] {
  return lines
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()))
    .map((c) => [c[1], c[2]] as [string, string]);
}

/** `0x1`, `1<<32`, `= 0x2000000 (hide_netif)`, `= virt_uptime\|sc_helper (0x1000020000)` → bigint. */
function value(cell: string): bigint {
  const paren = /\((0x[0-9a-f]+)\)/i.exec(cell);
  if (paren) return BigInt(paren[1]);
  const shift = /1<<(\d+)/.exec(cell);
  if (shift) return 1n << BigInt(shift[1]);
  const hex = /0x[0-9a-f]+/i.exec(cell);
  if (hex) return BigInt(hex[0]);
  throw new Error(`no value in ${cell}`);
}

const names = (cell: string) => [...cell.matchAll(/`([a-z_]+)`/gi)].map((m) => m[1].toLowerCase());

/** name → value as the reference gives it, for flags (§5.1) and ccaps (§5.2). */
function referenceMap(sec: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [nameCell, valueCell] of rows(section(sec))) {
    const ns = names(nameCell);
    if (ns.length === 0) continue; // "– (kernel VXF_INFO_SCHED)": no util-vserver name
    for (const n of ns) out.set(n, value(valueCell));
  }
  return out;
}

function referenceBcaps(): Map<string, bigint> {
  const text = section('5.3').join(' ');
  const list = /bit = Linux capability number: (.*?)\. \(Newer/.exec(text);
  if (!list) throw new Error('no bcap list in §5.3');
  return new Map(list[1].split(',').map((p) => p.trim().split(/\s+/)).map(([n, b]) => [n.toLowerCase(), 1n << BigInt(b)]));
}

const simMap = (table: sim.SimName[]) => new Map(table.map((e) => [e.name.toLowerCase(), e.value]));

function providerMap(table: prov.NameEntry[], aliases: Record<string, string>): Map<string, bigint> {
  const m = new Map(table.map((e) => [e.name.toLowerCase(), e.value]));
  for (const [alias, canonical] of Object.entries(aliases)) m.set(alias, m.get(canonical)!);
  return m;
}

const sorted = (m: Map<string, bigint>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

test('the reference fixture is §5 of the shared reference, verbatim (when the shared file is present)', (t) => {
  t.true(md.includes('### 5.1 Context flags') && md.includes('### 5.3 System (bounding) capabilities'));
  if (!fs.existsSync(SHARED)) return;
  const shared = fs.readFileSync(SHARED, 'utf8');
  const body = md.slice(md.indexOf('\n') + 1);
  t.true(shared.includes(body.trimEnd()), 'test/fixtures/reference/flags-and-capabilities.md is out of date');
});

test('context flags (§5.1): simulator and provider tables both equal the reference', (t) => {
  const ref = referenceMap('5.1');
  t.true(ref.size >= 30);
  t.deepEqual(sorted(simMap(sim.SIM_CFLAGS)), sorted(ref), 'simulator');
  t.deepEqual(sorted(providerMap(prov.CFLAG_TABLE, prov.CFLAG_ALIASES)), sorted(ref), 'provider');
});

test('context capabilities (§5.2): simulator and provider tables both equal the reference', (t) => {
  const ref = referenceMap('5.2');
  t.is(ref.size, 24);
  t.deepEqual(sorted(simMap(sim.SIM_CCAPS)), sorted(ref), 'simulator');
  t.deepEqual(sorted(providerMap(prov.CCAP_TABLE, prov.CCAP_ALIASES)), sorted(ref), 'provider');
});

test('system capabilities (§5.3): simulator and provider tables both equal the reference', (t) => {
  const ref = referenceBcaps();
  t.is(ref.size, 34);
  t.deepEqual(sorted(simMap(sim.SIM_BCAPS)), sorted(ref), 'simulator');
  t.deepEqual(sorted(providerMap(prov.BCAP_TABLE, {})), sorted(ref), 'provider');
});

test('unshare mask names (§5.3 last paragraph) and the --secure / new-context values (§5.4, §2)', (t) => {
  const umask = /UV `lib\/umask-v23.c`\): (.*?) \(= the CLONE/.exec(section('5.3').join(' '));
  t.deepEqual(sim.SIM_UMASK.map((e) => e.name), names(umask![1]));
  const secure = section('5.4').join(' ');
  const bcaps = BigInt(/secure value handed to the kernel is `(0x[0-9a-f]+)`/.exec(secure)![1]);
  const ccaps = BigInt(/ccaps := .*?\((0x[0-9a-f]+)\)/.exec(secure)![1]);
  t.is(sim.SIM_SECURE_BCAPS, bcaps);
  t.is(prov.SECURE_BCAPS, bcaps);
  t.is(sim.SIM_SECURE_CCAPS, ccaps);
  t.is(prov.SECURE_CCAPS, ccaps);
  t.is(sim.SIM_NEW_CONTEXT_FLAGS, 0x700000000n);
  t.is(sim.SIM_NEW_CONTEXT_BCAPS, prov.DEFAULT_CONTEXT_BCAPS);
});

test('list syntax (§5.5, UV lib/listparser.hc): negation toggles, all/none, ^N, C numbers, case-insensitive names and prefixes', (t) => {
  const p = (kind: sim.SimListKind, s: string) => sim.simParseList(kind, s);
  t.deepEqual(p('flag', 'VXF_Virt_Mem,~~hide_netif,!persistent'), { flag: 0x10000n | 0x2000000n, mask: 0x10000n | 0x2000000n | (1n << 38n) });
  t.deepEqual(p('bcap', 'cap_chown,^34,0x10'), { flag: 0x1n | (1n << 34n) | 0x10n, mask: 0x1n | (1n << 34n) | 0x10n });
  t.deepEqual(p('ccap', 'all,~ping'), { flag: ((1n << 64n) - 1n) & ~0x100n, mask: (1n << 64n) - 1n });
  t.deepEqual(p('umask', 'none'), { flag: 0n, mask: 0n });
  t.deepEqual(p('flag', 'nosuch'), { bad: 'nosuch' });
  t.deepEqual(p('flag', 'lock,,nproc'), { bad: '' }, 'an empty item fails (listparser.hc:74)');
  t.deepEqual(p('flag', 'lock,'), { flag: 1n, mask: 1n }, 'a trailing comma ends the list');
  t.deepEqual(p('flag', '010'), { flag: 8n, mask: 8n }, 'C base 0: octal');
});

test('vattribute --get printing (§5.6, UV src/attribute-util.h): LIVE lines; a whole-value pseudo name; unnamed low bit ends the names', (t) => {
  const liveBcaps = 0xffffffffb44c04ffn | (1n << 32n) | (1n << 33n);
  t.is(
    sim.simPrintBitfield('bcap', liveBcaps),
    'CHOWN,DAC_OVERRIDE,DAC_READ_SEARCH,FOWNER,FSETID,KILL,SETGID,SETUID,NET_BIND_SERVICE,SYS_CHROOT,SYS_PTRACE,SYS_BOOT,SYS_TTY_CONFIG,LEASE,AUDIT_WRITE,SETFCAP,MAC_OVERRIDE,MAC_ADMIN,' +
      Array.from({ length: 30 }, (_, i) => `^${i + 34}`).join(','),
  );
  t.is(sim.simPrintBitfield('ccap', 0x4101n), 'set_utsname,raw_icmp,audit_control');
  t.is(sim.simPrintBitfield('flag', 0x10n | 0x20000n | 0x2000000n | (1n << 34n) | (1n << 36n)), 'fakeinit,virt_uptime,hide_netif,state_admin,sc_helper');
  t.is(sim.simPrintBitfield('flag', 0x20000n | (1n << 36n)), 'default');
  t.is(sim.simPrintBitfield('flag', 0x2n | 0x10n), '^1,^4', 'val2text.hc:68-76: no name for the lowest bit ends the name loop');
});

test('the simulator lays a host out exactly where the provider looks (simLayout = simHostPaths)', (t) => {
  for (const dir of ['/tmp/h1', 'rel/dir', '/a/b/../c/']) t.deepEqual({ ...simLayout(dir) }, { ...simHostPaths(dir) });
});

test('src/sim imports nothing from src/providers', (t) => {
  const offenders: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && /from '(\.\.\/)+providers\//.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
    }
  };
  walk(path.resolve('src/sim'));
  t.deepEqual(offenders, []);
});
