import { promises as fs } from 'node:fs';
import { inspect } from 'node:util';
import { VsError } from '../errors.js';

/**
 * A secret value that cannot leak by accident: JSON, string conversion and
 * util.inspect (winston, error data, console) all print "[redacted]".
 * Only `reveal()` returns the value.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

export interface SecretRef {
  env?: string;
  file?: string;
}

/**
 * Reads a secret from an environment variable (by name) or a file (first
 * line, trailing newline removed). Errors name the variable or file, never the value.
 */
export async function resolveSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv): Promise<Secret | null> {
  if (ref.env) {
    const v = env[ref.env];
    if (v === undefined || v === '') throw new VsError('CONFIG', `${what}: environment variable ${ref.env} is not set`, { field: what });
    return new Secret(v);
  }
  if (ref.file) {
    let text: string;
    try {
      text = await fs.readFile(ref.file, 'utf8');
    } catch (err) {
      throw new VsError('CONFIG', `${what}: cannot read ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { field: what, file: ref.file });
    }
    const v = text.replace(/\r?\n$/, '');
    if (v === '') throw new VsError('CONFIG', `${what}: ${ref.file} is empty`, { field: what, file: ref.file });
    return new Secret(v);
  }
  return null;
}

/** Removes a password/token from a URL's user-info for display. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    if (u.username && u.password) return u.toString();
    if (u.username) u.username = 'redacted';
    return u.toString();
  } catch {
    return url;
  }
}

/** Replaces every occurrence of the given secrets in a message (errors from git libraries may echo them). */
export function redactText(text: string, secrets: (Secret | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    const v = s?.reveal();
    if (v && v.length >= 4) out = out.split(v).join('[redacted]');
  }
  return out;
}
