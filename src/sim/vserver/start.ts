/**
 * `vserver NAME start` (UV scripts/vserver.start, new-API branch), in the
 * order of §7.1: read configuration, host addresses, cgroup, then the exec
 * chain chbind → vcontext --create → vlimit → vsched → vuname → vattribute →
 * save_ctxinfo → init. Split into a config reader, an in-memory kernel step
 * (shared with seedSimHost) and the filesystem effects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bashRead, exists as existsFile, isDir, readList as readListFile, readScalar as readScalarFile } from '../config-files.js';
import { big, hex, STATE_INIT, STATE_SETUP, type HostAddress, type HostLink, type KernelState, type NetAddress } from '../kernel-state.js';
import { createContext, createNet, giveSpaces, maskToPrefix, parseAddress, setRlimit, spawn } from '../kernel-ops.js';
import { addHostAddress } from '../kernel-files.js';
import { addAttrArg, applyAttrs, emptyAttrRequest, type AttrRequest } from '../tools/vattribute.js';
import { readUtsDir, setUts } from '../tools/vuname.js';
import { RESOURCES } from '../kernel-ops.js';
import { parseLimitValue } from '../config-files.js';
import type { SimHost } from '../store.js';
import type { GuestRef } from './guest.js';
import { simCgroup, simCgroupDir, type SimCgroup } from '../cgroup.js';
import { NET_FLAG_TABLE, NCAP_TABLE, parseNetList } from './net-names.js';

export interface StartConfig {
  xid: number;
  nid: number | null;
  style: string;
  initCmd: string;
  initpid: boolean;
  hostAddrs: HostAddress[];
  netAddrs: NetAddress[];
  /** issue 10 (iface): tun/tap/VLAN devices enableInterfaces makes */
  hostLinks: HostLink[];
  bcast?: string;
  lback?: string;
  nflagItems: { negate: boolean; value: bigint }[];
  ncapItems: { negate: boolean; value: bigint }[];
  limits: Map<string, { min?: number; soft?: number; hard?: number }>;
  attrs: AttrRequest;
  hasSched: boolean;
  /** where util-vserver creates the guest's cgroup (null: nocgroup) */
  cgroup: SimCgroup | null;
  dlimits: { directory: string; space_total: number; inodes_total: number; reserved: number }[];
  /** issue 10 (initx): what vsysctl writes at start, /proc/sys path -> bytes, in readdir order */
  sysctl: { path: string; value: string }[];
}

const INIT_CMDS: Record<string, string> = {
  sysv: '/etc/init.d/rc 3',
  plain: '/sbin/init',
  minit: '/sbin/minit-start',
  gentoo: '/lib/rc/sh/init-vserver.sh default',
  openrc: '/lib/rc/sh/init-vserver.sh default',
  arch: '/etc/rc.multi',
};

/** A start failure: the tool's message and whether the generic "startup sequence" block follows. */
export class StartError extends Error {
  constructor(readonly text: string, readonly chain: boolean) {
    super(text);
  }
}

function readLimits(dir: string): Map<string, { min?: number; soft?: number; hard?: number }> {
  const wanted = new Map<string, { min?: number; soft?: number; hard?: number }>();
  let present: Set<string>;
  try {
    present = new Set(fs.readdirSync(dir));
  } catch {
    return wanted;
  }
  for (const [res] of RESOURCES) {
    for (const suffix of ['', '.min', '.soft', '.hard']) {
      if (!present.has(res + suffix)) continue;
      const file = path.join(dir, res + suffix);
      const v = parseLimitValue(fs.readFileSync(file, 'utf8'));
      if (v === undefined) throw new StartError(`Invalid limit in '${file}'\n`, true);
      const w = wanted.get(res) ?? {};
      if (suffix === '') Object.assign(w, { min: v, soft: v, hard: v });
      else w[suffix.slice(1) as 'min' | 'soft' | 'hard'] = v;
      wanted.set(res, w);
    }
  }
  return wanted;
}

type ReadScalar = (file: string) => string | undefined;

