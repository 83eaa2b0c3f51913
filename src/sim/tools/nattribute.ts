/**
 * nattribute (UV src/nattribute.c), issue 10 (iface): `--set` hands the kernel
 * the ncaps (vc_set_ncaps) and then the nflags (vc_set_nflags) of a network
 * context; `--get` prints both. The kernel (K-4.9 kernel/vserver/network.c
 * vc_set_nflags) applies `(old & ~mask) | (value & mask)`, where the one-time
 * bits STATE_SETUP|STATE_ADMIN (NXF_ONE_TIME) can only be cleared.
 */
import { big, hex } from '../kernel-state.js';
import { loadKernel, mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import { NCAP_TABLE, NET_FLAG_TABLE } from '../vserver/net-names.js';
import { splitProgram } from './xid.js';

const ALL = (1n << 64n) - 1n;
const NXF_ONE_TIME = (1n << 32n) | (1n << 34n);

interface Masked {
  value: bigint;
  mask: bigint;
}

/**
 * One `--flag`/`--ncap` argument as lib/listparser.hc reads it: comma items,
 * each `~`/`!` toggles clearing, `all`/`any`/`none`, `^N` (bit N), a C number,
 * else a name of the table (optional nxf_/nxc_ prefix). Returns the unknown item.
 */
function parseArg(table: [string, bigint][], text: string, into: Masked): string | undefined {
  for (const raw of text.split(',')) {
    let i = 0;
    let negate = false;
    while (raw[i] === '~' || raw[i] === '!') {
      negate = !negate;
      i++;
    }
    const body = raw.slice(i);
    const n = body.toLowerCase().replace(/^nx[fc]_/, '');
    let bits: bigint | undefined;
    if (n === 'all' || n === 'any') bits = ALL;
    else if (n === 'none') bits = 0n;
    else if (/^\^\d+$/.test(n)) bits = 1n << BigInt(n.slice(1));
    else if (/^(0x[0-9a-f]+|\d+)$/.test(n)) bits = BigInt(n);
    else bits = table.find(([k]) => k === n)?.[1];
    if (bits === undefined) return body;
    into.mask |= bits;
    into.value = negate ? into.value & ~bits : into.value | bits;
  }
  return undefined;
}

function bitNames(table: [string, bigint][], v: bigint): string {
  const names: string[] = [];
  for (const [k, b] of table) if ((v & b) === b && b !== 0n && !names.some((x) => table.find(([y]) => y === x)?.[1] === b)) names.push(k);
  return names.map((n) => `  ${n}\n`).join('');
}

export function nattribute(ctx: ToolCtx, argv: string[], run: (xid: number, program: string[]) => number): number {
  const { opts, program } = splitProgram(argv);
  let mode: 'get' | 'set' = 'set';
  let nid: number | undefined;
  const flags: Masked = { value: 0n, mask: 0n };
  const caps: Masked = { value: 0n, mask: 0n };
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i]!;
    if (a === '--set') mode = 'set';
    else if (a === '--get') mode = 'get';
    else if (a === '--nid') {
      const v = opts[++i] ?? '';
      if (!/^\d+$/.test(v)) fail(ctx, 1, `nattribute: invalid nid '${v}'\n`);
      nid = Number(v);
    } else if (a === '--flag') {
      const bad = parseArg(NET_FLAG_TABLE, opts[++i] ?? '', flags);
      if (bad !== undefined) fail(ctx, 1, `Unknown flag '${bad}'\n`);
    } else if (a === '--ncap') {
      const bad = parseArg(NCAP_TABLE, opts[++i] ?? '', caps);
      if (bad !== undefined) fail(ctx, 1, `Unknown ncap '${bad}'\n`);
    } else if (a === '--secure') {
      // parseSecure assigns raw_icmp and hide_netif
      Object.assign(caps, { value: 0x100n, mask: 0x100n });
      Object.assign(flags, { value: 0x2000000n, mask: 0x2000000n });
    } else fail(ctx, 255, `Try '${ctx.argv0}' --help' for more information.\n`);
  }
  const target = nid ?? ctx.selfXid;
  if (mode === 'get') {
    const s = loadKernel(ctx.host); // reads only the network context it is asked about
    const n = s.nets[target];
    if (!n) fail(ctx, 1, 'nattribute: vc_get_nflags(): No such process\n');
    ctx.io.out(`ncapabilities:\n${bitNames(NCAP_TABLE, big(n.ncaps))}\nnflags:\n${bitNames(NET_FLAG_TABLE, big(n.flags))}\n`);
  } else if (caps.mask !== 0n || flags.mask !== 0n) {
    const err = mutateKernel(ctx.host, (s, t) => {
      const n = s.nets[target];
      if (!n) return caps.mask !== 0n ? 'vc_set_ncaps' : 'vc_set_nflags';
      t.nids.push(target);
      if (caps.mask !== 0n) n.ncaps = hex((big(n.ncaps) & ~caps.mask) | (caps.value & caps.mask));
      if (flags.mask !== 0n) {
        const cur = big(n.flags);
        const mask = flags.mask & ~(NXF_ONE_TIME & ~cur); // vs_mask_mask: a one-time bit can only be cleared
        n.flags = hex((cur & ~mask) | (flags.value & mask));
      }
      return undefined;
    });
    if (err) fail(ctx, 1, `nattribute: ${err}(): No such process\n`);
  }
  return program.length > 0 ? run(target, program) : 0;
}
