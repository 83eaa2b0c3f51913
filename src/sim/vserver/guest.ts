/** Locating a guest's configuration and deciding "running" as util-vserver does (§7.1). */
import fs from 'node:fs';
import path from 'node:path';
import { ctxTasks, type KernelState } from '../kernel-state.js';
import type { SimHost } from '../store.js';

export interface GuestRef {
  /** the argument as typed */
  arg: string;
  /** $VSERVER_NAME: basename of the config dir */
  name: string;
  cfgdir: string;
}

export function resolveGuest(host: SimHost, arg: string): GuestRef {
  const cfgdir = arg.startsWith('/') || arg.startsWith('./') ? path.resolve(arg) : path.join(host.paths.etcVservers, arg);
  return { arg, name: path.basename(cfgdir), cfgdir };
}

export function missingConfigMessage(g: GuestRef): string {
  return (
    `Can not find a vserver-setup at '${g.cfgdir}/'.\n\n` +
    'Possible solutions:\n' +
    `* fix the spelling of the '${g.arg}' vserver name\n` +
    `* read 'vserver ${g.arg} build --help' about ways to create a new vserver\n` +
    "* see 'vserver --help' for further options\n"
  );
}

/** The file the `run` link points at (save_ctxinfo writes it). */
export function runFile(host: SimHost, g: GuestRef): string {
  const link = path.join(g.cfgdir, 'run');
  try {
    const t = fs.readlinkSync(link);
    return path.resolve(g.cfgdir, t);
  } catch {
    return path.join(host.paths.runDir, g.name);
  }
}

/**
 * isVserverRunning: run file holds an xid, the context's VHI name is this
 * config dir and Tasks > 0. A stale run file is deleted as a side effect.
 */
export function runningXid(host: SimHost, s: KernelState, g: GuestRef, cleanStale = true): number | undefined {
  const rf = runFile(host, g);
  let text: string;
  try {
    text = fs.readFileSync(rf, 'utf8').trim();
  } catch {
    return undefined;
  }
  const xid = /^\d+$/.test(text) ? Number(text) : NaN;
  const c = s.contexts[xid];
  if (c && c.uts?.context === g.cfgdir && ctxTasks(c) > 0) return xid;
  if (cleanStale) fs.rmSync(rf, { force: true });
  return undefined;
}

export function fmtUptime(ms: number): string {
  const mins = Math.floor(ms / 60000);
  const d = Math.floor(mins / 1440);
  const hhmm = `${String(Math.floor(mins / 60) % 24).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
  return d > 0 ? `${d} days, ${hhmm}` : hhmm;
}
