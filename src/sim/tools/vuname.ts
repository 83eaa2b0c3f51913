/** vuname (UV src/vuname.c): --get prints the VHI names, --set/-t changes them live. */
import fs from 'node:fs';
import path from 'node:path';
import { UTS_FIELDS, type SimContext, type UtsField } from '../kernel-state.js';
import { loadKernel, mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import { resolveXid, splitProgram } from './xid.js';

/** Sets UTS fields; false when the context has no own UTS namespace (EINVAL). */
export function setUts(c: SimContext, values: [UtsField, string][]): boolean {
  if (!c.uts) return false;
  for (const [k, v] of values) c.uts[k] = v;
  return true;
}

/** Reads uts/<field> files (whole content minus trailing newlines). */
export function readUtsDir(dir: string): [UtsField, string][] {
  const out: [UtsField, string][] = [];
  let present: Set<string>;
  try {
    present = new Set(fs.readdirSync(dir));
  } catch {
    return out;
  }
  for (const f of UTS_FIELDS) {
    if (!present.has(f)) continue;
    try {
      out.push([f, fs.readFileSync(path.join(dir, f), 'utf8').replace(/\n+$/, '')]);
    } catch {
      /* missing file: keep */
    }
  }
  return out;
}

export function vuname(ctx: ToolCtx, argv: string[]): number {
  const { opts } = splitProgram(argv);
  let xidArg: string | undefined;
  let mode: 'get' | 'set' = 'get';
  const sets: [UtsField, string][] = [];
  const tags: UtsField[] = [];
  let dir: string | undefined;
  let missingok = false;
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i];
    if (a === '--xid') xidArg = opts[++i];
    else if (a === '-g' || a === '--get') mode = 'get';
    else if (a === '-s' || a === '--set') mode = 'set';
    else if (a === '--dir') {
      dir = opts[++i];
      mode = 'set';
    } else if (a === '--missingok') missingok = true;
    else if (a === '-t') {
      const [k, ...rest] = (opts[++i] ?? '').split('=');
      if (!(UTS_FIELDS as readonly string[]).includes(k)) fail(ctx, 255, `vuname: unknown tag '${k}'\n`);
      sets.push([k as UtsField, rest.join('=')]);
    } else if ((UTS_FIELDS as readonly string[]).includes(a)) tags.push(a as UtsField);
    else fail(ctx, 255, `vuname: unknown option '${a}'\n`);
  }
  if (xidArg === undefined) fail(ctx, 255, "No context specified; try '--help' for more information\n");
  const xid = resolveXid(ctx, xidArg);
  if (mode === 'get') {
    const s = loadKernel(ctx.host);
    const c = xid === undefined ? undefined : s.contexts[xid];
    const fields = tags.length > 0 ? tags : [...UTS_FIELDS];
    const vals = fields.map((f) => (c?.uts ? c.uts[f] : f === 'context' && c ? '' : '???'));
    ctx.io.out(vals.join(' ') + '\n');
    return 0;
  }
  if (dir !== undefined) {
    if (!fs.existsSync(dir)) {
      if (!missingok) fail(ctx, 255, `vuname: open("${dir}"): No such file or directory\n`);
    } else sets.push(...readUtsDir(dir));
  }
  const r = mutateKernel(ctx.host, (s, t) => {
    const c = xid === undefined ? undefined : s.contexts[xid];
    if (!c) return 'ESRCH';
    t.xids.push(c.xid);
    return setUts(c, sets) ? 'ok' : 'EINVAL';
  });
  if (r === 'ESRCH') fail(ctx, 255, 'vuname: vc_set_vhi_name(): No such process\n');
  if (r === 'EINVAL') fail(ctx, 255, 'vuname: vc_set_vhi_name(): Invalid argument\n');
  return 0;
}
