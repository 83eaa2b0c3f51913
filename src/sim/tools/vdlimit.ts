/** vdlimit (UV src/vdlimit.c): per (xid, mount point) disk limits. */
import { loadKernel, mutateKernel } from '../store.js';
import { fail, type ToolCtx } from '../tool-io.js';
import type { DiskLimit } from '../kernel-state.js';
import { resolveXid } from './xid.js';

const KEYS = ['space_used', 'space_total', 'inodes_used', 'inodes_total', 'reserved'] as const;

export function renderDlimit(xid: number, mount: string, d: DiskLimit): string {
  return `${xid} ${mount}\n` + KEYS.map((k) => `${k}=${d[k]}\n`).join('');
}

export function vdlimit(ctx: ToolCtx, argv: string[]): number {
  let xidArg: string | undefined;
  const sets: [string, number][] = [];
  let remove = false;
  const mounts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--xid') xidArg = argv[++i];
    else if (a === '--flags') i++;
    else if (a === '--remove') remove = true;
    else if (a === '--set') {
      const [k, v] = (argv[++i] ?? '').split('=');
      if (!(KEYS as readonly string[]).includes(k) || !/^\d+$/.test(v ?? '')) fail(ctx, 1, `vdlimit: invalid limit '${argv[i]}'\n`);
      sets.push([k, Number(v)]);
    } else if (a === '--') continue;
    else mounts.push(a);
  }
  if (xidArg === undefined) fail(ctx, 1, "No xid specified; try '--help' for more information\n");
  if (mounts.length === 0) fail(ctx, 1, "No mount point specified; try '--help' for more information\n");
  const xid = resolveXid(ctx, xidArg);
  if (xid === undefined) fail(ctx, 1, `vdlimit: invalid xid '${xidArg}'\n`);
  if (sets.length === 0 && !remove) {
    const s = loadKernel(ctx.host);
    for (const m of mounts) {
      const d = s.dlimits[`${xid}:${m}`];
      if (!d) fail(ctx, 1, 'vc_get_dlimit(): No such process\n');
      ctx.io.out(renderDlimit(xid, m, d));
    }
    return 0;
  }
  const err = mutateKernel(ctx.host, (s) => {
    for (const m of mounts) {
      const key = `${xid}:${m}`;
      if (remove) {
        if (!s.dlimits[key]) return 'vc_rem_dlimit(): No such process\n';
        delete s.dlimits[key];
        continue;
      }
      const d = { ...(s.dlimits[key] ?? { space_used: 0, space_total: 0, inodes_used: 0, inodes_total: 0, reserved: 0 }) };
      for (const [k, v] of sets) d[k as keyof DiskLimit] = v;
      if (d.space_used > d.space_total) return "invalid parameters: 'space_used' is larger than 'space_total'\n";
      s.dlimits[key] = d;
    }
    return undefined;
  });
  if (err) fail(ctx, 1, err);
  return 0;
}
