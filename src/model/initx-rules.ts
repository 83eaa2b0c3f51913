/**
 * Issue 10 (initx): what a manifest's apps/init extras, depends, sysctl,
 * cgroup files and hooks may hold (the value grammar), and which config paths
 * each of those fields owns. Shared by desired (validation), import and the
 * provider's reader (providers/vserver/initx-config.ts, which cites the
 * util-vserver lines these rules follow).
 */
import { HOOK_FLAVORS, INIT_FILES, type GuestSpec, type InitExtra } from './guest.js';

/** cgroup/ entries util-vserver does not copy into the cgroup (UV scripts/vserver.functions:1606-1609). */
export const CGROUP_CONTROL_NAMES = new Set(['mnt', 'subsys', 'inherit', 'name', 'base', 'per-ss']);
/** The six files CgroupSpec models (config-write.ts CGROUP_FILES). */
export const CGROUP_SIX = new Set(['memory.limit_in_bytes', 'cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpuset.cpus', 'cpuset.mems']);

/** A cgroup control file name: `<subsystem>.<name>`, no path separator, no leading dot. */
export const CGROUP_FILE_NAME = /^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/;
/** A cgroup value a manifest can hold: one line, no control characters. */
export const CGROUP_VALUE = /^[^\u0000-\u001f\u007f]{1,256}$/;
/** A runlevel value (getFileValue: the first line, blanks stripped). */
export const RUNLEVEL_VALUE = /^[A-Za-z0-9_.+-]{1,32}$/;
/**
 * One getFileArray item a manifest can hold: no control character, no glob character (bash expands
 * `*?[`) and no leading `#` (getFileArray has no comments: a `#` line is an item, almost always a mistake).
 */
export const INIT_ITEM = /^[^#\u0000-\u001f\u007f*?[][^\u0000-\u001f\u007f*?[]{0,4095}$/;
/** A killseq item: a signal (number or name) or a wait in seconds. */
export const KILLSEQ_ITEM = /^[A-Za-z0-9+]{1,16}$/;
/** An environment item: NAME=value. */
export const ENV_ITEM = /^[A-Za-z_][A-Za-z0-9_]*=[^\u0000-\u001f\u007f*?[]{0,4096}$/;
/** A guest name in apps/init/depends. */
export const DEPENDS_ITEM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** sysctl setting: components of letters, digits, `_`, `-` separated by `.` or `/` (vsysctl turns `.` into `/`). */
export const SYSCTL_SETTING = /^[A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*$/;
/** sysctl value: one line without control characters but TAB, under vsysctl's 128-byte buffer with its newline. */
export const SYSCTL_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]{1,126}$/;
/** sysctl/<name> directory names a manifest can hold. */
export const SYSCTL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_+@=-]{0,63}$/;
/** A hook path under scripts/: `<flavor>` or `<flavor>.d/<name>` (name not a backup name isRegularFile skips). */
export const HOOK_PATH = new RegExp(`^(${HOOK_FLAVORS.join('|')})(\\.d/[A-Za-z0-9_+@=-][A-Za-z0-9._+@=-]{0,127})?$`);
/** Names isRegularFile skips (UV scripts/functions:74-76): such hooks never run. */
export const HOOK_SKIPPED = /(\.rpmsave|\.rpmnew|\.rpmorig|\.cfsaved.*|\.~.*~|~)$/;

/** The config paths the initx fields of `spec` stand for (observed: modelled, so not "kept as is"). */
export function initxPaths(spec: Partial<GuestSpec>): Set<string> {
  const out = new Set<string>();
  for (const k of Object.keys(spec.initExtra ?? {}) as (keyof InitExtra)[]) out.add(`apps/init/${INIT_FILES[k]}`);
  if (spec.depends !== undefined) out.add('apps/init/depends');
  for (const e of spec.sysctl ?? []) out.add(`sysctl/${e.name}/setting`).add(`sysctl/${e.name}/value`);
  for (const f of Object.keys(spec.cgroupFiles ?? {})) out.add(`cgroup/${f}`);
  if (spec.fstabRemote !== undefined) out.add('fstab.remote');
  for (const s of Object.keys(spec.scripts ?? {})) out.add(`scripts/${s}`);
  return out;
}

