/**
 * Which entries of a guest's config dir the model does not carry (issue 10
 * item 4): apply never writes or removes them (config-write.ts renders only
 * the files it owns), and observe/import list them as "kept as is, not
 * managed". Pure, over the snapshot `readConfigTree` made.
 */
import { LIMIT_NAMES, UTS_EXTRA_KEYS } from '../../model/guest.js';
import type { ConfigTree } from './config-read.js';
import { FILES_MAX_TOTAL_BYTES, FILES_PATH, filesContentProblem, ownerOf } from '../../model/owned-paths.js';
import { CGROUP_FILES, chooseDlimitName, INTERFACE_FILES, NETWORK_DIR_FILES } from './config-write.js';

const TOP = new Set(['context', 'name', 'fstab', 'cflags', 'flags', 'bcapabilities', 'ccapabilities', 'nocgroup', 'run', 'vdir', 'cache', '.vsgitops' /* observe.ts MARKER_FILE */]);
const FIXED = new Set([
  'uts/nodename',
  'uts/domainname',
  'apps/init/style',
  'apps/init/mark',
  // issue 10 (adopt): modelled by spec.nice, spec.ionice, spec.personality, spec.uts.*
  'nice',
  'nflags',
  'ncapabilities',
  'ionice/class',
  'ionice/priority',
  'personality',
  ...UTS_EXTRA_KEYS.map((k) => `uts/${k}`),
  'interfaces/dev',
  'interfaces/prefix',
  'interfaces/mask',
  // ---- issue 10 (iface): spec.network ----
  ...NETWORK_DIR_FILES,
  ...Object.values(CGROUP_FILES).map((f) => `cgroup/${f}`),
  ...LIMIT_NAMES.flatMap((n) => ['', '.soft', '.hard', '.min'].map((x) => `rlimits/${n}${x}`)),
]);
// issue 10 (iface): `disabled` is modelled too (InterfaceSpec.disabled); a disabled interface that cannot be
// modelled (no ip) is reported by config-read and its files stay as they are (ownerOf keeps them out of spec.files)
const IFACE = new Set<string>(INTERFACE_FILES);
const DLIMIT = new Set(['directory', 'space_total', 'inodes_total', 'reserved']);

/**
 * Relative paths of files and links the model does not read, sorted.
 * `covered` (issue 10 initx: initxPaths of the observed spec) are paths a
 * modelled field stands for on this guest: not listed. spec.files still gets
 * them from a call without it, so manifests that carry them keep planning no change.
 */
export function unmodelledEntries(tree: ConfigTree, covered?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  // the dlimits entry config-read.ts readDisk models: dlimits/vsgitops, else the first enabled one
  const dl = [...tree.keys()].filter((k) => /^dlimits\/[^/.][^/]*$/.test(k) && !tree.has(`${k}/disabled`)).map((k) => k.slice(8)).sort();
  const dlimit = chooseDlimitName(dl);
  for (const [rel, e] of tree) {
    if (e.kind === 'dir' || (e.kind === 'symlink' && e.dir)) continue;
    if (TOP.has(rel) || FIXED.has(rel) || covered?.has(rel)) continue;
    const parts = rel.split('/');
    if (parts[0] === 'interfaces' && parts.length === 3 && !parts[1]!.startsWith('.') && IFACE.has(parts[2]!)) continue;
    if (parts[0] === 'dlimits' && parts.length === 3 && parts[1] === dlimit && DLIMIT.has(parts[2]!)) continue;
    out.push(rel);
  }
  return out.sort();
}

/**
 * The unmodelled entries spec.files can carry: regular files that are not
 * below a symbolic link (apply refuses to write through one) and whose content
 * is text a manifest may hold (filesContentProblem), under a path spec.files
 * may name (FILES_PATH, not owned by a modelled field), while the total stays
 * within FILES_MAX_TOTAL_BYTES (in path order). The others stay listed as kept
 * as is, not managed.
 */
export function carriableFiles(tree: ConfigTree, unmodelled: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const rel of [...unmodelled].sort()) {
    const e = tree.get(rel);
    if (!e || e.kind !== 'file' || !FILES_PATH.test(rel) || ownerOf(rel) !== undefined) continue;
    if (total + Buffer.byteLength(e.content) > FILES_MAX_TOTAL_BYTES) continue;
    const parts = rel.split('/');
    let linked = false;
    for (let i = 1; i < parts.length; i++) if (tree.get(parts.slice(0, i).join('/'))?.kind === 'symlink') linked = true;
    if (linked || filesContentProblem(e.content) !== undefined) continue;
    out[rel] = e.content;
    total += Buffer.byteLength(e.content);
  }
  return out;
}
