/** naddress (UV src/naddress.c): add/remove addresses of a network context. */
import { mutateKernel } from '../store.js';
import { parseAddress } from '../kernel-ops.js';
import { fail, type ToolCtx } from '../tool-io.js';
import type { NetAddress } from '../kernel-state.js';

export const NADDRESS_USAGE =
  'Usage:\n  naddress (--add|--remove|--set) [--silent] [--nid <nid>]\n    [--ip <ip_num>[/<mask>]] [--bcast <broadcast>] [--] <commands> <args>*\n\nPlease report bugs to vserver@list.linux-vserver.org\n';

export function naddress(ctx: ToolCtx, argv: string[]): number {
  if (argv.includes('--help')) {
    ctx.io.out(NADDRESS_USAGE);
    return 0;
  }
  let mode: 'add' | 'remove' | 'set' | undefined;
  let nid: number | undefined;
  const ips: NetAddress[] = [];
  let bcast: string | undefined;
  let lback: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '--add' || a === '--remove' || a === '--set') mode = a.slice(2) as typeof mode;
    else if (a === '--silent') continue;
    else if (a === '--nid') nid = Number(argv[++i]);
    else if (a === '--ip') {
      const v = argv[++i] ?? '';
      const p = parseAddress(v);
      if (!p) fail(ctx, 255, `Invalid IP number '${v}'\n`);
      ips.push(p);
    } else if (a === '--bcast') bcast = argv[++i];
    else if (a === '--lback') lback = argv[++i];
    else fail(ctx, 255, `naddress: unknown option '${a}'\n`);
  }
  if (!mode) fail(ctx, 255, "No operation specified; try '--help' for more information\n");
  if (nid === undefined || !Number.isInteger(nid)) fail(ctx, 255, "No nid specified; try '--help' for more information\n");
  const ok = mutateKernel(ctx.host, (s, t) => {
    const n = s.nets[nid!];
    if (!n) return false;
    t.nids.push(nid!);
    const same = (x: NetAddress, y: NetAddress) => x.family === y.family && x.ip === y.ip && x.mask === y.mask;
    if (mode === 'set') n.addresses = [];
    if (mode === 'remove') n.addresses = n.addresses.filter((x) => !ips.some((y) => same(x, y)));
    else for (const ip of ips) if (!n.addresses.some((x) => same(x, ip))) n.addresses.push(ip);
    if (bcast && mode !== 'remove') n.bcast = bcast;
    if (lback && mode !== 'remove') n.lback = lback;
    return true;
  });
  if (!ok) fail(ctx, 255, `naddress: vc_net_${mode === 'remove' ? 'remove' : 'add'}(): No such process\n`);
  return 0;
}
