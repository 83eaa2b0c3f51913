import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIPv6 } from '../model/ip.js';

export { canonicalIPv6 };

export interface ParsedAddress {
  /** canonical text: dotted quad, or RFC 5952 IPv6 */
  address: string;
  family: 4 | 6;
  prefix: number;
}

/**
 * A guest address must be one host address: not the unspecified address
 * (0.0.0.0, ::), which util-vserver would put on the host device as "every
 * address", and not a /0 prefix, which makes the guest's network the whole
 * address space (a default route through the guest's device).
 */
function guestAddress(a: ParsedAddress): ParsedAddress | { error: string } {
  if (a.address === '0.0.0.0' || a.address === '::') return { error: `${a.address} is the unspecified address, not an address a guest can have` };
  if (a.prefix === 0) return { error: `prefix length 0 makes ${a.address}/0 a default route (the whole address space), not a guest network` };
  return a;
}

/** Parses `ip/prefix` into canonical form, or returns a plain-language error. */
export function parseAddressWithPrefix(text: string): ParsedAddress | { error: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { error: `address '${text}' needs a prefix length, e.g. ${text}/24` };
  const ip = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return { error: `invalid prefix length '${prefixText}'` };
  const prefix = Number(prefixText);
  if (/^[0-9]+(\.[0-9]+){3}$/.test(ip) && ip.split('.').some((o) => o.length > 1 && o.startsWith('0'))) {
    return { error: `IPv4 address '${ip}' has a leading zero (ambiguous: octal or decimal)` };
  }
  if (isIPv4(ip)) {
    if (prefix > 32) return { error: `IPv4 prefix length must be 0 to 32 (got ${prefix})` };
    return guestAddress({ address: ip, family: 4, prefix });
  }
  if (isIPv6(ip) && !ip.includes('%')) {
    if (prefix > 128) return { error: `IPv6 prefix length must be 0 to 128 (got ${prefix})` };
    return guestAddress({ address: canonicalIPv6(ip)!, family: 6, prefix });
  }
  return { error: `'${ip}' is not an IPv4 or IPv6 address` };
}
