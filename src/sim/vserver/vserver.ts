/** The `vserver` command (UV scripts/vserver): global options, then `<vserver> <command> <args>*`. */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ctxTasks, type HostAddress, type HostLink, type KernelState } from '../kernel-state.js';
import { commitKernel, loadKernel, locked, saveKernel } from '../store.js';
import { removeHostAddress } from '../kernel-files.js';
import { endGuestInit } from '../guest-process.js';
import { checkpoint, fail, ToolExit, type ToolCtx } from '../tool-io.js';
import { build } from './build.js';
import { removeSimCgroup, simCgroupAt } from '../cgroup.js';
import { fmtUptime, missingConfigMessage, resolveGuest, runFile, runningXid, type GuestRef } from './guest.js';
import { readInterfaces, readStartConfig, startCgroup, startFailureText, startKernel, startRunFile, StartError } from './start.js';
import { renderVinfo, renderNinfo } from './proc-self.js';
import { resolveDeleteDirs } from './pkgmgmt.js';

const USAGE_CMDS = '{start|stop|suexec|restart|condrestart|exec|enter|chkconfig|running|status|delete}';

export function hostNodename(ctx: ToolCtx): string {
  try {
    return fs.readFileSync(path.join(ctx.host.dir, 'etc', 'hostname'), 'utf8').trim() || '(none)';
  } catch {
    return '(none)';
  }
}

function readState(ctx: ToolCtx): KernelState {
  return loadKernel(ctx.host);
}

export function start(ctx: ToolCtx, g: GuestRef): number {
  return locked(ctx.host, () => {
    const s = readState(ctx);
    if (runningXid(ctx.host, s, g) !== undefined) {
      ctx.io.err(`vserver '${g.name}' already running\n`);
      return 0;
    }
    let cfgInit = '/etc/init.d/rc 3';
    try {
      const cfg = readStartConfig(ctx.host, g);
      cfgInit = cfg.initCmd;
      // die-halfway: the start is killed at save_ctxinfo (UV scripts/vserver.start:161):
      // host addresses (:121) and cgroup (:126) made, the context created by the exec
      // chain (:148) with its one process still in it, in setup; no run file, no init.
      // util-vserver's cleanup trap (:26-66) never runs for a killed process.
      const halfway = ctx.fault?.action === 'die-halfway';
      const { warnings, pids } = startKernel(s, g, cfg, ctx.host.now(), hostNodename(ctx), { halfway });
      ctx.io.err(warnings);
      commitKernel(ctx.host, s, { xids: [cfg.xid], nids: cfg.nid === null ? [] : [cfg.nid] });
      startCgroup(ctx.host, g, cfg, pids);
      checkpoint(ctx);
      startRunFile(ctx.host, g, cfg, runFile(ctx.host, g));
      // the guest's init keeps running, holding the caller's fds 0-2 (vcontext --disconnect)
      const initPid = ctx.startInit?.(cfg.xid);
      if (initPid !== undefined) {
        s.contexts[cfg.xid].hostInitPid = initPid;
        saveKernel(ctx.host, s);
      }
      return 0;
    } catch (err) {
      if (!(err instanceof StartError)) throw err;
      fail(ctx, 1, startFailureText(g.name, cfgInit, err));
    }
  });
}

/**
 * disableInterfaces (UV scripts/vserver.functions:758-790): `ip addr del` for
 * every address the configuration names *now*, last interface first. One that
 * is not on the host device prints iproute's EADDRNOTAVAIL text (reference §10
 * LIVE) and the stop goes on; addresses the configuration no longer names stay.
 * Returns the warnings.
 */
export function disableInterfaces(s: KernelState, g: GuestRef): string {
  let named: HostAddress[];
  let links: HostLink[];
  try {
    ({ hostAddrs: named, links } = readInterfaces(g));
  } catch {
    named = [];
    links = [];
  }
  let err = '';
  for (const a of named.reverse()) {
    if (!removeHostAddress(s, a)) err += 'ip: RTNETLINK answers: Cannot assign requested address\n';
  }
  // issue 10 (iface): `tunctl --~persist` and `ip link delete DEV type vlan` (:784-789, :777), last first
  for (const l of links.reverse()) {
    const i = (s.hostLinks ?? []).findIndex((x) => x.dev === l.dev && x.kind === l.kind);
    if (i >= 0) s.hostLinks!.splice(i, 1);
  }
  return err;
}