// ---- issue 10 (iface): the simulator's own reading of interfaces/ (UV scripts/vserver.functions:511-713) ----
/**
 * `_getInterfaceValue` (:511-527): `read tmp <"$i/KEY" && break` over the interface directory and, for
 * some keys, `$iface/..`; a read that reaches EOF before a newline sets tmp but goes on to the next
 * file. The fallback is a path string ending in `/..`, resolved by the kernel (a symlinked
 * interface falls back to its target's parent), never joined lexically.
 */
function ifaceValue(dir: string, key: string, withParent: boolean): string {
  let tmp = '';
  for (const base of withParent ? [dir, `${dir}/..`] : [dir]) {
    let text: string;
    try {
      text = fs.readFileSync(`${base}/${key}`, 'utf8');
    } catch {
      continue;
    }
    const r = bashRead(text);
    tmp = r.value;
    if (r.complete) break;
  }
  return tmp;
}

/** `_getVLANInfo` (:558-579): a VLAN device name's base and id, or a start failure for vlanNNNN names. */
function vlanInfo(dev: string): { link: string; id: number } | undefined {
  if (/^vlan/.test(dev)) throw new StartError('creation of VLAN_PLUS_VID devices is not supported; please create them\nbefore starting the vserver and use the \'nodev\' flag then\n', false);
  const m = /^([^.]*)\.(.*)$/.exec(dev);
  return m ? { link: m[1]!, id: Number(m[2]) } : undefined;
}

export interface SimInterfaces {
  hostAddrs: HostAddress[];
  netAddrs: NetAddress[];
  /** tun/tap and VLAN devices, in the order enableInterfaces makes them */
  links: HostLink[];
}

/**
 * _generateInterfaceOptions / _processSingleInterface (UV
 * scripts/vserver.functions:609-713): the addresses of interfaces/<n>/ (not
 * `disabled`: :708), with the fallbacks of _getInterfaceValue; those with a
 * device (not `nodev`/`only_ip`) are also added to / removed from the host
 * device with `broadcast <bcast|+>` (none for IPv6, :671-672), `label`, `peer`
 * (:676), after the tun/tap (:674) and VLAN (:653-664) devices they need.
 * Throws StartError for an interface util-vserver refuses.
 */
export function readInterfaces(g: GuestRef, _readScalar: ReadScalar = readScalarFile, exists: (f: string) => boolean = existsFile): SimInterfaces {
  const ifdir = path.join(g.cfgdir, 'interfaces');
  const out: SimInterfaces = { hostAddrs: [], netAddrs: [], links: [] };
  if (!isDir(ifdir)) return out;
  const defaultsVlan = existsFile(path.join(path.dirname(g.cfgdir), '.defaults', 'interfaces', 'vlandev'));
  const nidText = readScalarFile(path.join(g.cfgdir, 'ncontext')) ?? readScalarFile(path.join(g.cfgdir, 'context'));
  for (const iface of fs.readdirSync(ifdir).sort()) {
    if (iface.startsWith('.')) continue; // the shell glob
    const d = path.join(ifdir, iface);
    if (!isDir(d) || exists(path.join(d, 'disabled'))) continue;
    const ip = ifaceValue(d, 'ip', false);
    const dev = ifaceValue(d, 'dev', true);
    const prefixText = ifaceValue(d, 'prefix', true);
    const maskText = ifaceValue(d, 'mask', true);
    const bcast = ifaceValue(d, 'bcast', true);
    const name = ifaceValue(d, 'name', false);
    const peer = ifaceValue(d, 'peer', false);
    if (!ip) throw new StartError(`Can not read ip for '${iface}'\n`, false);
    const nodev = exists(path.join(d, 'nodev')) || exists(path.join(d, 'only_ip'));
    if (!dev && !nodev) throw new StartError(`No device specified for '${iface}'\n`, false);
    const prefix = prefixText ? Number(prefixText) : maskText ? maskToPrefix(maskText) : undefined;
    const addr = parseAddress(prefix === undefined ? ip : `${ip}/${prefix}`);
    if (!addr) throw new StartError(`Invalid IP number '${ip}'\n`, true);
    out.netAddrs.push(addr);
    if (nodev) continue;
    const has = (f: string) => existsFile(`${d}/${f}`);
    const vlan = has('vlandev') || (has('../vlandev') && !has('novlandev')) || (defaultsVlan && !has('novlandev') && !has('../novlandev'));
    if (vlan) {
      const v = vlanInfo(dev);
      if (v) out.links.push({ dev, kind: 'vlan', owner: g.name, link: v.link, vlanId: v.id });
    }
    if (has('tun') || has('tap')) {
      out.links.push({
        dev, kind: has('tap') ? 'tap' : 'tun', owner: g.name,
        ...(has('nocsum') ? { nocsum: true } : {}),
        ...(!has('shared') && nidText && /^\d+$/.test(nidText) ? { nid: Number(nidText) } : {}),
      });
    }
    out.hostAddrs.push({
      dev, ip, prefix: addr.prefix,
      bcast: ip.includes(':') ? '' : bcast || '+',
      label: name ? `${dev}:${name}` : undefined,
      owner: g.name,
      ...(peer ? { peer } : {}),
    });
  }
  return out;
}
// ---- end issue 10 (iface) ----

