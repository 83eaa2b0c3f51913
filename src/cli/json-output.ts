/**
 * The JSON documents the commands print with `--output json`. Each carries `formatVersion`;
 * its JSON Schema is schemas/output/<command>.schema.json. A change that would break a reader
 * (a removed or retyped field) raises the version; new fields do not.
 */
import { VsError } from '../errors.js';

export const OUTPUT_FORMAT_VERSION = 1;

/** An error, the same shape for every command: { formatVersion, ok: false, error: { code, message, ... } }. */
export function errorDocument(err: unknown): { formatVersion: number; ok: false; error: Record<string, unknown> } {
  const error = err instanceof VsError ? err.toJSON() : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  return { formatVersion: OUTPUT_FORMAT_VERSION, ok: false, error };
}