/**
 * UV scripts/vserver.stop: the guest's processes end (the init process too),
 * then the context, nid, host addresses named at stop time, disk limits,
 * cgroup dir and run file go.
 */
export function stop(ctx: ToolCtx, g: GuestRef): number {
  return locked(ctx.host, () => {
    const s = readState(ctx);
    const xid = runningXid(ctx.host, s, g);
    const nidText = readFirst(path.join(g.cfgdir, 'ncontext')) ?? readFirst(path.join(g.cfgdir, 'context'));
    if (xid === undefined) {
      // vserver.stop:21-27: warning, then umount + disableInterfaces with output to /dev/null
      ctx.io.err(`vserver '${g.name}' is not running\n`);
      disableInterfaces(s, g);
      commitKernel(ctx.host, s, { xids: [], nids: [] });
      return 0;
    }
    const initPid = s.contexts[xid].hostInitPid;
    delete s.contexts[xid];
    if (nidText && /^\d+$/.test(nidText)) delete s.nets[nidText];
    commitKernel(ctx.host, s, { xids: [], nids: [] });
    endGuestInit(ctx.host.simDir, xid, initPid);
    checkpoint(ctx); // die-halfway: context gone, addresses, cgroup dir and run file left behind
    ctx.io.err(disableInterfaces(s, g));
    for (const k of Object.keys(s.dlimits)) if (k.startsWith(`${xid}:`)) delete s.dlimits[k];
    commitKernel(ctx.host, s, { xids: [], nids: [] });
    removeSimCgroup(simCgroupAt(ctx.host, g.cfgdir, g.name));
    fs.rmSync(runFile(ctx.host, g), { force: true });
    fs.rmSync(path.join(ctx.host.paths.etcVservers, '.defaults', 'run.rev', String(xid)), { force: true });
    return 0;
  });
}

function readFirst(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

function status(ctx: ToolCtx, g: GuestRef, silent: boolean): number {
  const s = readState(ctx);
  const xid = runningXid(ctx.host, s, g);
  if (xid === undefined) {
    if (!silent) ctx.io.out(`Vserver '${g.arg}' is stopped\n`);
    return 3;
  }
  let age = 0;
  try {
    age = ctx.host.now() - fs.statSync(runFile(ctx.host, g)).mtimeMs;
  } catch {
    /* raced with stop */
  }
  if (!silent) {
    ctx.io.out(
      `Vserver '${g.arg}' is running at context '${xid}'\nNumber of processes:  ${ctxTasks(s.contexts[xid])}\nUptime:               ${fmtUptime(Math.max(0, age))}\n`,
    );
  }
  return 0;
}

function exec(ctx: ToolCtx, g: GuestRef, cmd: string[]): number {
  const s = readState(ctx);
  const xid = runningXid(ctx.host, s, g);
  if (xid === undefined) fail(ctx, 1, "'vserver ... suexec' is supported for running vservers only; aborting...\n");
  const c = s.contexts[xid];
  const base = path.basename(cmd[0] ?? '');
  if (cmd.length === 0) return 0;
  if (base === 'hostname') return ctx.io.out(`${c.uts?.nodename ?? ''}\n`), 0;
  if (base === 'true') return 0;
  if (base === 'false') return 1;
  if (base === 'cat' && cmd[1] === '/proc/self/vinfo') return ctx.io.out(renderVinfo(c)), 0;
  if (base === 'cat' && cmd[1] === '/proc/self/ninfo') {
    const nidText = readFirst(path.join(g.cfgdir, 'ncontext')) ?? String(xid);
    return ctx.io.out(renderNinfo(s.nets[nidText])), 0;
  }
  // anything else runs on the host, in the guest's root directory (not isolated)
  let cwd = ctx.host.paths.vserversRoot;
  try {
    cwd = fs.realpathSync(path.join(g.cfgdir, 'vdir'));
  } catch {
    /* keep */
  }
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, VSERVER_XID: String(xid) } });
  if (r.error) fail(ctx, 127, `${cmd[0]}: not found\n`);
  ctx.io.out(r.stdout ?? '');
  ctx.io.err(r.stderr ?? '');
  return r.status ?? 1;
}

