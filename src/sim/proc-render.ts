/**
 * Pure renderers for the G4 (vs2.3.9) /proc/virtual and /proc/virtnet files,
 * one per file, byte for byte as the kernel prints them (reference §1).
 */
import { LIMIT_ROWS, type LimitCounter, type LimitRow, type NetAddress, type SpacePointers, type Uts } from './kernel-state.js';

const pad = (v: number | string, w: number) => String(v).padStart(w, ' ');

export interface VciInfo {
  version: string;
  syscall: number;
  kernel: string;
}
export const LIVE_VCI: VciInfo = { version: '0002:0308', syscall: 236, kernel: '13001f11' };

/** /proc/virtual/info and /proc/virtnet/info */
export function renderVciInfo(v: VciInfo = LIVE_VCI): string {
  return `VCIVersion:\t${v.version}\nVCISyscall:\t${v.syscall}\nVCIKernel:\t${v.kernel}\n`;
}

export interface VirtualStatus {
  total: number;
  active: number;
  nsproxy: [number, number, number, number, number, number, number];
  initTask: [number, number, number];
}

/** /proc/virtual/status */
export function renderVirtualStatus(s: VirtualStatus): string {
  const [n, ...rest] = s.nsproxy;
  const [u, a, b] = s.initTask;
  return `#CTotal:\t${s.total}\n#CActive:\t${s.active}\n#NSProxy:\t${n}\t${rest.join(' ')}\n#InitTask:\t${u}\t${a} ${b}\n`;
}

/** /proc/virtnet/status */
export function renderVirtnetStatus(total: number, active: number): string {
  return `#CTotal:\t${total}\n#CActive:\t${active}\n`;
}

/** /proc/virtual/<xid>/info */
export function renderCtxInfo(i: { xid: number; pointer: string; initPid: number; oom: number }): string {
  return `ID:\t${i.xid}\nInfo:\t${i.pointer}\nInit:\t${i.initPid}\nOOM:\t${i.oom}\n`;
}

export interface CtxStatus {
  useCnt: number;
  tasks: number;
  flags: bigint;
  bcaps: bigint;
  ccaps: bigint;
  umask: bigint;
  wmask: bigint;
  spaces: [number, number];
}

const h = (v: bigint, w: number) => v.toString(16).padStart(w, '0');

/** /proc/virtual/<xid>/status (BCaps: two 32-bit words, most significant first; Umask/Wmask space padded) */
export function renderCtxStatus(s: CtxStatus): string {
  const hi = (s.bcaps >> 32n) & 0xffffffffn;
  const lo = s.bcaps & 0xffffffffn;
  return (
    `UseCnt:\t${s.useCnt}\nTasks:\t${s.tasks}\nFlags:\t${h(s.flags, 16)}\nBCaps:\t${h(hi, 8)}${h(lo, 8)}\n` +
    `CCaps:\t${h(s.ccaps, 16)}\nUmask:\t${pad(s.umask.toString(16), 16)}\nWmask:\t${pad(s.wmask.toString(16), 16)}\n` +
    `Spaces:\t${s.spaces[0].toString(16).padStart(8, '0')} ${s.spaces[1].toString(16).padStart(8, '0')}\n`
  );
}

/** /proc/virtual/<xid>/limit */
export function renderLimit(limits: Record<LimitRow, LimitCounter>): string {
  let out = 'Limit\t current\t     min/max\t\t    soft/hard\t\thits\n';
  for (const [row] of LIMIT_ROWS) {
    const l = limits[row];
    out += `${row}:\t${pad(l.current, 8)}\t${pad(l.min, 8)}/${pad(l.max, 8)}\t${pad(l.soft, 8)}/${pad(l.hard, 8)}\t${pad(l.hits, 6)}\n`;
  }
  return out;
}

/** /proc/virtual/<xid>/sched (G4: PrioBias + one line per CPU) */
export function renderSched(prioBias: number, cpus: [number, number][]): string {
  let out = `PrioBias:\t${pad(prioBias, 8)}\n`;
  cpus.forEach(([u, s], i) => (out += `cpu ${i}: ${u} ${s} 0 ${prioBias}\n`));
  return out;
}

export interface Cvirt {
  biasUptimeCs: number;
  threads: number;
  running: number;
  loadUpdates: number;
  totalForks: number;
}

