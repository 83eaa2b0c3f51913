/**
 * Finding a `vserver NAME build` that is still running (a process scan of
 * /proc/PID/cmdline). util-vserver's build goes on without its caller: an
 * apply killed with SIGKILL leaves its build child running. On a real host
 * `vserver NAME build …` exec's `vnamespace --new -- vserver-build -n NAME …`
 * (UV scripts/vserver:162-163), so the build shows as a `vserver-build`
 * process with `-n NAME`; before that exec (and on a simulated host, whose
 * shim keeps its own command line) it shows as `vserver NAME build`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { toolPath, type HostPaths } from './host-paths.js';

/** vserver's global options before the guest name (UV scripts/vserver). */
const GLOBAL_OPTS = new Set(['--silent', '-s', '--sync', '-v', '--verbose', '--debug']);

/**
 * Pure: does this command line build `guest`? `vserver`: the exact path of the
 * vserver tool (a simulated host's shim); without it, any `vserver` or
 * `vserver-build` program counts.
 */
export function isBuildOf(argv: string[], guest: string, vserver?: string): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const base = path.basename(a);
    if (vserver ? a === vserver : base === 'vserver') {
      let j = i + 1;
      while (j < argv.length && GLOBAL_OPTS.has(argv[j]!)) j++;
      if (argv[j] === '--') j++;
      if (argv[j] === guest && argv[j + 1] === 'build') return true;
    }
    if (!vserver && base === 'vserver-build') {
      for (let j = i + 1; j < argv.length - 1; j++) if (argv[j] === '-n' && argv[j + 1] === guest) return true;
    }
  }
  return false;
}

/** The pid of a process building `guest`, if any (this process excluded). */
export async function findRunningBuild(paths: HostPaths, guest: string, procRoot = '/proc'): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await fsp.readdir(procRoot);
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let raw: Buffer;
    try {
      raw = await fsp.readFile(path.join(procRoot, e, 'cmdline'));
    } catch {
      continue; // gone, or not ours to read
    }
    if (raw.length === 0 || raw.length > 64 * 1024) continue;
    const argv = raw.toString('utf8').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    if (isBuildOf(argv, guest, paths.binDir ? toolPath(paths, 'vserver') : undefined)) return Number(e);
  }
  return undefined;
}