/** Reads everything start needs from the config dir; throws StartError like the scripts fail. */
export function readStartConfig(host: SimHost, g: GuestRef): StartConfig {
  const c = (rel: string) => path.join(g.cfgdir, rel);
  // one readdir instead of many failing opens (matters when seeding 10,000 guests)
  const entries = new Set(fs.readdirSync(g.cfgdir));
  const readScalar = (file: string) => (entries.has(path.relative(g.cfgdir, file).split(path.sep)[0]) || !file.startsWith(g.cfgdir) ? readScalarFile(file) : undefined);
  const readList = (file: string) => (entries.has(path.relative(g.cfgdir, file).split(path.sep)[0]) ? readListFile(file) : []);
  const exists = (file: string) => (file.startsWith(g.cfgdir + path.sep) && !entries.has(path.relative(g.cfgdir, file).split(path.sep)[0]) ? false : existsFile(file));
  const ctxText = readScalar(c('context'));
  if (ctxText === undefined || !/^\d+$/.test(ctxText)) {
    throw new StartError(
      `The kernel does not have dynamic contexts enabled. Please configure a static one by executing\n  echo [number between 2 and 49151] > ${g.cfgdir}/context\n`,
      false,
    );
  }
  const xid = Number(ctxText);
  const style = readScalar(c('apps/init/style')) || 'sysv';
  if (!INIT_CMDS[style]) throw new StartError(`Unknown init-style '${style}'; aborting\n`, false);
  const cflagLines = exists(c('cflags')) ? readList(c('cflags')) : readList(c('flags'));
  const fakeinit = cflagLines.some((l) => l.split(',').some((x) => ['fakeinit', 'info_init'].includes(x.trim().toLowerCase())));
  // interfaces (_generateInterfaceOptions)
  const ifdir = c('interfaces');
  const top = (f: string) => readScalar(path.join(ifdir, f));
  const { hostAddrs, netAddrs, links: hostLinks } = entries.has('interfaces') ? readInterfaces(g, readScalar, exists) : { hostAddrs: [], netAddrs: [], links: [] };
  const noNet = exists(c('noncontext'));
  const nidText = readScalar(c('ncontext'));
  const attrs = emptyAttrRequest();
  addAttrArg(attrs, '--secure', undefined);
  addAttrArg(attrs, '--flag', 'default');
  addAttrArg(attrs, '--flag', 'fakeinit');
  const lists: [string, string][] = [['--bcap', 'bcapabilities'], ['--ccap', 'ccapabilities'], ['--umask', 'umask']];
  for (const line of cflagLines) {
    const e = addAttrArg(attrs, '--flag', line);
    if (e) throw new StartError(e, true);
  }
  for (const [opt, file] of lists) {
    for (const line of readList(c(file))) {
      const e = addAttrArg(attrs, opt, line);
      if (e) throw new StartError(e, true);
    }
  }
  const nflagItems = [];
  for (const line of readList(c('nflags'))) {
    const r = parseNetList(NET_FLAG_TABLE, line);
    if (typeof r === 'string') throw new StartError(`nattribute: Unknown flag '${r}'\n`, true);
    nflagItems.push(...r);
  }
  const ncapItems = [];
  for (const line of readList(c('ncapabilities'))) {
    const r = parseNetList(NCAP_TABLE, line);
    if (typeof r === 'string') throw new StartError(`nattribute: Unknown ncap '${r}'\n`, true);
    ncapItems.push(...r);
  }
  const dlimits: StartConfig['dlimits'] = [];
  if (entries.has('dlimits') && isDir(c('dlimits'))) {
    for (const e of fs.readdirSync(c('dlimits')).sort()) {
      const d = path.join(c('dlimits'), e);
      if (!isDir(d) || exists(path.join(d, 'disabled'))) continue;
      const get = (f: string) => readScalar(path.join(d, f));
      const [directory, st, it, rs] = [get('directory'), get('space_total'), get('inodes_total'), get('reserved')];
      if (directory && st && it && rs) dlimits.push({ directory, space_total: Number(st), inodes_total: Number(it), reserved: Number(rs) });
    }
  }
  // ---- issue 10 (initx): sysctl/ as vsysctl reads it in the exec chain (UV scripts/vserver.start:155) ----
  const sysctl = entries.has('sysctl') ? readSysctlDir(c('sysctl')) : [];
  // ---- end issue 10 (initx) ----
  return {
    sysctl,
    xid,
    nid: noNet ? null : nidText && /^\d+$/.test(nidText) ? Number(nidText) : xid,
    style,
    initCmd: INIT_CMDS[style],
    initpid: fakeinit || style === 'plain' || style === 'minit',
    hostAddrs,
    netAddrs,
    hostLinks,
    bcast: top('bcast'),
    lback: top('lback'),
    nflagItems,
    ncapItems,
    limits: readLimits(c('rlimits')),
    attrs,
    hasSched: (entries.has('sched') && isDir(c('sched'))) || entries.has('schedule'),
    cgroup: simCgroup(host, g.cfgdir, g.name),
    dlimits,
  };
}

