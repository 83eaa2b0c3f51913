import type { FstabEntry } from '../model/guest.js';

/** util-vserver's packaged default fstab (distrib/misc/fstab, reference §6.8 / §7.2 LIVE). */
export const DEFAULT_FSTAB: readonly FstabEntry[] = Object.freeze([
  { device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 },
  { device: 'none', mountpoint: '/tmp', type: 'tmpfs', options: 'size=16m,mode=1777', dump: 0, pass: 0 },
  { device: 'none', mountpoint: '/dev/pts', type: 'devpts', options: 'gid=5,mode=620', dump: 0, pass: 0 },
]);

/** util-vserver's default vdir base (`.defaults/vdirbase` → /vservers). */
export const DEFAULT_VDIR_BASE = '/vservers';
/** dlimits reserved percentage when the manifest gives none. */
export const DEFAULT_DISK_RESERVED_PERCENT = 5;
/** Smallest memory limit accepted: one page. */
export const MIN_MEMORY_LIMIT = 4096;
