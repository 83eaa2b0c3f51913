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
  // only guests sharing a context id or an address can clash: index the accepted ones by both
  // (comparing every pair made a pass over 1,000 guests spend a quarter of a second here)
  const byContext = new Map<number, number[]>();
  const byAddress = new Map<string, number[]>();
  const index = <K>(m: Map<K, number[]>, k: K, i: number) => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  for (const lg of located) {
    const { guest, doc } = lg;
    const first = byName.get(guest.spec.name);
    if (first) {
      problems.push(problemAt(doc, ['metadata', 'name'], `guest name '${guest.spec.name}' is already used at ${where(first.guest)}`));
      continue;
    }
    byName.set(guest.spec.name, lg);
    const candidates = new Set<number>(byContext.get(guest.spec.context) ?? []);
    // issue 10 (iface): a disabled interface's address is neither bound nor added (UV scripts/vserver.functions:708)
    const enabled = (g: { spec: { interfaces: { address: string; disabled?: true }[] } }) => g.spec.interfaces.filter((i) => !i.disabled);
    for (const ifc of enabled(guest)) for (const i of byAddress.get(ifc.address) ?? []) candidates.add(i);
    let ok = true;
    // in acceptance order, as the problems are reported
    for (const i of [...candidates].sort((a, b) => a - b)) {
      const other = accepted[i]!;
      if (!selectorsMayOverlap(guest.hosts, other.guest.hosts)) continue;
      if (other.guest.spec.context === guest.spec.context) {
        problems.push(problemAt(doc, ['spec', 'context'], `context ${guest.spec.context} is already used by guest '${other.guest.spec.name}' (${where(other.guest)}), which can run on the same host`));
        ok = false;
      }
      const theirs = new Set(enabled(other.guest).map((i) => i.address));
      enabled(guest).forEach((ifc) => {
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
    if (ok) {
      const i = accepted.push(lg) - 1;
      index(byContext, guest.spec.context, i);
      for (const ifc of enabled(guest)) index(byAddress, ifc.address, i);
    }
  }
  return { accepted, problems };
}
