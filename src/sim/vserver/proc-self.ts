/** /proc/self/vinfo and ninfo of a process inside a context (§1.12), for `vserver NAME exec cat …`. */
import { big, type SimContext, type SimNetContext } from '../kernel-state.js';
import { expandIpv6, ipv6Mask } from '../proc-render.js';

const h16 = (s: string) => big(s).toString(16).padStart(16, '0');

export function renderVinfo(c: SimContext): string {
  return `XID:\t${c.xid}\nBCaps:\t${h16(c.bcaps)}\nCCaps:\t${h16(c.ccaps)}\nCFlags:\t${h16(c.flags)}\nCIPid:\t${c.initPid}\n`;
}

export function renderNinfo(n: SimNetContext | undefined): string {
  if (!n) return 'NID:\t0\n';
  let out = `NID:\t${n.nid}\nNCaps:\t${h16(n.ncaps)}\nNFlags:\t${h16(n.flags)}\nV4Root[bcast]:\t${n.bcast}\nV4Root[lback]:\t${n.lback}\n`;
  n.addresses.filter((a) => a.family === 4).forEach((a, i) => (out += `V4Root[${i}]:\t[${a.ip}-0.0.0.0/${a.mask}:${a.type.toString(16).padStart(4, '0')}]\n`));
  n.addresses
    .filter((a) => a.family === 6)
    .forEach((a, i) => (out += `V6Root[${i}]:\t[${expandIpv6(a.ip)}/${ipv6Mask(a.prefix)}/${a.prefix}:${a.type.toString(16).padStart(4, '0')}]\n`));
  return out;
}
