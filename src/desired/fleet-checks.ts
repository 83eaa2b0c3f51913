import type { Problem } from '../errors.js';
import type { DesiredGuest } from '../model/guest.js';
import { parseAddressWithPrefix } from './address.js';
import { selectorsMayOverlap } from './host-select.js';
import { problemAt, type ManifestDocument } from './yaml-documents.js';

export interface LocatedGuest {
  guest: DesiredGuest;
  doc: ManifestDocument;
}

const where = (g: DesiredGuest) => `${g.origin.file}:${g.origin.line}`;

/**
 * Checks across documents: names are unique everywhere; context ids and
 * addresses are unique among guests that may share a host
 * (see `selectorsMayOverlap`). Returns the guests that passed and the problems.
 */
export function checkFleet(located: LocatedGuest[]): { accepted: LocatedGuest[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const accepted: LocatedGuest[] = [];
  const byName = new Map<string, LocatedGuest>();
  for (const lg of located) {
    const { guest, doc } = lg;
    const first = byName.get(guest.spec.name);
    if (first) {
      problems.push(problemAt(doc, ['metadata', 'name'], `guest name '${guest.spec.name}' is already used at ${where(first.guest)}`));
      continue;
    }
    byName.set(guest.spec.name, lg);
    let ok = true;
    for (const other of accepted) {
      if (!selectorsMayOverlap(guest.hosts, other.guest.hosts)) continue;
      if (other.guest.spec.context === guest.spec.context) {
        problems.push(problemAt(doc, ['spec', 'context'], `context ${guest.spec.context} is already used by guest '${other.guest.spec.name}' (${where(other.guest)}), which can run on the same host`));
        ok = false;
      }
      const theirs = new Set(other.guest.spec.interfaces.map((i) => i.address));
      guest.spec.interfaces.forEach((ifc) => {
        if (!theirs.has(ifc.address)) return;
        const raw = (doc.value as { spec: { interfaces: { address: string }[] } }).spec.interfaces;
        const index = raw.findIndex((r) => {
          const a = parseAddressWithPrefix(r.address);
          return !('error' in a) && a.address === ifc.address;
        });
        problems.push(problemAt(doc, ['spec', 'interfaces', Math.max(index, 0), 'address'], `address ${ifc.address} is already used by guest '${other.guest.spec.name}' (${where(other.guest)}), which can run on the same host`));
        ok = false;
      });
    }
    if (ok) accepted.push(lg);
  }
  return { accepted, problems };
}
