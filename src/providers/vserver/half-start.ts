/**
 * Cleaning up a `vserver NAME start` of vsgitops' own that died half way.
 *
 * util-vserver's start (UV scripts/vserver.start) adds the host addresses
 * (enableInterfaces, :121) and the cgroup (attachToCgroup, :126), then runs
 * one exec chain that creates the context (vcontext --create, :148), sets it
 * up (vlimit … vattribute, :153-160) and only then writes the run file
 * (save_ctxinfo, :161) before exec'ing init. Its cleanup trap (:26-66) does
 * not run for a killed process. A start killed inside the chain therefore
 * leaves a context (with the chain's process, or empty but persistent) and no
 * run file: util-vserver itself calls the guest stopped (isVserverRunning,
 * scripts/functions:695-740), `vserver NAME stop` then only removes the
 * addresses (scripts/vserver.stop:21-27) and `vserver NAME start` fails on
 * the existing context (vc_ctx_create: EEXIST/EBUSY).
 *
 * A context is taken for vsgitops' own half-start only when a start intent
 * (journal.ts) names the guest, the guest's configured context id is the
 * intent's, the guest's run file does not hold it, and the context's VHI name
 * (`vuname -g --xid X context`) is the guest's config dir or not yet set (the
 * chain sets it at :159). Such a context is ended the way vserver.stop ends
 * one (`vattribute --flag !persistent`, :103; killContext → `vkill --xid X
 * -s KILL`, scripts/vserver.functions sendKillSequence), and `vserver NAME
 * stop` removes the addresses the start added. The plan then starts the guest
 * again. Anything else is left alone: a context vsgitops did not start stays
 * blocked.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log.js';
import type { CommandRunner } from '../command-runner.js';
import { toolPath, type HostPaths } from './host-paths.js';
import { resolveRunTarget } from './observe.js';

export type HalfStartOutcome =
  /** the half-started context was ended; the guest is stopped, ready to start again */
  | 'cleaned'
  /** the start finished after all (run file and context agree) */
  | 'running'
  /** no context of that id (nothing to clean), or the guest or its context id changed */
  | 'gone'
  /** the context belongs to another configuration: left alone */
  | 'not-ours'
  /** the context did not go away; the intent is kept for the next pass */
  | 'still-there';

export interface HalfStartResult {
  guest: string;
  xid: number;
  outcome: HalfStartOutcome;
  detail?: string;
}

/** A start vsgitops recorded before running it (the caller keeps these intents; see reconciler/journal.ts). */
export interface HalfStart {
  guest: string;
  xid: number;
}

export interface HalfStartDeps {
  /** the intent is done with (the context was ended, or is not there): the caller forgets it */
  clearIntent: (guest: string) => Promise<void>;
  paths: HostPaths;
  runner: CommandRunner;
  log: Logger;
  /** how long to wait for a killed context to leave the kernel (default 10 s) */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const firstLine = async (file: string) => (await fsp.readFile(file, 'utf8').catch(() => undefined))?.split('\n')[0]?.trim();
const exists = (p: string) => fsp.access(p).then(() => true, () => false);

export async function recoverHalfStarts(intents: HalfStart[], deps: HalfStartDeps): Promise<HalfStartResult[]> {
  const out: HalfStartResult[] = [];
  for (const intent of intents) {
    const r = await recoverOne(intent, deps);
    if (r.outcome !== 'still-there') await deps.clearIntent(intent.guest);
    if (r.outcome === 'cleaned') deps.log.warn(`${intent.guest}: a start by vsgitops died half way (context ${intent.xid} without a run file); the context was ended, the guest is started again by the plan`, { guest: intent.guest, xid: intent.xid });
    else if (r.outcome === 'not-ours' || r.outcome === 'still-there') deps.log.error(`${intent.guest}: ${r.detail}`, { guest: intent.guest, xid: intent.xid });
    out.push(r);
  }
  return out;
}

async function recoverOne(intent: HalfStart, deps: HalfStartDeps): Promise<HalfStartResult> {
  const { paths, runner } = deps;
  const { guest, xid } = intent;
  const res = (outcome: HalfStartOutcome, detail?: string): HalfStartResult => ({ guest, xid, outcome, ...(detail ? { detail } : {}) });
  const cfg = path.join(paths.etcVservers, guest);
  if ((await firstLine(path.join(cfg, 'context'))) !== String(xid)) return res('gone', 'the guest or its context id changed since the start');
  const status = path.join(paths.proc, 'virtual', String(xid), 'status');
  if (!(await exists(status))) return res('gone');
  const link = await fsp.readlink(path.join(cfg, 'run')).catch(() => undefined);
  const runFile = link !== undefined ? resolveRunTarget(paths, cfg, link) : path.join(cfg, 'run');
  if ((await firstLine(runFile)) === String(xid)) return res('running');
  const name = await runner.run([toolPath(paths, 'vuname'), '-g', '--xid', String(xid), 'context'], { timeoutMs: 10_000 });
  const contextName = name.exitCode === 0 ? name.stdout.replace(/\n+$/, '') : '';
  const mine = [cfg, ...(paths.kind === 'sim' ? [path.posix.join('/etc/vservers', guest)] : [])];
  if (contextName !== '' && !mine.includes(contextName)) {
    return res('not-ours', `context ${xid} belongs to ${contextName}, not to this guest's half-finished start: left alone`);
  }
  // end it as vserver.stop does (:103 clears persistent, then the kill sequence)
  await runner.run([toolPath(paths, 'vattribute'), '--set', '--xid', String(xid), '--flag', '!persistent'], { timeoutMs: 10_000 });
  await runner.run([toolPath(paths, 'vkill'), '--xid', String(xid), '-s', 'KILL'], { timeoutMs: 10_000 });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (deps.waitMs ?? 10_000);
  while ((await exists(status)) && Date.now() < deadline) await sleep(100);
  if (await exists(status)) return res('still-there', `context ${xid} (a half-finished start by vsgitops) did not end after vkill; the next pass tries again`);
  // not running now: stop only removes what the start added (addresses, mounts)
  await runner.run([toolPath(paths, 'vserver'), guest, 'stop'], { timeoutMs: 5 * 60_000 });
  return res('cleaned');
}
