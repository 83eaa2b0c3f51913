/** vserver-stat on a G4 (memcg) kernel: rows only for contexts with processes and a VHI context name (§7.3). */
import fs from 'node:fs';
import path from 'node:path';
import type { SimContext } from '../kernel-state.js';
import { loadKernel } from '../store.js';
import type { ToolCtx } from '../tool-io.js';

export const STAT_HEADER = 'CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME';

/** Bytes as vserver-stat prints them: powers of 1024, one decimal when non-zero. */
export function fmtMem(bytes: number): string {
  const units = [' ', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const t = Math.floor(v * 10) / 10;
  return (Number.isInteger(t) ? String(t) : t.toFixed(1)) + units[i];
}

/** Milliseconds in vserver-stat's time format. */
export function fmtTime(ms: number): string {
  const cc = String(ms % 1000).padStart(2, '0').slice(0, 2);
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s${cc}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m${two(s % 60)}`;
  const d = Math.floor(s / 86400);
  if (d < 1000) return `${d}d${two(Math.floor(s / 3600) % 24)}h${two(Math.floor(s / 60) % 60)}`;
  return `${Math.floor(d / 365)}y${String(d % 365).padStart(3, '0')}d${two(Math.floor(s / 3600) % 24)}`;
}

export function statRow(c: SimContext, name: string, now: number): string {
  const vsz = c.procs * 2202 * 1024;
  const rss = c.procs * 54 * 1024;
  const user = c.procs * 80;
  const sys = c.procs * 60;
  return (
    String(c.xid).padEnd(5) + String(c.procs).padStart(5) + fmtMem(vsz).padStart(7) + fmtMem(rss).padStart(7) +
    fmtTime(user).padStart(10) + fmtTime(sys).padStart(10) + fmtTime(Math.max(0, now - c.createdAt)).padStart(10) + ' ' + name.slice(0, 20)
  );
}

/** vc_getVserverName(): the `name` file of the config dir, else its basename. */
export function vserverName(cfgdir: string): string {
  try {
    return fs.readFileSync(path.join(cfgdir, 'name'), 'utf8').replace(/\n+$/, '');
  } catch {
    return path.basename(cfgdir);
  }
}

export function vserverStat(ctx: ToolCtx, _argv: string[]): number {
  const s = loadKernel(ctx.host);
  const rows: string[] = [];
  for (const c of Object.values(s.contexts).sort((a, b) => a.xid - b.xid)) {
    if (c.procs === 0) continue;
    const cname = c.uts?.context ?? '';
    if (!fs.existsSync(path.join(cname, 'cgroup', 'name')) && !cname.includes('/')) {
      for (let i = 0; i < c.procs; i++) ctx.io.err(`invalid context name: ${cname}\n`);
      continue;
    }
    rows.push(statRow(c, vserverName(cname), ctx.host.now()));
  }
  ctx.io.out([STAT_HEADER, ...rows].join('\n') + '\n');
  return 0;
}
