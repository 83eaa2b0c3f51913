/**
 * The simulated host's own copy of util-vserver's name tables and list parser,
 * transcribed from util-vserver (github:linux-vserver/util-vserver @ c0e96369)
 * and the kernel facts of the reference (§2, §5). Deliberately independent of
 * src/providers: the simulator is the yardstick the provider is measured
 * against, so the two must not share a table (test/sim/tables.test.ts compares
 * both with the reference).
 */

/** util-vserver `struct Mapping_uint64`: a name and its value, in source order. */
export interface SimName {
  name: string;
  value: bigint;
}

const bit = (n: number) => 1n << BigInt(n);
const ALL64 = (1n << 64n) - 1n;

/**
 * Context flags, lib/cflags-v13.c:33-85 (VALUES[], in that order: names,
 * pseudo flags `secure`/`default`, then the legacy `info_*` aliases). Values:
 * lib/vserver.h:167-202 (VC_VXF_*).
 */
export const SIM_CFLAGS: SimName[] = [
  { name: 'lock', value: 0x1n },
  { name: 'nproc', value: 0x4n },
  { name: 'private', value: 0x8n },
  { name: 'fakeinit', value: 0x10n },
  { name: 'hideinfo', value: 0x20n },
  { name: 'ulimit', value: 0x40n },
  { name: 'namespace', value: 0x80n },
  { name: 'sched_hard', value: 0x100n },
  { name: 'sched_prio', value: 0x200n },
  { name: 'sched_pause', value: 0x400n },
  { name: 'virt_mem', value: 0x10000n },
  { name: 'virt_uptime', value: 0x20000n },
  { name: 'virt_cpu', value: 0x40000n },
  { name: 'virt_load', value: 0x80000n },
  { name: 'virt_time', value: 0x100000n },
  { name: 'hide_mount', value: 0x1000000n },
  { name: 'hide_netif', value: 0x2000000n },
  { name: 'hide_vinfo', value: 0x4000000n },
  { name: 'state_setup', value: bit(32) },
  { name: 'state_init', value: bit(33) },
  { name: 'state_admin', value: bit(34) },
  { name: 'sc_helper', value: bit(36) },
  { name: 'persistent', value: bit(38) },
  { name: 'reboot_kill', value: bit(37) },
  { name: 'fork_rss', value: bit(48) },
  { name: 'prolific', value: bit(49) },
  { name: 'igneg_nice', value: bit(52) },
  { name: 'igneg_ionice', value: bit(53) },
  // pseudo flags (cflags-v13.c:70-72)
  { name: 'secure', value: 0x2000000n },
  { name: 'default', value: 0x20000n | bit(36) },
  // aliases for the legacy flags (cflags-v13.c:74-84)
  { name: 'info_lock', value: 0x1n },
  { name: 'info_nproc', value: 0x4n },
  { name: 'info_private', value: 0x8n },
  { name: 'info_init', value: 0x10n },
  { name: 'info_hideinfo', value: 0x20n },
  { name: 'info_ulimit', value: 0x40n },
  { name: 'info_namespace', value: 0x80n },
  { name: 'info_nspace', value: 0x80n },
];

/** Context capabilities, lib/ccaps-v13.c:33-59 (deprecated aliases last); values lib/vserver.h:206-227. */
export const SIM_CCAPS: SimName[] = [
  { name: 'set_utsname', value: 0x1n },
  { name: 'set_rlimit', value: 0x2n },
  { name: 'fs_security', value: 0x4n },
  { name: 'fs_trusted', value: 0x8n },
  { name: 'tiocsti', value: 0x10n },
  { name: 'raw_icmp', value: 0x100n },
  { name: 'syslog', value: 0x1000n },
  { name: 'oom_adjust', value: 0x2000n },
  { name: 'audit_control', value: 0x4000n },
  { name: 'secure_mount', value: 0x10000n },
  { name: 'secure_remount', value: 0x20000n },
  { name: 'binary_mount', value: 0x40000n },
  { name: 'dev_mount', value: 0x80000n },
  { name: 'quota_ctl', value: 0x100000n },
  { name: 'admin_mapper', value: 0x200000n },
  { name: 'admin_cloop', value: 0x400000n },
  { name: 'kthread', value: 0x1000000n },
  { name: 'namespace', value: 0x2000000n },
  { name: 'mount', value: 0x10000n },
  { name: 'remount', value: 0x20000n },
  { name: 'icmp', value: 0x100n },
  { name: 'ping', value: 0x100n },
  { name: 'utsname', value: 0x1n },
  { name: 'rlimit', value: 0x2n },
];

/**
 * System capabilities, lib/bcaps-v13.c:34-69: `1 << VC_CAP_x` with the
 * numbers of lib/vserver.h:113-146 (= the Linux capability numbers).
 */
