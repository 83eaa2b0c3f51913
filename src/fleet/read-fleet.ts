import { VsError } from '../errors.js';
import { FLEET_FILE, loadFleet, type Fleet } from '../desired/fleet.js';
import { isFleetText, topFile } from '../desired/load.js';
import { readSource } from '../source/read-source.js';
import type { SourceSpec } from '../source/types.js';
import { DEFAULT_MAX_FILE_BYTES } from '../desired/yaml-documents.js';

/** The fleet file of a source (only it: the manifests need not be valid to ask the fleet how it is). */
export async function readFleet(source: SourceSpec): Promise<Fleet> {
  const snap = await readSource(source, { maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  const file = topFile(snap.files, FLEET_FILE);
  if (!file) throw new VsError('SOURCE', `no ${FLEET_FILE} at the top of the manifest path`);
  if (file.bytes === null) throw new VsError('SOURCE', `${file.path} is too large`);
  if (!isFleetText(file.bytes)) throw new VsError('SOURCE', `${file.path} is not a fleet file (no kind: Fleet)`);
  const r = loadFleet({ path: file.path, bytes: file.bytes });
  if (!r.fleet) throw new VsError('MANIFEST_INVALID', `${file.path} is invalid`, { problems: r.problems });
  return r.fleet;
}
