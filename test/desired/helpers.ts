import type { ValidateFunction } from 'ajv';
import { compileManifestSchema } from '../../src/desired/schema.js';
import { validateManifestFiles, type ValidationResult } from '../../src/desired/validate.js';

let validator: ValidateFunction | undefined;

/** Validates manifest files given as text (or raw bytes) by path. */
export function validateTexts(files: Record<string, string | Uint8Array>, maxFileBytes?: number): ValidationResult {
  validator ??= compileManifestSchema();
  const list = Object.entries(files).map(([path, content]) => {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return { path, size: bytes.length, bytes };
  });
  return validateManifestFiles(list, { validator, ...(maxFileBytes !== undefined ? { maxFileBytes } : {}) });
}

export function validateText(text: string | Uint8Array, maxFileBytes?: number): ValidationResult {
  return validateTexts({ 'm.yaml': text }, maxFileBytes);
}

/**
 * A valid manifest whose spec ends at line 8; `extra` lines (indented as spec
 * fields) start at line 9. `build` replaces line 8.
 */
export function manifest(extra: string[] = [], o: { name?: string; context?: string; hosts?: string; build?: string } = {}): string {
  return [
    'apiVersion: vsgitops.io/v1',
    'kind: VServer',
    'metadata:',
    `  name: ${o.name ?? 'web1'}`,
    'spec:',
    `  context: ${o.context ?? '1001'}`,
    `  hosts: ${o.hosts ?? '{names: [host-a]}'}`,
    `  build: ${o.build ?? '{method: skeleton}'}`,
    ...extra,
    '',
  ].join('\n');
}