const BCAP_NUMBERS: [string, number][] = [
  ['CHOWN', 0], ['DAC_OVERRIDE', 1], ['DAC_READ_SEARCH', 2], ['FOWNER', 3], ['FSETID', 4], ['KILL', 5],
  ['SETGID', 6], ['SETUID', 7], ['SETPCAP', 8], ['LINUX_IMMUTABLE', 9], ['NET_BIND_SERVICE', 10],
  ['NET_BROADCAST', 11], ['NET_ADMIN', 12], ['NET_RAW', 13], ['IPC_LOCK', 14], ['IPC_OWNER', 15],
  ['SYS_MODULE', 16], ['SYS_RAWIO', 17], ['SYS_CHROOT', 18], ['SYS_PTRACE', 19], ['SYS_PACCT', 20],
  ['SYS_ADMIN', 21], ['SYS_BOOT', 22], ['SYS_NICE', 23], ['SYS_RESOURCE', 24], ['SYS_TIME', 25],
  ['SYS_TTY_CONFIG', 26], ['MKNOD', 27], ['LEASE', 28], ['AUDIT_WRITE', 29], ['AUDIT_CONTROL', 30],
  ['SETFCAP', 31], ['MAC_OVERRIDE', 32], ['MAC_ADMIN', 33],
];
export const SIM_BCAPS: SimName[] = BCAP_NUMBERS.map(([name, n]) => ({ name, value: bit(n) }));

/** Unshare mask, lib/umask-v23.c:32-40 (the CLONE_* bits of <linux/sched.h>). */
export const SIM_UMASK: SimName[] = [
  { name: 'fs', value: 0x200n },
  { name: 'newns', value: 0x20000n },
  { name: 'newuts', value: 0x4000000n },
  { name: 'newipc', value: 0x8000000n },
  { name: 'newuser', value: 0x10000000n },
  { name: 'newpid', value: 0x20000000n },
  { name: 'newnet', value: 0x40000000n },
];

export type SimListKind = 'flag' | 'bcap' | 'ccap' | 'umask';

const TABLES: Record<SimListKind, SimName[]> = { flag: SIM_CFLAGS, bcap: SIM_BCAPS, ccap: SIM_CCAPS, umask: SIM_UMASK };

/** The prefix each lookup strips (cflags-v13.c:88-97 `vxf_`, ccaps-v13.c:61-71 `vxc_`, bcaps-v13.c:71-81 `cap_`; umask none). */
const PREFIX: Record<SimListKind, string | null> = { flag: 'vxf_', ccap: 'vxc_', bcap: 'cap_', umask: null };

/** vattribute's message for an unknown item (src/vattribute.c:111,127,143,159). */
export const SIM_UNKNOWN: Record<SimListKind, string> = { flag: 'Unknown flag', bcap: 'Unknown bcap', ccap: 'Unknown ccap', umask: 'Unknown namespace' };

/**
 * vc_text2cflag & co: strip the prefix (case-insensitive, only when the name
 * is longer than it), then the first entry with equal length and equal
 * letters ignoring case (lib/val2text.hc:29-42). 0 = unknown.
 */
export function simText2Value(kind: SimListKind, text: string): bigint {
  let t = text;
  const p = PREFIX[kind];
  if (p !== null && t.length > p.length && t.slice(0, p.length).toLowerCase() === p) t = t.slice(p.length);
  const lower = t.toLowerCase();
  return TABLES[kind].find((e) => e.name.toLowerCase() === lower)?.value ?? 0n;
}

/** The result of utilvserver_listparser_uint64: bits to set (flag) and bits touched (mask). */
export interface SimListValue {
  flag: bigint;
  mask: bigint;
}

/** strtoll(s, &end, 0) over a whole item: leading blanks and a sign allowed, then 0x.. / 0.. / decimal. */
function strtollWhole(s: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2];
  const v = /^0[xX]/.test(body) ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt('0o' + body.slice(1)) : BigInt(body);
  return (m[1] === '-' ? -v : v) & ALL64;
}

/**
 * utilvserver_listparser_uint64 (lib/listparser.hc:45-102) with a mask, as
 * vattribute calls it: items split at `,`; each may start with any number of
 * `!`/`~` (each toggles "clear"); an empty item fails; an item that is a
 * prefix of `all`/`any` (case-insensitive) means all bits, a prefix of `none`
 * nothing (strncasecmp with the item's length, listparser.hc:76-80); `^N` is
 * bit N and a whole C number is taken literally (isNumber, listparser.hc:30-42);
 * anything else is looked up by name. Bits are applied left to right to
 * `flag` (`|=` or `&= ~`), every item's bits are added to `mask`. On failure
 * the offending item is returned. A start value (the `struct` the caller
 * filled before) can be given.
 */
