/** Network flag / capability names (UV lib/nflags-net.c, lib/ncaps-net.c; §5.3). */
export const NET_FLAG_TABLE: [string, bigint][] = [
  ['lock', 0x1n], ['info_lock', 0x1n], ['private', 0x8n], ['info_private', 0x8n], ['single_ip', 0x100n],
  ['lback_remap', 0x200n], ['remap_lback', 0x200n], ['lback_allow', 0x400n], ['hide_netif', 0x2000000n],
  ['hide_lback', 0x4000000n], ['state_setup', 1n << 32n], ['state_admin', 1n << 34n], ['sc_helper', 1n << 36n],
  ['persistent', 1n << 38n],
];
export const NCAP_TABLE: [string, bigint][] = [['tun_create', 0x1n], ['raw_icmp', 0x100n]];

/** Comma list with ~/! negation; returns the unknown token on failure. */
export function parseNetList(table: [string, bigint][], text: string): { negate: boolean; value: bigint }[] | string {
  const out: { negate: boolean; value: bigint }[] = [];
  for (const raw of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    let negate = false;
    let i = 0;
    while (raw[i] === '~' || raw[i] === '!') {
      negate = !negate;
      i++;
    }
    const n = raw.slice(i).toLowerCase().replace(/^nxf_|^nxc_/, '');
    const e = table.find(([k]) => k === n);
    if (!e) return raw.slice(i);
    out.push({ negate, value: e[1] });
  }
  return out;
}