/**
 * The kernel side of the exec chain, on in-memory state. Returns the
 * warnings printed on the way (vlimit's EINVAL); throws StartError on failure
 * (the caller then discards the state, as the dying process would).
 */
export function startKernel(s: KernelState, g: GuestRef, cfg: StartConfig, now: number, hostNodename: string, opts: { halfway?: boolean } = {}): { warnings: string; pids: number[] } {
  let warnings = '';
  if (cfg.nid !== null) {
    const n = s.nets[cfg.nid] ?? createNet(s, cfg.nid);
    for (const a of cfg.netAddrs) if (!n.addresses.some((x) => x.ip === a.ip && x.mask === a.mask)) n.addresses.push(a);
    if (cfg.bcast) n.bcast = cfg.bcast;
    if (cfg.lback) n.lback = cfg.lback;
    let f = big(n.flags);
    for (const it of cfg.nflagItems) f = it.negate ? f & ~it.value : f | it.value;
    n.flags = hex(f & ~STATE_SETUP);
    let caps = big(n.ncaps) | 0x100n; // chbind --secure: raw_icmp
    for (const it of cfg.ncapItems) caps = it.negate ? caps & ~it.value : caps | it.value;
    n.ncaps = hex(caps);
  }
  if (s.contexts[cfg.xid]) throw new StartError('vcontext: vc_ctx_create(): File exists\n', true);
  const c = createContext(s, cfg.xid, now);
  giveSpaces(s, c, g.cfgdir, hostNodename);
  for (const [res] of RESOURCES) {
    const v = cfg.limits.get(res);
    if (v && setRlimit(c, res, v) === 'EINVAL') warnings += 'vc_set_rlimit(): Invalid argument\n';
  }
  if (cfg.hasSched) throw new StartError(warnings + 'vsched: vc_set_sched(): Function not implemented\n', true);
  setUts(c, readUtsDir(path.join(g.cfgdir, 'uts')).filter(([k]) => k !== 'context'));
  setUts(c, [['context', g.cfgdir]]);
  applyAttrs(c, cfg.attrs);
  if (opts.halfway) {
    // killed at save_ctxinfo (UV scripts/vserver.start:161): the exec chain's one
    // process is in the context, which is still in setup (--endsetup comes later,
    // :163); the host addresses (enableInterfaces, :121) are there already
    const pids = spawn(s, c, 1);
    if (cfg.nid !== null) s.nets[cfg.nid].procs += 1;
    addHostLinks(s, cfg.hostLinks); // issue 10 (iface)
    for (const a of cfg.hostAddrs) addHostAddress(s, a);
    return { warnings, pids };
  }
  const pids = spawn(s, c, 2);
  let flags = big(c.flags) & ~STATE_SETUP; // --endsetup
  if (cfg.initpid) {
    flags &= ~STATE_INIT;
    c.initPid = pids[0];
  }
  c.flags = hex(flags);
  if (cfg.nid !== null) s.nets[cfg.nid].procs += 2;
  for (const d of cfg.dlimits) {
    s.dlimits[`${cfg.xid}:${d.directory}`] = { space_used: 0, space_total: d.space_total, inodes_used: 0, inodes_total: d.inodes_total, reserved: d.reserved };
  }
  addHostLinks(s, cfg.hostLinks); // issue 10 (iface)
  for (const a of cfg.hostAddrs) {
    // one address per device (ip addr add of one already there: "RTNETLINK answers: File exists")
    addHostAddress(s, a);
  }
  return { warnings, pids };
}

