import { isIPv6 } from 'node:net';

/**
 * IPv6 text in one canonical form (RFC 5952), shared by the manifest normalizer and the
 * host observer so that desired and observed addresses compare equal.
 */

/** 16-bit groups of a valid IPv6 address (node's isIPv6 already said yes). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    text = text.slice(0, -v4[1]!.length);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (text.includes('::')) {
    const [a, b] = text.split('::') as [string, string];
    const head = parse(a);
    const rest = parse(b);
    const fill = 8 - tail.length - head.length - rest.length;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = parse(text);
  }
  return [...groups, ...tail];
}

/** RFC 5952 text: lowercase, no leading zeros, longest run (≥2) of zero groups as "::". */
export function canonicalIPv6(ip: string): string | undefined {
  if (!isIPv6(ip) || ip.includes('%')) return undefined;
  const g = ipv6Groups(ip);
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 §5).
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

// ---- issue 10 (iface) ----
/**
 * An interface `peer` (ip-address(8) `peer ADDRESS[/PREFIX]`) in one text form: IPv4 as written (no
 * leading zeros), IPv6 in RFC 5952 form, the prefix kept; undefined when it is no such address.
 */
export function canonicalPeer(text: string): string | undefined {
  const m = /^([^/]+)(?:\/(0|[1-9][0-9]{0,2}))?$/.exec(text);
  if (!m) return undefined;
  const ip = m[1]!;
  const suffix = m[2] !== undefined ? `/${m[2]}` : '';
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(ip)) return m[2] !== undefined && Number(m[2]) > 32 ? undefined : ip + suffix;
  if (!ip.includes(':') || ip.includes('%')) return undefined;
  const c = canonicalIPv6(ip);
  return c === undefined || (m[2] !== undefined && Number(m[2]) > 128) ? undefined : c + suffix;
}
// ---- end issue 10 (iface) ----
