/** vlimit (UV src/vlimit.c) on the simulated kernel. */
import fs from 'node:fs';
import path from 'node:path';
import { fail, checkpoint, type ToolCtx } from '../tool-io.js';
import { loadKernel, mutateKernel, type Touched } from '../store.js';
import { parseLimitValue } from '../config-files.js';
import { getRlimitHard, RESOURCES, setRlimit, SETTABLE } from '../kernel-ops.js';
import { resolveXid } from './xid.js';
import type { KernelState } from '../kernel-state.js';

type Which = 'min' | 'soft' | 'hard';
type Wanted = Map<string, { min?: number; soft?: number; hard?: number }>;

/**
 * setLimits (UV src/vlimit.c:242-252): one vc_set_rlimit per resource, in id
 * order; a refusal is only perror'd and the loop goes on — vlimit still exits 0
 * (reference §10 LIVE): EINVAL for a limit the G4 kernel does not accept,
 * ESRCH ("No such process") for every resource when the context does not exist.
 */
export function applyLimits(ctx: ToolCtx, s: KernelState, xid: number, wanted: Wanted): void {
  const c = s.contexts[xid];
  for (const [res] of RESOURCES) {
    const v = wanted.get(res);
    if (!v) continue;
    if (!c) ctx.io.err('vc_set_rlimit(): No such process\n');
    else if (setRlimit(c, res, v) === 'EINVAL') ctx.io.err('vc_set_rlimit(): Invalid argument\n');
  }
}

/** Reads an rlimits/ directory (`r`, then `r.min`/`r.soft`/`r.hard`); throws via fail on bad values. */
export function readLimitDir(ctx: ToolCtx, dir: string): Wanted {
  const wanted: Wanted = new Map();
  const present = new Set(fs.readdirSync(dir));
  for (const [res] of RESOURCES) {
    for (const suffix of ['', '.min', '.soft', '.hard']) {
      if (!present.has(res + suffix)) continue;
      const file = path.join(dir, res + suffix);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const v = parseLimitValue(text);
      if (v === undefined) fail(ctx, 255, `Invalid limit in '${file}'\n`);
      const w = wanted.get(res) ?? {};
      if (suffix === '') Object.assign(w, { min: v, soft: v, hard: v });
      else w[suffix.slice(1) as Which] = v;
      wanted.set(res, w);
    }
  }
  return wanted;
}

function fmt(v: number, decimal: boolean): string {
  if (v < 0) return 'inf';
  return decimal ? String(v) : '0x' + v.toString(16);
}

export function vlimit(ctx: ToolCtx, argv: string[]): number {
  let xidArg: string | undefined;
  let all = false;
  let decimal = false;
  let numeric = false;
  let which: Which = 'hard';
  let dir: string | undefined;
  let missingok = false;
  const wanted: Wanted = new Map();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--xid' || a === '-c') xidArg = argv[++i];
    else if (a === '-a' || a === '--all') all = true;
    else if (a === '-d') decimal = true;
    else if (a === '-n') numeric = true;
    else if (a === '-M') which = 'min';
    else if (a === '-S') which = 'soft';
    else if (a === '-H') which = 'hard';
    else if (a === '--dir') dir = argv[++i];
    else if (a === '--missingok') missingok = true;
    else if (a.startsWith('--')) {
      const name = a.slice(2);
      const res = /^\d+$/.test(name) ? RESOURCES.find(([, id]) => id === Number(name))?.[0] : RESOURCES.find(([n]) => n === name)?.[0];
      if (!res) fail(ctx, 255, `vlimit: unknown option '${a}'\nTry 'vlimit --help' for more information.\n`);
      const raw = argv[++i] ?? '';
      const v = parseLimitValue(raw);
      if (v === undefined) fail(ctx, 255, `Can not parse limit '${raw}'\n`);
      const w = wanted.get(res) ?? {};
      w[which] = v;
      wanted.set(res, w);
      which = 'hard';
    } else break;
  }
  const program = argv.slice(i);
  const xid = xidArg === undefined ? ctx.selfXid : resolveXid(ctx, xidArg);
  // an --xid that names no context at all is refused by Evc_xidopt2xid (exit 255)
  if (xid === undefined) fail(ctx, 255, `vc_set_rlimit(): No such process\n`);
  if (dir !== undefined) {
    if (!fs.existsSync(dir)) {
      if (!missingok) fail(ctx, 255, `vlimit: open("${dir}"): No such file or directory\n`);
    } else for (const [k, v] of readLimitDir(ctx, dir)) wanted.set(k, { ...wanted.get(k), ...v });
  }
  if (wanted.size > 0) {
    mutateKernel(ctx.host, (s: KernelState, t: Touched) => {
      t.xids.push(xid);
      applyLimits(ctx, s, xid, wanted);
    });
    checkpoint(ctx);
  }
  if (all) {
    const s = loadKernel(ctx.host);
    const c = s.contexts[xid];
    if (!c) fail(ctx, 255, 'vc_get_rlimit(): No such process\n');
    for (const res of SETTABLE) {
      const id = RESOURCES.find(([n]) => n === res)![1];
      const label = numeric ? String(id) : res.toUpperCase();
      ctx.io.out(`${label.padEnd(10)}  ${'N/A'.padEnd(18)}  ${'N/A'.padEnd(18)}  ${fmt(getRlimitHard(c, res), decimal)}\n`);
    }
  }
  void program; // running a program inside the context is not simulated
  return 0;
}
