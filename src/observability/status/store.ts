import { stringifyExact } from '../../text/json.js';
import path from 'node:path';
import { VsError } from '../../errors.js';
import { readJsonFile, writeFileAtomic } from '../../fs/atomic.js';
import { STATUS_FILE, STATUS_FORMAT_VERSION, type Status } from './types.js';

export async function writeStatus(stateDir: string, status: Status): Promise<void> {
  await writeFileAtomic(path.join(stateDir, STATUS_FILE), stringifyExact(status) + '\n');
}

/** The status, or undefined when no pass has written one yet. */
export async function readStatus(stateDir: string): Promise<Status | undefined> {
  const file = path.join(stateDir, STATUS_FILE);
  let data: unknown;
  try {
    data = await readJsonFile(file);
  } catch (err) {
    throw new VsError('HOST', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
  if (data === undefined) return undefined;
  const s = data as Partial<Status>;
  if (typeof s !== 'object' || s === null || s.formatVersion !== STATUS_FORMAT_VERSION || !Array.isArray(s.guests)) {
    throw new VsError('HOST', `${file} is not a vsgitops status file of format ${STATUS_FORMAT_VERSION}`, { file });
  }
  return s as Status;
}
