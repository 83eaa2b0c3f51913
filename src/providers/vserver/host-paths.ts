import path from 'node:path';
import { VsError } from '../../errors.js';

/**
 * Where a host keeps what vsgitops reads and runs. A real host uses the
 * standard locations; a simulated host (`sim:DIR`) the same layout under DIR.
 * The provider code is identical for both: only these roots differ.
 */
export interface HostPaths {
  kind: 'local' | 'sim';
  /** DIR for a simulated host, "/" for a real one */
  root: string;
  /** /proc (contains virtual/ and virtnet/) */
  proc: string;
  /** /etc/vservers */
  etcVservers: string;
  /** /vservers (default vdirbase) */
  vserversRoot: string;
  /** /var/run/vservers (run files) */
  runDir: string;
  /**
   * util-vserver's last-resort cgroup mount, /dev/cgroup (one hierarchy; the LIVE host).
   * The mount a guest's cgroup actually lives under: readCgroupLayout (cgroup-layout.ts, §6.12).
   */
  cgroup: string;
  /** directory holding the util-vserver tools, or null to use PATH */
  binDir: string | null;
  /** vsgitops' own state (inventory, status, locks) */
  stateDir: string;
}

export function localHostPaths(stateDir = '/var/lib/vsgitops'): HostPaths {
  return {
    kind: 'local',
    root: '/',
    proc: '/proc',
    etcVservers: '/etc/vservers',
    vserversRoot: '/vservers',
    runDir: '/var/run/vservers',
    cgroup: '/dev/cgroup',
    binDir: null,
    stateDir,
  };
}

export function simHostPaths(dir: string, stateDir?: string): HostPaths {
  const root = path.resolve(dir);
  return {
    kind: 'sim',
    root,
    proc: path.join(root, 'proc'),
    etcVservers: path.join(root, 'etc/vservers'),
    vserversRoot: path.join(root, 'vservers'),
    runDir: path.join(root, 'run/vservers'),
    cgroup: path.join(root, 'dev/cgroup'),
    binDir: path.join(root, 'bin'),
    stateDir: stateDir ?? path.join(root, 'var/lib/vsgitops'),
  };
}

/** Parses `--host local` or `--host sim:DIR`. */
export function parseHostSpec(spec: string, stateDir?: string): HostPaths {
  if (spec === 'local') return localHostPaths(stateDir);
  if (spec.startsWith('sim:') && spec.length > 4) return simHostPaths(spec.slice(4), stateDir);
  throw new VsError('USAGE', `--host must be "local" or "sim:DIR", got "${spec}"`);
}

/** The executable to run for a util-vserver tool on this host. */
export function toolPath(paths: HostPaths, tool: string): string {
  return paths.binDir ? path.join(paths.binDir, tool) : tool;
}
