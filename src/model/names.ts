/**
 * util-vserver's name tables for context flags, context capabilities and
 * system (bounding) capabilities, and its list syntax (reference §5).
 * Pure data and pure functions; shared by validation, the provider and the
 * simulated host.
 */

export interface NameEntry {
  name: string;
  value: bigint;
}

const b = (n: number) => 1n << BigInt(n);

/** Context flags (UV lib/cflags-v13.c order; first entry = canonical name). */
export const CFLAG_TABLE: NameEntry[] = [
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
  { name: 'state_setup', value: b(32) },
  { name: 'state_init', value: b(33) },
  { name: 'state_admin', value: b(34) },
  { name: 'sc_helper', value: b(36) },
  { name: 'reboot_kill', value: b(37) },
  { name: 'persistent', value: b(38) },
  { name: 'fork_rss', value: b(48) },
  { name: 'prolific', value: b(49) },
  { name: 'igneg_nice', value: b(52) },
  { name: 'igneg_ionice', value: b(53) },
  // pseudo flags
  { name: 'secure', value: 0x2000000n },
  { name: 'default', value: 0x20000n | b(36) },
];

/** Aliases accepted by util-vserver (lowercase) → canonical name. */
export const CFLAG_ALIASES: Record<string, string> = {
  info_lock: 'lock',
  info_nproc: 'nproc',
  info_private: 'private',
  info_init: 'fakeinit',
  info_hideinfo: 'hideinfo',
  info_ulimit: 'ulimit',
  info_namespace: 'namespace',
  info_nspace: 'namespace',
};

/** Context capabilities (UV lib/ccaps-v13.c). */
export const CCAP_TABLE: NameEntry[] = [
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
];

export const CCAP_ALIASES: Record<string, string> = {
  utsname: 'set_utsname',
  rlimit: 'set_rlimit',
  icmp: 'raw_icmp',
  ping: 'raw_icmp',
  mount: 'secure_mount',
  remount: 'secure_remount',
};

/** System capabilities, bit = Linux capability number (UV lib/bcaps-v13.c). */
export const BCAP_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN',
] as const;

export const BCAP_TABLE: NameEntry[] = BCAP_NAMES.map((name, i) => ({ name, value: b(i) }));

// ---- issue 10 (adopt): network context flags and capabilities (chbind --flag/--ncap) ----
/** Network flags (UV lib/nflags-net.c, values lib/vserver.h VC_NXF_*). */
export const NFLAG_TABLE: NameEntry[] = [
  { name: 'lock', value: 0x1n },
  { name: 'private', value: 0x8n },
  { name: 'single_ip', value: 0x100n },
  { name: 'lback_remap', value: 0x200n },
  { name: 'lback_allow', value: 0x400n },
  { name: 'hide_netif', value: 0x2000000n },
  { name: 'hide_lback', value: 0x4000000n },
  { name: 'state_setup', value: b(32) },
  { name: 'state_admin', value: b(34) },
  { name: 'sc_helper', value: b(36) },
  { name: 'persistent', value: b(38) },
];
export const NFLAG_ALIASES: Record<string, string> = { remap_lback: 'lback_remap', info_lock: 'lock', info_private: 'private' };
/** Network capabilities (UV lib/ncaps-net.c, VC_NXC_*). */
export const NCAP_TABLE: NameEntry[] = [
  { name: 'tun_create', value: 0x1n },
  { name: 'raw_icmp', value: 0x100n },
];
// ---- end issue 10 (adopt) ----

export type ListKind = 'flag' | 'ccap' | 'bcap' | 'nflag' | 'ncap';

/** What util-vserver says for an unknown name (vattribute exit 1). */
export const UNKNOWN_MESSAGE: Record<ListKind, string> = {
  flag: 'Unknown flag',
  ccap: 'Unknown ccap',
  bcap: 'Unknown bcap',
  nflag: 'Unknown nflag',
  ncap: 'Unknown ncap',
};

function tableFor(kind: ListKind): NameEntry[] {
  return kind === 'flag' ? CFLAG_TABLE : kind === 'ccap' ? CCAP_TABLE : kind === 'nflag' ? NFLAG_TABLE : kind === 'ncap' ? NCAP_TABLE : BCAP_TABLE;
}

/**
 * Resolve one name (no negation) to its canonical table name, or undefined.
 * Case-insensitive; strips the optional `vxf_` / `vxc_` / `cap_` prefix.
 */