/** issue 10 (iface): tunctl --persist / ip link add … type vlan; a device already there stays as it is. */
function addHostLinks(s: KernelState, links: HostLink[]): void {
  if (links.length === 0) return;
  s.hostLinks ??= [];
  for (const l of links) if (!s.hostLinks.some((x) => x.dev === l.dev && x.kind === l.kind)) s.hostLinks.push(l);
}

/** cgroup control files util-vserver does not copy (§6.12). */
const CGROUP_CONTROL = new Set(['mnt', 'subsys', 'inherit', 'name', 'base', 'per-ss']);
const CGROUP_DEFAULTS: Record<string, string> = {
  'cpu.shares': '1024\n',
  'cpu.cfs_period_us': '100000\n',
  'cpu.cfs_quota_us': '-1\n',
  'memory.limit_in_bytes': '9223372036854771712\n',
  'cpuset.cpus': '0-1\n',
  'cpuset.mems': '0\n',
};

/** The files util-vserver copies from a cgroup/ configuration directory: name -> source path. */
function cgroupFilesIn(from: string, into: Map<string, string>): void {
  if (!isDir(from)) return;
  for (const f of fs.readdirSync(from)) {
    const src = path.join(from, f);
    if (CGROUP_CONTROL.has(f) || !fs.statSync(src).isFile()) continue;
    into.set(f, src);
  }
}

/** Filesystem effects after the kernel step: cgroup dir, run file, run.rev link. */
export function startFiles(host: SimHost, g: GuestRef, cfg: StartConfig, pids: number[], runFilePath: string): void {
  startCgroup(host, g, cfg, pids);
  startRunFile(host, g, cfg, runFilePath);
}

