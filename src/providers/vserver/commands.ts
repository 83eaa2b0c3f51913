/**
 * Pure construction of util-vserver command lines (argument arrays; never a
 * shell string). Values come from validated manifests but are still treated
 * as untrusted: each is one argv element, and option values that could be
 * mistaken for options are rejected by validation upstream.
 */
import type { BuildSpec, GuestSpec, LimitName, LimitValue } from '../../model/guest.js';

export function vserverBuildArgs(spec: GuestSpec, build: BuildSpec): string[] {
  const args = [spec.name, 'build', '-m', build.method, '--context', String(spec.context), '--hostname', spec.nodename, '--initstyle', spec.initStyle];
  const methodArgs: string[] = [];
  switch (build.method) {
    case 'debootstrap':
      methodArgs.push('-d', build.distribution ?? '');
      if (build.mirror) methodArgs.push('-m', build.mirror);
      break;
    case 'template':
      for (const t of build.templates ?? []) methodArgs.push('-t', t);
      if (build.distribution) methodArgs.push('-d', build.distribution);
      break;
    case 'clone':
    case 'rsync':
      if (build.distribution) methodArgs.push('-d', build.distribution);
      methodArgs.push('--source', build.source ?? '');
      break;
    case 'skeleton':
      if (build.distribution) methodArgs.push('-d', build.distribution);
      break;
  }
  const extra = build.extraArgs ?? [];
  if (methodArgs.length > 0 || extra.length > 0) {
    args.push('--', ...methodArgs);
    if (extra.length > 0) {
      // debootstrap and rsync take their own options after a second `--`
      if (build.method === 'debootstrap' || build.method === 'rsync') args.push('--');
      args.push(...extra);
    }
  }
  return args;
}

export const vserverArgs = (name: string, command: 'start' | 'stop' | 'restart' | 'status' | 'running'): string[] => [name, command];

/** `vserver --silent NAME delete`: --silent skips the y/N prompt. */
export const vserverDeleteArgs = (name: string): string[] => ['--silent', name, 'delete'];

function limitValue(v: LimitValue): string {
  return v === 'inf' ? 'inf' : String(v);
}

/** vlimit: hard by default, `-S` marks the next option as soft (reference §3.4). */
export function vlimitArgs(xid: number, limits: Partial<Record<LimitName, { soft: LimitValue; hard: LimitValue }>>): string[] {
  const args = ['--xid', String(xid)];
  for (const name of Object.keys(limits).sort() as LimitName[]) {
    const l = limits[name]!;
    args.push(`--${name}`, limitValue(l.hard), '-S', `--${name}`, limitValue(l.soft));
  }
  return args;
}

export interface AttributeChange {
  flags: string[];
  bcaps: string[];
  ccaps: string[];
}

export function vattributeArgs(xid: number, change: AttributeChange): string[] {
  const args = ['--xid', String(xid), '--set'];
  for (const c of change.bcaps) args.push('--bcap', c);
  for (const c of change.ccaps) args.push('--ccap', c);
  for (const f of change.flags) args.push('--flag', f);
  return args;
}

export function vunameSetArgs(xid: number, values: { nodename?: string; domainname?: string; sysname?: string; release?: string; version?: string; machine?: string }): string[] {
  const args = ['--xid', String(xid), '--set'];
  if (values.nodename !== undefined) args.push('-t', `nodename=${values.nodename}`);
  if (values.domainname !== undefined) args.push('-t', `domainname=${values.domainname}`);
  // issue 10 (adopt): the other vuname keys (UV src/vuname.c), one -t each
  for (const k of ['sysname', 'release', 'version', 'machine'] as const) if (values[k] !== undefined) args.push('-t', `${k}=${values[k]}`);
  return args;
}

export function vdlimitSetArgs(xid: number, directory: string, d: { spaceKiB: number; inodes: number; reservedPercent: number }): string[] {
  return [
    '--xid', String(xid),
    '--set', `space_total=${d.spaceKiB}`,
    '--set', `inodes_total=${d.inodes}`,
    '--set', `reserved=${d.reservedPercent}`,
    '--', directory,
  ];
}

/**
 * `vdlimit --xid X --remove -- DIR`: drops the disk limit of a directory. The
 * directory may come from the host's configuration (hand-edited, kept by warn
 * mode), so `--` keeps one that starts with '-' from being read as an option.
 */
export function vdlimitRemoveArgs(xid: number, directory: string): string[] {
  return ['--xid', String(xid), '--remove', '--', directory];
}

// ---- issue 10 (iface) ----
/**
 * `nattribute --nid N --set [--flag X]… [--ncap Y]…` (UV src/nattribute.c): sets the network flags
 * and capabilities of a running network context; without a program it exits 0 after the syscalls
 * (vc_set_ncaps, then vc_set_nflags; a failure prints `nattribute: vc_set_…(): <err>`, exit 1).
 */
export function nattributeArgs(nid: number, change: { nflags: string[]; ncaps: string[] }): string[] {
  const args = ['--nid', String(nid), '--set'];
  for (const f of change.nflags) args.push('--flag', f);
  for (const c of change.ncaps) args.push('--ncap', c);
  return args;
}
// ---- end issue 10 (iface) ----