export function canonicalName(kind: ListKind, raw: string): string | undefined {
  let n = raw.trim().toLowerCase();
  if (kind === 'flag' && n.startsWith('vxf_')) n = n.slice(4);
  if (kind === 'ccap' && n.startsWith('vxc_')) n = n.slice(4);
  if (kind === 'bcap' && n.startsWith('cap_')) n = n.slice(4);
  // removePrefix of lib/nflags-net.c, lib/ncaps-net.c
  if (kind === 'nflag' && n.length > 4 && n.startsWith('nxf_')) n = n.slice(4);
  if (kind === 'ncap' && n.length > 4 && n.startsWith('nxc_')) n = n.slice(4);
  if (kind === 'bcap') {
    const up = n.toUpperCase();
    return (BCAP_NAMES as readonly string[]).includes(up) ? up : undefined;
  }
  const aliases = kind === 'flag' ? CFLAG_ALIASES : kind === 'nflag' ? NFLAG_ALIASES : kind === 'ncap' ? {} : CCAP_ALIASES;
  if (aliases[n]) return aliases[n];
  return tableFor(kind).some((e) => e.name === n) ? n : undefined;
}

export function valueOf(kind: ListKind, canonical: string): bigint {
  const e = tableFor(kind).find((x) => x.name === canonical);
  if (!e) throw new Error(`unknown ${kind} ${canonical}`);
  return e.value;
}

export interface ListItem {
  /** true when the item clears the bits (odd number of ~/! prefixes) */
  negate: boolean;
  /** canonical name, or undefined for numeric / all / none items */
  name?: string;
  value: bigint;
  /** the item as written */
  raw: string;
  /** `all`/`any` or `none`: a whole-mask item, kept as written */
  special?: 'all' | 'none';
}

export type ListParseResult = { ok: true; items: ListItem[] } | { ok: false; bad: string };

/**
 * Parse util-vserver list syntax. Since issue 10 this is exactly
 * `parseListStrict` (UV lib/listparser.hc:55-102): no item is trimmed, so
 * `SYSLOG, RAW_ICMP` is refused in a manifest as `vattribute` refuses it in a
 * list file, and an empty item fails. Kept as a name for its callers.
 */
export function parseList(kind: ListKind, text: string): ListParseResult {
  const r = parseListStrict(kind, text);
  // vattribute names the item after its ~/! prefix (listparser.hc:62-66 moves str past it before *err_ptr = str)
  return r.ok ? r : { ok: false, bad: r.bad.replace(/^[~!]+/, '') };
}

/** C strtoll(base 0) for a whole token: 0x.. hex, leading 0 octal, else decimal. */
export function parseCNumber(s: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return BigInt(s);
  if (/^0[0-7]+$/.test(s)) return BigInt('0o' + s.slice(1));
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return undefined;
}

/** Apply parsed items to a mask the way the kernel does: (old & ~mask) | (value & mask). */
export function applyItems(old: bigint, items: ListItem[]): bigint {
  let v = old;
  for (const it of items) v = it.negate ? v & ~it.value : v | it.value;
  return v & ((1n << 64n) - 1n);
}

/**
 * Normalize list entries (lines / comma items) to util-vserver canonical
 * tokens: `name` or `~name`, deduplicated (last one wins), sorted by bit.
 * Throws nothing: returns the bad token on failure.
 */
export function normalizeList(kind: ListKind, entries: string[]): { ok: true; tokens: string[] } | { ok: false; bad: string } {
  const items: ListItem[] = [];
  for (const e of entries) {
    const r = parseList(kind, e);
    if (!r.ok) return r;
    items.push(...r.items);
  }
  return { ok: true, tokens: normalizeItems(kind, items) };
}

/**
 * Equivalent spellings are one value (issue 10 item 5): every item that is not
 * `all`/`none` is split into its bits, and each bit is named by the first
 * single-bit table entry with that value (`^29`, `0x20000000`, `CAP_AUDIT_WRITE`
 * and `audit_write` all become `AUDIT_WRITE`; the pseudo flag `secure` becomes
 * `hide_netif`). Bits without a name stay `^N`. Per bit the last item wins,
 * which is what the kernel's (old & ~mask) | (value & mask) sequence gives.
 */
export function normalizeItems(kind: ListKind, items: ListItem[]): string[] {
  const byKey = new Map<string, { bit: bigint; negate: boolean; token: string }>();
  for (const it of items) {
    if (it.special) {
      const label = it.special;
      byKey.set(label, { bit: it.value, negate: it.negate, token: (it.negate ? '~' : '') + label });
      continue;
    }
    for (const [bit, label] of bitNames(kind, it.value)) {
      byKey.set(label, { bit, negate: it.negate, token: (it.negate ? '~' : '') + label });
    }
  }
  return [...byKey.values()]
    .sort((x, y) => (x.bit < y.bit ? -1 : x.bit > y.bit ? 1 : x.token < y.token ? -1 : 1))
    .map((x) => x.token);
}

/** Each set bit of `value` with its canonical name (`^N` when the table has none). */
export function bitNames(kind: ListKind, value: bigint): [bigint, string][] {
  const table = tableFor(kind);
  const out: [bigint, string][] = [];
  for (let i = 0; i < 64; i++) {
    const bit = 1n << BigInt(i);
    if ((value & bit) === 0n) continue;
    const hit = table.find((e) => e.value === bit);
    out.push([bit, hit ? hit.name : `^${i}`]);
  }
  return out;
}

