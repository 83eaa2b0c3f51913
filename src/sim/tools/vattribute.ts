/** vattribute (UV src/vattribute.c): --get prints §5.6, --set applies ccaps, bcaps, flags, umask. */
import fs from 'node:fs';
import path from 'node:path';
import { parseList, printBitfield, SECURE_BCAPS, SECURE_CCAPS, type ListItem, type ListKind } from '../../providers/vserver/names.js';
import { big, hex, type KernelState, type SimContext } from '../kernel-state.js';
import { setCaps, setFlags } from '../kernel-ops.js';
import { mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import { resolveXid, splitProgram } from './xid.js';

const ALL = (1n << 64n) - 1n;

/** Unshare-mask names (UV lib/umask-v23.c): the CLONE_* bits. */
export const UMASK_TABLE: [string, bigint][] = [
  ['fs', 0x200n], ['newns', 0x20000n], ['newuts', 0x4000000n], ['newipc', 0x8000000n],
  ['newuser', 0x10000000n], ['newpid', 0x20000000n], ['newnet', 0x40000000n],
];

function parseUmask(text: string): ListItem[] | string {
  const items: ListItem[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const negate = /^[~!]/.test(part);
    const n = part.replace(/^[~!]+/, '').toLowerCase();
    const e = UMASK_TABLE.find(([k]) => k === n);
    if (!e) return part;
    items.push({ negate, name: n, value: e[1], raw: part });
  }
  return items;
}

function printUmask(v: bigint): string {
  return UMASK_TABLE.filter(([, b]) => (v & b) !== 0n).map(([n]) => n).join(',');
}

export interface AttrRequest {
  bcaps: ListItem[];
  ccaps: ListItem[];
  flags: ListItem[];
  umask: ListItem[];
}

export const emptyAttrRequest = (): AttrRequest => ({ bcaps: [], ccaps: [], flags: [], umask: [] });

/** Adds one `--bcap/--ccap/--flag/--umask/--secure` argument; returns an error text for unknown names. */
export function addAttrArg(req: AttrRequest, opt: string, value: string | undefined): string | undefined {
  if (opt === '--secure') {
    req.bcaps.push({ negate: true, value: ALL, raw: 'secure' }, { negate: false, value: SECURE_BCAPS, raw: 'secure' });
    req.ccaps.push({ negate: false, value: SECURE_CCAPS, raw: 'secure' });
    req.flags.push({ negate: false, value: 0x2000000n, raw: 'secure' });
    return undefined;
  }
  if (opt === '--umask') {
    const r = parseUmask(value ?? '');
    if (typeof r === 'string') return `vattribute: Unknown namespace '${r}'\n`;
    req.umask.push(...r);
    return undefined;
  }
  const kind: ListKind = opt === '--bcap' ? 'bcap' : opt === '--ccap' ? 'ccap' : 'flag';
  const r = parseList(kind, value ?? '');
  if (!r.ok) return `vattribute: Unknown ${kind} '${r.bad}'\n`;
  (kind === 'bcap' ? req.bcaps : kind === 'ccap' ? req.ccaps : req.flags).push(...r.items);
  return undefined;
}

export function applyAttrs(c: SimContext, req: AttrRequest): void {
  setCaps(c, 'ccaps', req.ccaps);
  setCaps(c, 'bcaps', req.bcaps);
  setFlags(c, req.flags);
  let u = big(c.umask);
  for (const it of req.umask) u = it.negate ? u & ~it.value : u | it.value;
  c.umask = hex(u);
}

export function renderAttrs(c: SimContext): string {
  return (
    `bcapabilities:\n${printBitfield('bcap', big(c.bcaps))}\nccapabilities:\n${printBitfield('ccap', big(c.ccaps))}\n` +
    `flags:\n${printBitfield('flag', big(c.flags))}\numask:\n${printUmask(big(c.umask))}\n`
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
    const s = JSON.parse(fs.readFileSync(path.join(ctx.host.simDir, 'kernel.json'), 'utf8')) as KernelState;
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
