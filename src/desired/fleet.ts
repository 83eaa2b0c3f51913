/**
 * The fleet file (`fleet.yaml` at the top of the manifest path): every host
 * with its name, labels and environment, and per environment the git ref its
 * agents follow. Parsing reports file:line problems like manifests do; the
 * lookups are pure.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/fleet.schema.json' with { type: 'json' };
import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import { matchesHost } from './host-select.js';
import { schemaProblems } from './schema.js';
import { decodeManifest, parseManifestText, problemAt, type ManifestDocument } from './yaml-documents.js';

/** The fleet file's name; like the ignore list it sits beside the manifests but is not one. */
export const FLEET_FILE = 'fleet.yaml';

export interface FleetHost {
  name: string;
  environment: string;
  labels: Record<string, string>;
  /** base URL of the host agent's HTTP endpoints (GET /status, /observed) */
  agentUrl?: string;
  /** where the host is written, for messages */
  origin: { file: string; line: number };
}

export interface FleetEnvironment {
  name: string;
  /** the branch the environment's agents follow */
  ref: string;
}

export interface Fleet {
  file: string;
  environments: FleetEnvironment[];
  hosts: FleetHost[];
}

let validator: ValidateFunction | undefined;
function compile(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    validator = ajv.compile(schemaJson as object);
  }
  return validator;
}

interface RawFleet {
  environments: Record<string, { ref: string }>;
  hosts: { name: string; environment: string; labels?: Record<string, string>; agent?: { url: string } }[];
}

/**
 * Parses a fleet file. Every problem is reported with its file, line and
 * field; `fleet` is present only when there is none.
 */
export function loadFleet(file: { path: string; bytes: Uint8Array } | { path: string; text: string }): { fleet?: Fleet; problems: Problem[] } {
  let text: string;
  if ('text' in file) text = file.text;
  else {
    const decoded = decodeManifest(file.path, file.bytes);
    if ('problem' in decoded) return { problems: [decoded.problem] };
    text = decoded.text;
  }
  const parsed = parseManifestText(file.path, text);
  if (parsed.problems.length > 0) return { problems: parsed.problems };
  if (parsed.documents.length !== 1) {
    return { problems: [{ file: file.path, line: parsed.documents[1]?.line ?? 1, column: 1, path: '', message: parsed.documents.length === 0 ? 'the fleet file is empty' : 'the fleet file must hold exactly one YAML document' }] };
  }
  const doc = parsed.documents[0]!;
  const check = compile();
  if (!check(doc.value)) return { problems: schemaProblems(doc, check.errors ?? []) };
  return semantic(doc, doc.value as RawFleet);
}

function semantic(doc: ManifestDocument, raw: RawFleet): { fleet?: Fleet; problems: Problem[] } {
  const problems: Problem[] = [];
  const envs = Object.keys(raw.environments);
  const seen = new Map<string, number>();
  const lineOf = (i: number) => problemAt(doc, ['hosts', i], '').line;
  raw.hosts.forEach((h, i) => {
    const first = seen.get(h.name);
    if (first !== undefined) problems.push(problemAt(doc, ['hosts', i, 'name'], `host '${h.name}' is already listed at line ${lineOf(first)}`));
    else seen.set(h.name, i);
    if (!envs.includes(h.environment)) {
      problems.push(problemAt(doc, ['hosts', i, 'environment'], `unknown environment '${h.environment}'; the environments are ${envs.join(', ')}`));
    }
  });
  const refs = new Map<string, string>();
  for (const [name, e] of Object.entries(raw.environments)) {
    const other = refs.get(e.ref);
    if (other !== undefined) problems.push(problemAt(doc, ['environments', name, 'ref'], `ref '${e.ref}' is already followed by environment '${other}'`));
    else refs.set(e.ref, name);
  }
  if (problems.length > 0) return { problems };
  return {
    problems,
    fleet: {
      file: doc.file,
      environments: Object.entries(raw.environments).map(([name, e]) => ({ name, ref: e.ref })),
      hosts: raw.hosts.map((h, i) => ({
        name: h.name,
        environment: h.environment,
        labels: { ...(h.labels ?? {}) },
        ...(h.agent ? { agentUrl: h.agent.url.replace(/\/+$/, '') } : {}),
        origin: { file: doc.file, line: lineOf(i) },
      })),
    },
  };
}

/** A host's labels and environment by name, or undefined when the fleet does not list it. */
export function fleetHost(fleet: Fleet, name: string): { labels: Record<string, string>; environment: string } | undefined {
  const h = fleet.hosts.find((x) => x.name === name);
  return h ? { labels: { ...h.labels }, environment: h.environment } : undefined;
}

/** The hosts of one environment, in file order. */
export function environmentHosts(fleet: Fleet, environment: string): FleetHost[] {
  return fleet.hosts.filter((h) => h.environment === environment);
}

const where = (g: DesiredGuest) => `${g.origin.file}:${g.origin.line}`;

/**
 * Placement across the fleet: every guest lands on at least one host, and no
 * two guests placed on one host share a name, a context id or an address.
 * Problems point at the guest's manifest (file and line).
 */
export function checkPlacement(guests: readonly DesiredGuest[], fleet: Fleet): Problem[] {
  const problems: Problem[] = [];
  const at = (g: DesiredGuest, path: string, message: string): Problem => ({ file: g.origin.file, line: g.origin.line, column: 1, path, message });
  const placed = new Map<DesiredGuest, string[]>();
  for (const g of guests) {
    const hosts = fleet.hosts.filter((h) => matchesHost(g.hosts, h)).map((h) => h.name);
    placed.set(g, hosts);
    if (hosts.length === 0) {
      const sel = [
        ...(g.hosts.names.length > 0 ? [`names [${g.hosts.names.join(', ')}]`] : []),
        ...(Object.keys(g.hosts.matchLabels).length > 0 ? [`matchLabels {${Object.entries(g.hosts.matchLabels).map(([k, v]) => `${k}: ${v}`).join(', ')}}`] : []),
      ].join(' and ');
      problems.push(at(g, 'spec.hosts', `guest '${g.spec.name}' is placed on no host of the fleet (${fleet.file}): no host matches ${sel || 'the selector'}`));
    }
  }
  const reported = new Set<string>();
  for (const h of fleet.hosts) {
    const on = guests.filter((g) => placed.get(g)!.includes(h.name));
    const byName = new Map<string, DesiredGuest>();
    const byCtx = new Map<number, DesiredGuest>();
    const byAddr = new Map<string, DesiredGuest>();
    for (const g of on) {
      const clash = (kind: string, other: DesiredGuest | undefined, path: string, what: string) => {
        if (!other) return;
        const key = `${kind}\0${g.origin.file}\0${g.origin.line}\0${g.origin.document}\0${what}`;
        if (reported.has(key)) return;
        reported.add(key);
        problems.push(at(g, path, `${what} is already used by guest '${other.spec.name}' (${where(other)}) on host '${h.name}'`));
      };
      clash('name', byName.get(g.spec.name), 'metadata.name', `name '${g.spec.name}'`);
      clash('context', byCtx.get(g.spec.context), 'spec.context', `context ${g.spec.context}`);
      for (const i of g.spec.interfaces) clash('address', byAddr.get(i.address), 'spec.interfaces', `address ${i.address}`);
      if (!byName.has(g.spec.name)) byName.set(g.spec.name, g);
      if (!byCtx.has(g.spec.context)) byCtx.set(g.spec.context, g);
      for (const i of g.spec.interfaces) if (!byAddr.has(i.address)) byAddr.set(i.address, g);
    }
  }
  return problems;
}
