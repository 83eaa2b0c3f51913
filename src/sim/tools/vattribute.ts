/** vattribute (UV src/vattribute.c): --get prints §5.6, --set applies ccaps, bcaps, flags, umask. */
import {
  SIM_SECURE_BCAPS,
  SIM_SECURE_CCAPS,
  SIM_SECURE_FLAGS,
  SIM_UNKNOWN,
  simParseList,
  simPrintBitfield,
  type SimListKind,
  type SimListValue,
} from '../names.js';
import { big, type SimContext } from '../kernel-state.js';
import { setCaps, setFlags, setUmask } from '../kernel-ops.js';
import { loadKernel, mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import { resolveXid, splitProgram } from './xid.js';

const ALL = (1n << 64n) - 1n;

/** What one `vattribute --set` call hands the kernel: value + mask per attribute (src/vattribute.c struct Arguments). */
export interface AttrRequest {
  bcaps: SimListValue;
  ccaps: SimListValue;
  flags: SimListValue;
  umask: SimListValue;
}

const none = (): SimListValue => ({ flag: 0n, mask: 0n });
export const emptyAttrRequest = (): AttrRequest => ({ bcaps: none(), ccaps: none(), flags: none(), umask: none() });

const FIELD: Record<SimListKind, keyof AttrRequest> = { bcap: 'bcaps', ccap: 'ccaps', flag: 'flags', umask: 'umask' };
const KIND: Record<string, SimListKind> = { '--bcap': 'bcap', '--ccap': 'ccap', '--flag': 'flag', '--umask': 'umask' };

/** Adds one `--bcap/--ccap/--flag/--umask/--secure` argument; returns an error text for unknown names. */
export function addAttrArg(req: AttrRequest, opt: string, value: string | undefined): string | undefined {
  if (opt === '--secure') {
    // parseSecure (src/vattribute.c:167-178) assigns, it does not add
    req.bcaps = { flag: SIM_SECURE_BCAPS, mask: ALL };
    req.ccaps = { flag: SIM_SECURE_CCAPS, mask: ALL };
    req.flags = { flag: SIM_SECURE_FLAGS, mask: SIM_SECURE_FLAGS };
    return undefined;
  }
  const kind = KIND[opt];
  const r = simParseList(kind, value ?? '', req[FIELD[kind]]);
  if ('bad' in r) return `vattribute: ${SIM_UNKNOWN[kind]} '${r.bad}'\n`;
  req[FIELD[kind]] = r;
  return undefined;
}

export function applyAttrs(c: SimContext, req: AttrRequest): void {
  setCaps(c, 'ccaps', req.ccaps);
  setCaps(c, 'bcaps', req.bcaps);
  setFlags(c, req.flags);
  setUmask(c, req.umask);
}

export function renderAttrs(c: SimContext): string {
  return (
    `bcapabilities:\n${simPrintBitfield('bcap', big(c.bcaps))}\nccapabilities:\n${simPrintBitfield('ccap', big(c.ccaps))}\n` +
    `flags:\n${simPrintBitfield('flag', big(c.flags))}\numask:\n${simPrintBitfield('umask', big(c.umask))}\n`
  );
}

export function vattribute(ctx: ToolCtx, argv: string[], run: (xid: number, program: string[]) => number): number {
  const { opts, program } = splitProgram(argv);
  let xidArg: string | undefined;
  let mode: 'get' | 'set' | undefined;
  const req = emptyAttrRequest();
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i];
    if (a === '--xid') xidArg = opts[++i];
    else if (a === '--get') mode = 'get';
    else if (a === '--set') mode = 'set';
    else if (a === '--secure') addAttrArg(req, a, undefined);
    else if (['--bcap', '--ccap', '--flag', '--umask'].includes(a)) {
      const e = addAttrArg(req, a, opts[++i]);
      if (e) fail(ctx, 1, e);
    } else fail(ctx, 1, `vattribute: unknown option '${a}'\nTry 'vattribute --help' for more information.\n`);
  }
  const xid = xidArg === undefined ? ctx.selfXid : resolveXid(ctx, xidArg);
  if (mode === 'get') {
    const s = loadKernel(ctx.host);
    const c = xid === undefined ? undefined : s.contexts[xid];
    if (!c) fail(ctx, 1, 'vattribute: vc_get_ccaps(): No such process\n');
    ctx.io.out(renderAttrs(c));
  } else if (mode === 'set') {
    const ok = mutateKernel(ctx.host, (s, t) => {
      const c = xid === undefined ? undefined : s.contexts[xid];
      if (!c) return false;
      applyAttrs(c, req);
      t.xids.push(c.xid);
      return true;
    });
    if (!ok) fail(ctx, 1, 'vattribute: vc_set_ccaps(): No such process\n');
  }
  return program.length > 0 && xid !== undefined ? run(xid, program) : 0;
}
