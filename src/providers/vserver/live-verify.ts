/**
 * What a running context must show after a live change, and which of it the
 * kernel does not show. Pure: the executor reads /proc and calls these.
 */
import type { CgroupSpec, GuestSpec, LimitName, LimitValue, RuntimeState } from '../../model/guest.js';
import { diffRuntime } from '../../reconciler/runtime-diff.js';
import type { AttributeChange } from './commands.js';
import { parseList, type ListKind } from '../../model/names.js';

export interface AttributeExpectation {
  field: 'flags' | 'bcaps' | 'ccaps';
  /** bits that must be set / clear afterwards */
  set: bigint;
  clear: bigint;
}

export interface LiveExpectation {
  limits: Partial<Record<LimitName, { soft: LimitValue; hard: LimitValue }>>;
  attributes: AttributeExpectation[];
  uts?: { nodename: string; domainname: string };
  cgroup?: Partial<CgroupSpec>;
}

const KINDS: { field: AttributeExpectation['field']; kind: ListKind; key: keyof AttributeChange }[] = [
  { field: 'flags', kind: 'flag', key: 'flags' },
  { field: 'bcaps', kind: 'bcap', key: 'bcaps' },
  { field: 'ccaps', kind: 'ccap', key: 'ccaps' },
];

/** The bits `vattribute --set` with these items leaves set and clear (later items win, like the tool's list). */
export function attributeExpectations(change: AttributeChange): AttributeExpectation[] {
  const out: AttributeExpectation[] = [];
  for (const { field, kind, key } of KINDS) {
    let set = 0n;
    let clear = 0n;
    for (const token of change[key]) {
      const r = parseList(kind, token);
      if (!r.ok) continue;
      for (const item of r.items) {
        if (item.negate) {
          clear |= item.value;
          set &= ~item.value;
        } else {
          set |= item.value;
          clear &= ~item.value;
        }
      }
    }
    if (set !== 0n || clear !== 0n) out.push({ field, set, clear });
  }
  return out;
}

const HEX: Record<AttributeExpectation['field'], 'flagsHex' | 'bcapsHex' | 'ccapsHex'> = { flags: 'flagsHex', bcaps: 'bcapsHex', ccaps: 'ccapsHex' };

const bitList = (v: bigint) => {
  const out: number[] = [];
  for (let b = 0n; b < 64n; b++) if (v & (1n << b)) out.push(Number(b));
  return out.map((b) => `^${b}`).join(',');
};

/** Each expected value the running context does not show, as `field: want (kernel: have)`. */
export function liveMismatches(rt: RuntimeState, exp: LiveExpectation): string[] {
  const out: string[] = [];
  // limits, UTS names and cgroup values compare as the drift check does (soft clamped to hard, pages rounded)
  const probe: GuestSpec = {
    name: '', context: rt.xid, nodename: exp.uts?.nodename ?? rt.nodename ?? '', runState: 'running', startOnBoot: false,
    initStyle: 'sysv', interfaces: [], fstab: [], flags: [], bcaps: [], ccaps: [], limits: exp.limits, cgroup: exp.cgroup ?? {},
    ...(exp.uts ? { domainname: exp.uts.domainname } : {}),
  };
  for (const d of diffRuntime(probe, rt)) {
    if (d.field === 'context') continue;
    out.push(`${d.path.replace(/^runtime\./, '')} ${String(d.after)} (kernel: ${String(d.before)})`);
  }
  for (const a of exp.attributes) {
    const h = rt[HEX[a.field]].trim().replace(/^0x/i, '');
    const mask = /^[0-9a-f]+$/i.test(h) ? BigInt('0x' + h) : 0n;
    const notSet = a.set & ~mask;
    const notClear = a.clear & mask;
    if (notSet) out.push(`${a.field} set ${bitList(notSet)} (kernel: clear)`);
    if (notClear) out.push(`${a.field} clear ${bitList(notClear)} (kernel: set)`);
  }
  return out;
}