/**
 * C strtoll(s, &end, 0) as util-vserver's list and limit parsers call it:
 * leading white space, an optional sign, then 0x hex / 0 octal / decimal.
 * Returns the value (two's complement, 64 bits) and how many characters were
 * consumed (0: no conversion).
 */
export function cStrtoll(s: string): { value: bigint; end: number } {
  const m = /^([ \t\n\v\f\r]*)([+-]?)(0[xX](?=[0-9a-fA-F])[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return { value: 0n, end: 0 };
  const body = m[3]!;
  let n = /^0[xX]/.test(body) ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt('0o' + body.slice(1)) : BigInt(body);
  if (m[2] === '-') n = -n;
  return { value: BigInt.asUintN(64, n), end: m[0].length };
}

/**
 * util-vserver's list parser exactly (UV lib/listparser.hc:55-102, the
 * code behind `vattribute --flag/--bcap/--ccap` and `chbind --flag/--ncap`):
 * items split at `,` with no trimming, so `SYSLOG, RAW_ICMP` fails on
 * " RAW_ICMP" and an empty item (`a,,b`, a leading comma) fails; a trailing
 * comma ends the list; `~`/`!` toggle negation; an item that is a prefix of
 * `all`/`any`/`none` (strncasecmp over the item's length) is that keyword;
 * numbers go through strtoll base 0 (listparser.hc:30-42, `^N` = bit N) and
 * must end exactly at the item's end; names match a table entry over their
 * whole length, case-insensitive, with an optional `cap_`/`vxf_`/`vxc_`
 * prefix (UV lib/bcaps-v13.c removePrefix). A CR of a CRLF file is part of the
 * last item and fails it.
 */
export function parseListStrict(kind: ListKind, text: string): ListParseResult {
  const items: ListItem[] = [];
  let str = text;
  while (str.length > 0) {
    let i = 0;
    let negate = false;
    while (i < str.length && (str[i] === '~' || str[i] === '!')) {
      negate = !negate;
      i++;
    }
    const rest = str.slice(i);
    const comma = rest.indexOf(',');
    const item = comma < 0 ? rest : rest.slice(0, comma);
    const raw = str.slice(0, i) + item;
    const isPrefixOf = (word: string) => item.length <= word.length && word.startsWith(item.toLowerCase());
    if (item === '') return { ok: false, bad: raw };
    if (isPrefixOf('all') || isPrefixOf('any')) items.push({ negate, value: (1n << 64n) - 1n, raw, special: 'all' });
    else if (isPrefixOf('none')) items.push({ negate, value: 0n, raw, special: 'none' });
    else {
      let value: bigint | undefined;
      if (item.startsWith('^')) {
        const n = cStrtoll(item.slice(1));
        if (n.end > 0 && n.end === item.length - 1 && n.value < 64n) value = 1n << n.value;
      } else {
        const n = cStrtoll(item);
        if (n.end > 0 && n.end === item.length) value = n.value;
      }
      if (value !== undefined) items.push({ negate, value, raw });
      else {
        const name = item === item.trim() ? canonicalName(kind, item) : undefined;
        if (!name) return { ok: false, bad: raw };
        items.push({ negate, name, value: valueOf(kind, name), raw });
      }
    }
    if (comma < 0) break;
    str = rest.slice(comma + 1);
  }
  return { ok: true, items };
}

/**
 * util-vserver's print_bitfield (vattribute --get; UV src/attribute-util.h:34-63)
 * over vc_lo*2text (UV lib/val2text.hc:44-77): names first — the first table
 * entry equal to the whole remaining value (so `default` for exactly
 * virt_uptime|sc_helper), else the entry of the lowest set bit; the name loop
 * stops at the first lowest bit without a name — then every remaining bit as
 * `^N`, lowest first; a remaining bit 0 ends that loop (ffsull returns 0 for it,
 * attribute-util.h:21-31,50-52) and is not printed.
 */
export function printBitfield(kind: ListKind, value: bigint): string {
  const table = tableFor(kind);
  const out: string[] = [];
  let v = value & ((1n << 64n) - 1n);
  while (v !== 0n) {
    const hit = table.find((e) => e.value === v) ?? table.find((e) => e.value === (v & -v));
    if (!hit) break;
    out.push(hit.name);
    v &= ~hit.value;
  }
  while (v !== 0n) {
    let bit = 0;
    while ((v & (1n << BigInt(bit))) === 0n) bit++;
    if (bit === 0) break;
    out.push('^' + bit);
    v &= ~(1n << BigInt(bit));
  }
  return out.join(',');
}

/** Masks util-vserver's `vattribute --set --secure` sets (reference §5.4, ✔LIVE). */
export const SECURE_BCAPS = 0xffffffffb44c04ffn;
export const SECURE_CCAPS = 0x4101n;
/** Kernel defaults for a new context (§2, ✔LIVE). */
export const DEFAULT_CONTEXT_FLAGS = b(32) | b(33) | b(34);
export const DEFAULT_CONTEXT_BCAPS = 0x8000003fffffffffn;

export function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}
