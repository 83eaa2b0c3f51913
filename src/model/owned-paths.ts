/**
 * Which manifest field owns a path under a guest's config dir (issue 10,
 * spec.files): a file a modelled field renders must not also be carried
 * verbatim, or two parts of one manifest would write the same file. Pure data
 * over util-vserver's file names (reference §6); shared by validation
 * (src/desired/normalize.ts) and the provider.
 */
import { LIMIT_NAMES, UTS_EXTRA_KEYS } from './guest.js';

/** Entries util-vserver or vsgitops itself owns: never carried, never written by spec.files. */
const RESERVED: Record<string, string> = {
  vdir: "util-vserver's guest root link",
  run: "util-vserver's run file",
  cache: "util-vserver's cache link",
  '.vsgitops': "vsgitops' ownership marker",
};

const EXACT: Record<string, string> = {
  context: 'spec.context',
  fstab: 'spec.fstab',
  cflags: 'spec.flags',
  flags: 'spec.flags',
  bcapabilities: 'spec.capabilities.system',
  ccapabilities: 'spec.capabilities.context',
  'uts/nodename': 'spec.uts.nodename',
  'uts/domainname': 'spec.uts.domainname',
  'apps/init/style': 'spec.init.style',
  'apps/init/mark': 'spec.startOnBoot / spec.bootMarks',
  'interfaces/dev': 'spec.interfaces',
  'interfaces/prefix': 'spec.interfaces',
  'interfaces/mask': 'spec.interfaces',
  // ---- issue 10 (iface) ----
  'interfaces/bcast': 'spec.network.broadcast',
  'interfaces/lback': 'spec.network.loopback',
  'interfaces/vlandev': 'spec.network.vlandev',
  'interfaces/novlandev': 'spec.network.novlandev',
  'interfaces/scope': 'spec.network.scope',
  // ---- end issue 10 (iface) ----
  'cgroup/memory.limit_in_bytes': 'spec.memory.limit',
  'cgroup/cpu.shares': 'spec.cpu.shares',
  'cgroup/cpu.cfs_quota_us': 'spec.cpu.quotaUs',
  'cgroup/cpu.cfs_period_us': 'spec.cpu.periodUs',
  'cgroup/cpuset.cpus': 'spec.cpu.cpus',
  'cgroup/cpuset.mems': 'spec.cpu.mems',
  nflags: 'spec.nflags',
  ncapabilities: 'spec.ncapabilities',
  nice: 'spec.nice',
  'ionice/class': 'spec.ionice.class',
  'ionice/priority': 'spec.ionice.priority',
  personality: 'spec.personality',
  ...Object.fromEntries(UTS_EXTRA_KEYS.map((k) => [`uts/${k}`, `spec.uts.${k}`])),
  ...Object.fromEntries(LIMIT_NAMES.flatMap((n) => ['', '.soft', '.hard', '.min'].map((x) => [`rlimits/${n}${x}`, `spec.limits.${n}`]))),
};

/** Files vsgitops renders inside interfaces/<n>/ (config-write.ts INTERFACE_FILES, `disabled` only removed). */
const IFACE_OWNED = new Set([
  'ip', 'prefix', 'mask', 'dev', 'nodev', 'name', 'disabled',
  // ---- issue 10 (iface): InterfaceSpec extras ----
  'bcast', 'scope', 'peer', 'mac', 'tun', 'tap', 'nocsum', 'shared', 'vlandev', 'novlandev',
]);
const DLIMIT_OWNED = new Set(['directory', 'space_total', 'inodes_total', 'reserved']);

/**
 * The manifest field (or util-vserver / vsgitops) that owns `rel`, or undefined
 * when no modelled field writes it. Interface files belong to spec.interfaces
 * in any `interfaces/<n>/`; the four dlimits files to spec.disk in any
 * `dlimits/<n>/` (apply updates the entry the host already has, so any may be
 * the one it writes).
 */
export function ownerOf(rel: string): string | undefined {
  const parts = rel.split('/');
  if (RESERVED[parts[0]!] !== undefined) return RESERVED[parts[0]!];
  if (EXACT[rel] !== undefined) return EXACT[rel];
  if (parts.length === 3 && parts[0] === 'interfaces' && IFACE_OWNED.has(parts[2]!)) return 'spec.interfaces';
  if (parts.length === 3 && parts[0] === 'dlimits' && DLIMIT_OWNED.has(parts[2]!)) return 'spec.disk';
  return undefined;
}

/** Largest spec.files entry, in bytes (a config file; hooks are small scripts). */
export const FILES_MAX_BYTES = 64 * 1024;
/** Largest total of one manifest's spec.files, in bytes. */
export const FILES_MAX_TOTAL_BYTES = 256 * 1024;

/**
 * Why `content` cannot be carried in spec.files, or undefined. File content
 * may hold TAB, LF and CR (CRLF files exist on real hosts and must round-trip
 * exactly); other C0 controls, DEL and C1 are refused (they would reach the
 * operator's terminal in plan output and no util-vserver file needs them), as
 * are U+FFFD (what a non-UTF-8 byte reads as: the bytes could not be written
 * back) and content over FILES_MAX_BYTES.
 */
export function filesContentProblem(content: string): string | undefined {
  const bytes = Buffer.byteLength(content);
  if (bytes > FILES_MAX_BYTES) return `is ${bytes} bytes; spec.files holds at most ${FILES_MAX_BYTES} bytes per file`;
  const i = content.search(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/);
  if (i >= 0) {
    const code = content.charCodeAt(i);
    return code === 0xfffd
      ? `is not valid UTF-8 text (at character ${i + 1}); spec.files carries text only`
      : `contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')} at character ${i + 1}; spec.files content may hold TAB, LF and CR only`;
  }
  return undefined;
}

/** A spec.files key (the schema's propertyNames pattern): plain components, no dot or `~` start, at most 6 deep. */
export const FILES_PATH = /^[A-Za-z0-9_+@=-][A-Za-z0-9._+@=~-]{0,127}(\/[A-Za-z0-9_+@=-][A-Za-z0-9._+@=~-]{0,127}){0,5}$/;