/** /proc/virtual/<xid>/cvirt */
export function renderCvirt(c: Cvirt): string {
  const up = `${Math.floor(c.biasUptimeCs / 100)}.${String(c.biasUptimeCs % 100).padStart(2, '0')}`;
  return (
    `BiasUptime:\t${up}\nnr_threads:\t${c.threads}\nnr_running:\t${c.running}\nnr_unintr:\t0\nnr_onhold:\t0\n` +
    `load_updates:\t${c.loadUpdates}\nloadavg:\t0.00 0.00 0.00\ntotal_forks:\t${c.totalForks}\n`
  );
}

/** /proc/virtual/<xid>/cacct (all counters zero, as on the LIVE system) */
export function renderCacct(): string {
  const cell = `\t${pad(0, 10)}/${'0'.padEnd(10, ' ')}`;
  let out = 'Type\t    recv #/bytes\t\t   send #/bytes\t\t    fail #/bytes\n';
  for (const t of ['UNSPEC', 'UNIX', 'INET', 'INET6', 'PACKET', 'OTHER']) out += `${t}:${cell}${cell}${cell}\n`;
  out += `\nslab:\t ${pad(0, 8)} ${pad(0, 8)} ${pad(0, 8)} ${pad(0, 8)}\n\n`;
  const four = `${pad(0, 8)} ${pad(0, 8)} ${pad(0, 8)} ${pad(0, 8)}`;
  for (let i = 0; i < 5; i++) out += `page[${i}]: ${four}\t ${four}\n`;
  return out;
}

const ptr = (p: string | null) => (p === null ? pad('(null)', 16) : p);

/** /proc/virtual/<xid>/nsproxy and nsproxy1: empty without a space; UTS/IPC blocks only when present. */
export function renderNsproxy(p: SpacePointers | null, uts: Uts | null): string {
  if (!p) return '';
  let out = `NSProxy:\t${p.nsproxy} [${p.mnt},${ptr(p.uts)},${ptr(p.ipc)}]\nNamespace:\t${p.mnt} [#${p.mntRefs}]\nRootPath:\t/\n`;
  if (p.uts && uts) {
    out +=
      `SysName:\t${uts.sysname}\nNodeName:\t${uts.nodename}\nRelease:\t${uts.release}\n` +
      `Version:\t${uts.version}\nMachine:\t${uts.machine}\nDomainName:\t${uts.domainname}\n`;
  }
  if (p.ipc) {
    out += 'SEMS:\t\t32000 1024000000 500 32000  0\nMSG:\t\t8192 16384 32000\nSHM:\t\t18446744073692774399 18446744073692774399  4096 0\n';
  }
  return out;
}

/** Full 8-group zero-padded IPv6 form the kernel's %pI6 prints. */
export function expandIpv6(ip: string): string {
  let [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? Array(8 - hs.length - ts.length).fill('0') : [];
  return [...hs, ...fill, ...ts].map((g) => g.padStart(4, '0')).join(':');
}

export function ipv6Mask(prefix: number): string {
  const groups: string[] = [];
  for (let g = 0; g < 8; g++) {
    const bits = Math.max(0, Math.min(16, prefix - g * 16));
    groups.push((bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff).toString(16).padStart(4, '0'));
  }
  return groups.join(':');
}

/** /proc/virtnet/<nid>/info */
export function renderNidInfo(n: { nid: number; pointer: string; bcast: string; lback: string; addresses: NetAddress[] }): string {
  let out = `ID:\t${n.nid}\nInfo:\t${n.pointer}\nBcast:\t${n.bcast}\nLback:\t${n.lback}\n`;
  const t = (v: number) => v.toString(16).padStart(4, '0');
  n.addresses.filter((a) => a.family === 4).forEach((a, i) => (out += `${i}:\t[${a.ip}-0.0.0.0/${a.mask}:${t(a.type)}]\n`));
  n.addresses
    .filter((a) => a.family === 6)
    .forEach((a, i) => (out += `${i}:\t[${expandIpv6(a.ip)}/${ipv6Mask(a.prefix)}/${a.prefix}:${t(a.type)}]\n`));
  return out;
}

/** /proc/virtnet/<nid>/status */
export function renderNidStatus(s: { useCnt: number; tasks: number; flags: bigint; ncaps: bigint }): string {
  return `UseCnt:\t${s.useCnt}\nTasks:\t${s.tasks}\nFlags:\t${h(s.flags, 16)}\nNCaps:\t${h(s.ncaps, 16)}\n`;
}