/**
 * UV scripts/vserver.delete: y/N prompt unless --silent; a running guest is
 * stopped first (:29-30); then base.init + pkgmgmt.initVariables (:32-33) fail
 * with exit 1 when the root, cache or package configuration base directory is
 * missing (nothing removed; reference §10 LIVE: `pkgcfgbase-dir '/vservers/.pkg'
 * does not exist or is invalid`); else rm -rf of VDIR, the config dir,
 * PKGCFGDIR and the cache and run targets (:34-36).
 */
function del(ctx: ToolCtx, g: GuestRef, silent: boolean): number {
  if (!silent) {
    ctx.io.out(`Are you sure you want to delete the vserver ${g.name} (y/N) `);
    const answer = ctx.io.readLine().trim();
    if (answer !== 'y' && answer !== 'Y') throw new ToolExit(2);
  }
  return locked(ctx.host, () => {
    const s = readState(ctx);
    if (runningXid(ctx.host, s, g, false) !== undefined) stop(ctx, g);
    const dirs = resolveDeleteDirs(ctx.host);
    if (!dirs.ok) fail(ctx, 1, dirs.message);
    const targets: string[] = [];
    for (const l of ['vdir', 'cache', 'run']) {
      try {
        targets.push(path.resolve(g.cfgdir, fs.readlinkSync(path.join(g.cfgdir, l))));
      } catch {
        /* no link */
      }
    }
    if (targets[0]) fs.rmSync(targets[0], { recursive: true, force: true });
    checkpoint(ctx); // die-halfway: root gone, config dir left
    fs.rmSync(g.cfgdir, { recursive: true, force: true });
    fs.rmSync(path.join(dirs.pkgCfgBase, g.name), { recursive: true, force: true });
    for (const t of targets.slice(1)) fs.rmSync(t, { recursive: true, force: true });
    return 0;
  });
}

export function vserver(ctx: ToolCtx, argv: string[]): number {
  let silent = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--silent') silent = true;
    else if (['-s', '--sync', '-v', '--verbose', '--debug'].includes(a)) continue;
    else if (a === '--') {
      i++;
      break;
    } else break;
  }
  const [name, cmd, ...rest] = argv.slice(i);
  if (name === undefined || cmd === undefined) {
    fail(ctx, 1, `Usage: ${ctx.argv0} [-s|--sync] [-v|--verbose] [--silent] [--debug] [--] <vserver> <command> <args>*\n`);
  }
  const g = resolveGuest(ctx.host, name);
  if (cmd === 'build') return build(ctx, g, rest);
  if (!fs.existsSync(g.cfgdir)) fail(ctx, 5, missingConfigMessage(g));
  switch (cmd) {
    case 'start':
      return start(ctx, g);
    case 'stop':
      return stop(ctx, g);
    case 'restart':
      stop(ctx, g);
      return start(ctx, g);
    case 'condrestart': {
      if (runningXid(ctx.host, readState(ctx), g) === undefined) return 0;
      stop(ctx, g);
      return start(ctx, g);
    }
    case 'status':
      return status(ctx, g, silent);
    case 'running':
      return runningXid(ctx.host, readState(ctx), g) === undefined ? 1 : 0;
    case 'exec':
      return exec(ctx, g, rest);
    case 'suexec':
      return exec(ctx, g, rest.slice(1));
    case 'enter':
      return exec(ctx, g, []);
    case 'delete':
      return del(ctx, g, silent);
    default:
      fail(ctx, 2, `Usage: ${ctx.argv0} <vserver> ${USAGE_CMDS}\n`);
  }
}
