/**
 * Which entries of a guest's config dir the model does not carry (issue 10
 * item 4): apply never writes or removes them (config-write.ts renders only
 * the files it owns), and observe/import list them as "kept as is, not
 * managed". Pure, over the snapshot `readConfigTree` made.
 */
import { LIMIT_NAMES } from '../../model/guest.js';
import type { ConfigTree } from './config-read.js';
import { CGROUP_FILES, INTERFACE_FILES } from './config-write.js';

const TOP = new Set(['context', 'name', 'fstab', 'cflags', 'flags', 'bcapabilities', 'ccapabilities', 'nocgroup', 'run', 'vdir', 'cache', '.vsgitops' /* observe.ts MARKER_FILE */]);
const FIXED = new Set([
  'uts/nodename',
  'uts/domainname',
  'apps/init/style',
  'apps/init/mark',
  'interfaces/dev',
  'interfaces/prefix',
  'interfaces/mask',
  ...Object.values(CGROUP_FILES).map((f) => `cgroup/${f}`),
  ...LIMIT_NAMES.flatMap((n) => ['', '.soft', '.hard', '.min'].map((x) => `rlimits/${n}${x}`)),
]);
const IFACE = new Set<string>(INTERFACE_FILES.filter((f) => f !== 'disabled'));
const DLIMIT = new Set(['directory', 'space_total', 'inodes_total', 'reserved']);

/** Relative paths of files and links the model does not read, sorted. */
export function unmodelledEntries(tree: ConfigTree): string[] {
  const out: string[] = [];
  // the dlimits entry config-read.ts readDisk models: dlimits/vsgitops, else the first enabled one
  const dl = [...tree.keys()].filter((k) => /^dlimits\/[^/.][^/]*$/.test(k) && !tree.has(`${k}/disabled`)).map((k) => k.slice(8)).sort();
  const dlimit = dl.includes('vsgitops') ? 'vsgitops' : dl[0];
  for (const [rel, e] of tree) {
    if (e.kind === 'dir' || (e.kind === 'symlink' && e.dir)) continue;
    if (TOP.has(rel) || FIXED.has(rel)) continue;
    const parts = rel.split('/');
    if (parts[0] === 'interfaces' && parts.length === 3 && !parts[1]!.startsWith('.') && IFACE.has(parts[2]!)) continue;
    if (parts[0] === 'dlimits' && parts.length === 3 && parts[1] === dlimit && DLIMIT.has(parts[2]!)) continue;
    out.push(rel);
  }
  return out.sort();
}
