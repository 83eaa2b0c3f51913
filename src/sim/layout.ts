/**
 * Where things live on a simulated host DIR: the standard locations of a
 * util-vserver host (/proc, /etc/vservers, /vservers, /var/run/vservers,
 * /dev/cgroup) re-rooted under DIR. The simulator's own copy, independent of
 * the provider's host-paths.ts; test/sim/tables.test.ts checks both agree.
 */
import path from 'node:path';

export interface SimLayout {
  kind: 'sim';
  /** DIR, resolved */
  root: string;
  /** DIR/proc (virtual/ and virtnet/) */
  proc: string;
  /** DIR/etc/vservers */
  etcVservers: string;
  /** DIR/vservers (.defaults/vdirbase points here) */
  vserversRoot: string;
  /** DIR/run/vservers (run files) */
  runDir: string;
  /** DIR/dev/cgroup (util-vserver's last-resort cgroup mount) */
  cgroup: string;
  /** DIR/bin (the shims) */
  binDir: string;
  /** DIR/var/lib/vsgitops (vsgitops' own state, created empty) */
  stateDir: string;
}

export function simLayout(dir: string): SimLayout {
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
    stateDir: path.join(root, 'var/lib/vsgitops'),
  };
}