/** attachToCgroup (UV scripts/vserver.start:126): the guest's cgroup, made before the exec chain. */
export function startCgroup(host: SimHost, g: GuestRef, cfg: StartConfig, pids: number[]): void {
  if (cfg.cgroup !== null) {
    const cg = cfg.cgroup;
    // the kernel's values in a new cgroup, then .defaults/cgroup/*, then the guest's cgroup/* (§6.12)
    const copied = new Map<string, string>();
    cgroupFilesIn(path.join(host.paths.etcVservers, '.defaults', 'cgroup'), copied);
    cgroupFilesIn(path.join(g.cfgdir, 'cgroup'), copied);
    const dirs = new Set<string>();
    const dirOf = (f: string) => {
      const dir = simCgroupDir(cg, f);
      if (!dirs.has(dir)) fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
      return dir;
    };
    for (const [f, v] of Object.entries(CGROUP_DEFAULTS)) fs.writeFileSync(path.join(dirOf(f), f), v);
    for (const [f, src] of copied) fs.copyFileSync(src, path.join(dirOf(f), f));
    for (const dir of dirs) fs.writeFileSync(path.join(dir, 'tasks'), pids.map((p) => `${p}\n`).join(''));
  }
}

/** save_ctxinfo (UV scripts/vserver.start:161): the run file and the run.rev link. */
export function startRunFile(host: SimHost, g: GuestRef, cfg: StartConfig, runFilePath: string): void {
  fs.mkdirSync(path.dirname(runFilePath), { recursive: true });
  fs.rmSync(runFilePath, { force: true });
  fs.writeFileSync(runFilePath, `${cfg.xid}\n`, { flag: 'wx' });
  const rev = path.join(host.paths.etcVservers, '.defaults', 'run.rev');
  if (isDir(rev)) {
    const l = path.join(rev, String(cfg.xid));
    fs.rmSync(l, { force: true });
    fs.symlinkSync(g.cfgdir, l);
  }
}

export function startFailureText(name: string, initCmd: string, err: StartError): string {
  if (!err.chain) return err.text;
  return (
    err.text +
    '\nAn error occured while executing the vserver startup sequence; when\n' +
    'there are no other messages, it is very likely that the init-script\n' +
    `(${initCmd}) failed.\n\n` +
    'Common causes are:\n' +
    "* /etc/rc.d/rc on Fedora Core 1 and RH9 fails always; the 'apt-rpm' build\n" +
    '  method knows how to deal with this, but on existing installations,\n' +
    "  appending 'true' to this file will help.\n\n\n" +
    `Failed to start vserver '${name}'\n`
  );
}

// ---- issue 10 (initx) ----
/** What a /proc/sys name may look like on the simulated host (it has no /proc/sys to open). */
const PROC_SYS_NAME = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/**
 * `vsysctl --dir sysctl --missingok` (UV src/vsysctl.c): every entry of the
 * directory in readdir order, dot names skipped (:166-167); each one's
 * `setting` and `value` read into 128-byte buffers, a full buffer is EOVERFLOW
 * (:101-110); the setting's dots become slashes and it is cut at its first
 * newline (:116-122); the value is written as it is, newline included
 * (:124-126). A missing file or an unknown /proc/sys name fails the start the
 * way the Eopen/Eread wrappers do (the detail names the file).
 */
export function readSysctlDir(dir: string): { path: string; value: string }[] {
  if (!isDir(dir)) return [];
  const out: { path: string; value: string }[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const read = (f: string): string => {
      const file = path.join(dir, name, f);
      let buf: Buffer;
      try {
        buf = fs.readFileSync(file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const text = code === 'ENOENT' ? 'No such file or directory' : code === 'ENOTDIR' ? 'Not a directory' : code === 'EISDIR' ? 'Is a directory' : String(code);
        throw new StartError(`vsysctl: open(${file}): ${text}\n`, true);
      }
      if (buf.length >= 128) throw new StartError('vsysctl: read(): Value too large for defined data type\n', true);
      return buf.toString('utf8');
    };
    const setting = read('setting').replace(/\./g, '/').split('\n')[0]!;
    const value = read('value');
    if (!PROC_SYS_NAME.test(setting)) throw new StartError(`vsysctl: open(${setting}): No such file or directory\n`, true);
    out.push({ path: setting, value });
  }
  return out;
}
// ---- end issue 10 (initx) ----
