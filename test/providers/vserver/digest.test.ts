import test from 'ava';
import { createHash } from 'node:crypto';
import type { ObservedHost } from '../../../src/model/guest.js';
import { canonicalJson, digestHost } from '../../../src/providers/vserver/digest.js';
import { baseSpec, runtimeFor } from '../../helpers/state-builder.js';

/** The definition: sha256 over the canonical JSON of the whole host, task counts left out. */
function reference(host: Omit<ObservedHost, 'digest'>): string {
  const stable = {
    hostName: host.hostName,
    vciVersion: host.vciVersion ?? null,
    guests: host.guests.map((g) => ({ ...g, runtime: g.runtime ? { ...g.runtime, tasks: undefined } : undefined })),
    unmanagedContexts: host.unmanagedContexts.map((c) => ({ ...c, tasks: undefined })),
  };
  return createHash('sha256').update(canonicalJson(stable)).digest('hex');
}

test('the host digest, fed a guest at a time, equals the digest of the whole canonical host', (t) => {
  const guests: ObservedHost['guests'] = [];
  for (let i = 0; i < 5; i++) {
    const spec = baseSpec(`g${i}`, 1000 + i);
    const g: ObservedHost['guests'][number] = { spec, running: i % 2 === 0, managed: i !== 3, staleRunFile: false, configDigest: `d${i}` };
    if (g.running) g.runtime = { ...runtimeFor(spec), tasks: 3 + i };
    if (i === 4) g.problems = [{ file: '/x', line: 0, column: 0, path: '', message: 'm "quoted"\n' }];
    guests.push(g);
  }
  const hosts: Omit<ObservedHost, 'digest'>[] = [
    { hostName: 'h', vciVersion: '0002:0308', guests, unmanagedContexts: [{ xid: 42, tasks: 1, contextName: '/etc/vservers/x' }] },
    { hostName: 'h"2', guests: [], unmanagedContexts: [] },
    { hostName: 'h', guests: guests.slice(0, 1), unmanagedContexts: [], problems: [{ file: '/p', line: 0, column: 0, path: '', message: 'host' }] },
  ];
  for (const h of hosts) t.is(digestHost(h), reference(h));
  const moved = { ...hosts[0]!, guests: guests.map((g) => (g.runtime ? { ...g, runtime: { ...g.runtime, tasks: 99 } } : g)) };
  t.is(digestHost(moved), digestHost(hosts[0]!), 'task counts do not move the digest');
});
