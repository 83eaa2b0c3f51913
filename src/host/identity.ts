/**
 * Host identity: the name and labels that place manifests on this host.
 *
 * Stored once, in the state directory (`host.yaml`), written by
 * `vsgitops host init` or the first apply, and read by every command that
 * acts on a host. Names and labels typed on a command line are checked against
 * it: a forgotten `--host-label` must not make guests look "no longer placed
 * here" and plan their deletion. Changing the identity takes
 * `--host-identity-change`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap } from 'yaml';
import { VsError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';

export const HOST_FILE = 'host.yaml';
const MAX_HOST_FILE_BYTES = 64 * 1024;
/** Like manifest names and label keys: what a selector can match. */
const NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
const LABEL_KEY_RE = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

export interface HostIdentity {
  name: string;
  labels: Record<string, string>;
}

export function hostFilePath(stateDir: string): string {
  return path.join(stateDir, HOST_FILE);
}

/** Checks a name and labels; throws USAGE naming `where` (a flag or a file). */
export function checkIdentity(id: HostIdentity, where: string): void {
  if (!NAME_RE.test(id.name)) throw new VsError('USAGE', `${where}: host name "${id.name}" is not a valid host name (letters, digits, '.', '_', '-')`);
  for (const [k, v] of Object.entries(id.labels)) {
    if (!LABEL_KEY_RE.test(k)) throw new VsError('USAGE', `${where}: label key "${k}" is not valid`);
    if (!LABEL_VALUE_RE.test(v)) throw new VsError('USAGE', `${where}: label ${k} has an invalid value "${v}"`);
  }
}

/** The stored identity, or undefined when there is no host file. Errors name the file and line. */
export function readHostFile(stateDir: string): HostIdentity | undefined {
  const file = hostFilePath(stateDir);
  let buf: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_HOST_FILE_BYTES) throw new VsError('CONFIG', `${file}: host file is ${st.size} bytes, more than ${MAX_HOST_FILE_BYTES}`, { file });
    buf = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof VsError) throw err;
    throw new VsError('CONFIG', `${file}: cannot read the host file: ${(err as Error).message}`, { file });
  }
  const text = buf.toString('utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => {
    const p = lc.linePos(offset ?? 0);
    return `${file}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) throw new VsError('CONFIG', `${at(doc.errors[0]!.pos[0])}: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  if (!isMap(doc.contents)) throw new VsError('CONFIG', `${file}:1:1: the host file must be a mapping with name and labels`, { file });
  const raw = doc.toJS() as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!['apiVersion', 'kind', 'name', 'labels'].includes(key)) {
      const node = doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value) === key);
      throw new VsError('CONFIG', `${at((node?.key as { range?: number[] })?.range?.[0])}: ${key}: unknown field (expected name, labels)`, { file });
    }
  }
  const fieldAt = (key: string) => at((doc.contents as { items: { key: { value?: unknown; range?: number[] } }[] }).items.find((p) => p.key?.value === key)?.key?.range?.[0]);
  if (typeof raw.name !== 'string') throw new VsError('CONFIG', `${fieldAt('name')}: name: must be a string (the host's name)`, { file });
  const labels = raw.labels ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
    throw new VsError('CONFIG', `${fieldAt('labels')}: labels: must map keys to string values`, { file });
  }
  const id: HostIdentity = { name: raw.name, labels: labels as Record<string, string> };
  try {
    checkIdentity(id, file);
  } catch (err) {
    throw new VsError('CONFIG', (err as Error).message, { file });
  }
  return id;
}

export function renderHostFile(id: HostIdentity): string {
  const labels = Object.keys(id.labels).sort();
  const q = (s: string) => JSON.stringify(s);
  return [
    '# This host\'s identity for vsgitops: its name and labels place manifests on it.',
    '# Written by `vsgitops host init` or the first apply; read by every command.',
    '# Change it with `vsgitops host init --host-identity-change ...` (see the README).',
    'apiVersion: vsgitops.io/v1',
    'kind: Host',
    `name: ${q(id.name)}`,
    labels.length === 0 ? 'labels: {}' : 'labels:',
    ...labels.map((k) => `  ${q(k)}: ${q(id.labels[k]!)}`),
    '',
  ].join('\n');
}

export async function writeHostFile(stateDir: string, id: HostIdentity): Promise<void> {
  await fs.promises.mkdir(stateDir, { recursive: true, mode: 0o755 });
  await writeFileAtomic(hostFilePath(stateDir), renderHostFile(id));
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

const showLabels = (l: Record<string, string>) => {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? '(no labels)' : keys.map((k) => `${k}=${l[k]}`).join(',');
};

export interface ResolvedIdentity extends HostIdentity {
  /** where the identity came from */
  source: 'file' | 'given' | 'default';
  /** the host file's identity, when there is one */
  stored?: HostIdentity;
  /** the given name/labels differ from the host file (allowed by --host-identity-change) */
  changed: boolean;
}

export interface ResolveInput {
  stateDir: string;
  /** what the command line or agent config says; undefined = not given */
  given: { name?: string; labels?: Record<string, string> };
  /** the name to use when nothing is given or stored (machine host name; a simulated host's name) */
  defaultName: string;
  /** --host-identity-change */
  allowChange: boolean;
}

/**
 * The identity a command acts with: the host file's, unless given values
 * differ, which is refused without `allowChange`. Without a host file: the
 * given values, else the default name with no labels.
 */
export function resolveHostIdentity(input: ResolveInput): ResolvedIdentity {
  const stored = readHostFile(input.stateDir);
  const { name, labels } = input.given;
  if (!stored) {
    const id = { name: name ?? input.defaultName, labels: labels ?? {} };
    checkIdentity(id, '--host-name/--host-label');
    return { ...id, source: name !== undefined || labels !== undefined ? 'given' : 'default', changed: false };
  }
  const wanted = { name: name ?? stored.name, labels: labels ?? stored.labels };
  const differs = wanted.name !== stored.name || !sameLabels(wanted.labels, stored.labels);
  if (!differs) return { ...stored, source: 'file', stored, changed: false };
  if (!input.allowChange) {
    throw new VsError(
      'HOST_IDENTITY',
      `this host is "${stored.name}" with labels ${showLabels(stored.labels)} (${hostFilePath(input.stateDir)}), ` +
        `but the command says "${wanted.name}" with labels ${showLabels(wanted.labels)}. ` +
        'Leave out --host-name/--host-label to use the stored identity, or give --host-identity-change to change it ' +
        '(guests then placed elsewhere are shown as "no longer placed on this host").',
      { file: hostFilePath(input.stateDir), stored, given: wanted },
    );
  }
  checkIdentity(wanted, '--host-name/--host-label');
  return { ...wanted, source: 'given', stored, changed: true };
}