export function simParseList(kind: SimListKind, text: string, start: SimListValue = { flag: 0n, mask: 0n }): SimListValue | { bad: string } {
  let { flag, mask } = start;
  let rest = text;
  for (;;) {
    let neg = false;
    while (rest.length > 0 && (rest[0] === '!' || rest[0] === '~')) {
      neg = !neg;
      rest = rest.slice(1);
    }
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    let v: bigint | undefined;
    const low = item.toLowerCase();
    if (item.length === 0) return { bad: item };
    if ('all'.startsWith(low) || 'any'.startsWith(low)) v = ALL64;
    else if ('none'.startsWith(low)) v = 0n;
    else if (item.startsWith('^')) {
      const n = strtollWhole(item.slice(1));
      // C: 1ULL << n; x86 masks the shift count to 6 bits
      v = n === undefined ? undefined : 1n << (n & 63n);
    } else v = strtollWhole(item);
    if (v === undefined) {
      v = simText2Value(kind, item);
      if (v === 0n) return { bad: item };
    }
    flag = neg ? flag & ~v : flag | v;
    mask |= v;
    if (comma < 0) break;
    rest = rest.slice(comma + 1);
    if (rest.length === 0) break; // a trailing comma ends the list (len reaches 0)
  }
  return { flag: flag & ALL64, mask: mask & ALL64 };
}

/**
 * vattribute's print_bitfield (src/attribute-util.h:34-63) over vc_lo*2text
 * (lib/val2text.hc:44-77): names first — the first table entry equal to the
 * whole remaining value, else the entry of the lowest set bit; the name loop
 * stops at the first lowest bit without a name — then every remaining bit as
 * `^N`; a remaining bit 0 ends that loop (ffsull returns 0 for it).
 */
export function simPrintBitfield(kind: SimListKind, value: bigint): string {
  const table = TABLES[kind];
  const out: string[] = [];
  let v = value & ALL64;
  while (v !== 0n) {
    let hit = table.find((e) => e.value === v);
    if (!hit) {
      const low = v & -v;
      hit = table.find((e) => e.value === low);
    }
    if (!hit) break;
    out.push(hit.name);
    v &= ~hit.value;
  }
  while (v !== 0n) {
    let n = 0;
    while ((v & (1n << BigInt(n))) === 0n) n++;
    if (n === 0) break;
    out.push('^' + n);
    v &= ~(1n << BigInt(n));
  }
  return out.join(',');
}

/**
 * `vattribute --secure` (src/vattribute.c:167-178): bcaps := ~vc_get_insecurebcaps()
 * with a full mask. lib/getinsecurebcaps.c:25-39 builds the insecure set as
 * `~(int expression)`: the expression includes 1<<31 (SETFCAP), an `int`, so
 * the complement is a positive int and the upper 32 bits of the insecure set
 * are 0 — the secure set has them all (LIVE BCaps ffffffffb44c04ff).
 * SYS_BOOT (vshelper) and AUDIT_WRITE (migrate) count as secure on the G4 kernel.
 */
function secureBcaps(): bigint {
  const n = (c: string) => BCAP_NUMBERS.find(([k]) => k === c)![1];
  const secureInt =
    ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_TTY_CONFIG', 'LEASE', 'SETFCAP', 'SYS_BOOT', 'AUDIT_WRITE']
      .map((c) => 1 << n(c))
      .reduce((a, b) => a | b, 0) | 0; // C int: bit 31 makes it negative
  const insecure = BigInt(~secureInt) & ALL64; // ~negative int = positive int, zero-extended
  return ~insecure & ALL64;
}
export const SIM_SECURE_BCAPS = secureBcaps();
/** ~vc_get_insecureccaps() (lib/vserver.h:982): SET_UTSNAME | RAW_ICMP | AUDIT_CONTROL. */
export const SIM_SECURE_CCAPS = 0x1n | 0x100n | 0x4000n;
/** parseSecure's flag part: HIDE_NETIF (vattribute.c:176-177). */
export const SIM_SECURE_FLAGS = 0x2000000n;

/**
 * A new context on the G4 kernel (reference §2, ✔LIVE): flags VXF_INIT_SET =
 * STATE_SETUP|STATE_INIT|STATE_ADMIN, bcaps the full set the kernel knows
 * (caps 0–37 plus bit 63: LIVE `BCaps: 8000003fffffffff`).
 */
export const SIM_NEW_CONTEXT_FLAGS = bit(32) | bit(33) | bit(34);
export const SIM_NEW_CONTEXT_BCAPS = 0x8000003fffffffffn;
