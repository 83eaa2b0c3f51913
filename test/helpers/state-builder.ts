/**
 * Fluent fixtures for planner tests: one call per guest describes its desired
 * manifest, its configuration on the host, its running context and its
 * inventory entry, consistent by default so each test states only the
 * difference it is about.
 *
 *   const input = new StateBuilder()
 *     .guest('web1', (g) => g.desired({ nodename: 'web1b' }))
 *     .guest('old', (g) => g.notInGit())
 *     .build();
 */
import type {
  BuildSpec,
  DeletionPolicy,
  DesiredGuest,
  DriftMode,
  GuestSpec,
  ObservedGuest,
  RuntimeState,
  UnmanagedContext,
} from '../../src/model/guest.js';
import type { Inventory, InventoryEntry } from '../../src/reconciler/inventory-types.js';
import { DEFAULT_PLAN_OPTIONS, type PlanInput, type PlanOptions } from '../../src/reconciler/plan.js';
import { applyItems, DEFAULT_CONTEXT_FLAGS, hex16, parseList, SECURE_BCAPS, SECURE_CCAPS, type ListKind } from '../../src/model/names.js';

let nextContext = 1001;

export const DEFAULT_BUILD: BuildSpec = { method: 'debootstrap', distribution: 'bookworm', mirror: 'http://deb.debian.org/debian' };

/** A fully defaulted guest spec. */
export function baseSpec(name: string, context: number): GuestSpec {
  const n = context % 250;
  return {
    name,
    context,
    nodename: name,
    runState: 'running',
    startOnBoot: true,
    initStyle: 'sysv',
    interfaces: [{ name: '0', device: 'eth0', address: `192.0.2.${n}`, family: 4, prefix: 24 }],
    flags: [],
    bcaps: [],
    ccaps: [],
    limits: {},
    cgroup: {},
    fstab: [{ device: 'none', mountpoint: '/proc', type: 'proc', options: 'defaults', dump: 0, pass: 0 }],
  };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function applyTokens(kind: ListKind, start: bigint, tokens: string[]): bigint {
  let v = start;
  for (const t of tokens) {
    const r = parseList(kind, t);
    if (r.ok) v = applyItems(v, r.items);
  }
  return v;
}

/** What the kernel shows for a guest started from `spec` by util-vserver (reference §5.4). */
export function runtimeFor(spec: GuestSpec): RuntimeState {
  const flags = applyTokens('flag', DEFAULT_CONTEXT_FLAGS, ['default', 'fakeinit', ...spec.flags]) & ~(1n << 32n);
  const limits: RuntimeState['limits'] = {};
  for (const [k, l] of Object.entries(spec.limits)) {
    const soft = l.hard !== 'inf' && (l.soft === 'inf' || l.soft > l.hard) ? l.hard : l.soft;
    limits[k as keyof typeof limits] = { soft, hard: l.hard };
  }
  return {
    xid: spec.context,
    tasks: 3,
    initPid: 100,
    flagsHex: hex16(flags),
    bcapsHex: hex16(applyTokens('bcap', SECURE_BCAPS, spec.bcaps)),
    ccapsHex: hex16(applyTokens('ccap', SECURE_CCAPS, spec.ccaps)),
    limits,
    nodename: spec.nodename,
    ...(spec.domainname !== undefined ? { domainname: spec.domainname } : {}),
    contextName: `/etc/vservers/${spec.name}`,
    addresses: spec.interfaces.map((i) => ({ address: i.address, prefix: i.prefix, family: i.family })),
  };
}

type Patch = Partial<GuestSpec> | ((s: GuestSpec) => void);

function patch(spec: GuestSpec, p: Patch): GuestSpec {
  if (typeof p === 'function') p(spec);
  else Object.assign(spec, clone(p));
  return spec;
}

export class GuestBuilder {
  private inGit = true;
  private onHost = true;
  private inInventory = true;
  private marker = true;
  private running: boolean | undefined;
  private stale = false;
  private desiredPatches: Patch[] = [];
  private observedPatches: Patch[] = [];
  private appliedPatches: Patch[] = [];
  private runtimePatches: ((r: RuntimeState) => void)[] = [];
  private driftMode: DriftMode = 'enforce';
  private deletionPolicy: DeletionPolicy = 'retain';
  private buildSpec: BuildSpec = { ...DEFAULT_BUILD };
  private appliedBuildSpec: BuildSpec | undefined;

  constructor(readonly name: string, private readonly context: number) {}

  /** change every side (git, host config, inventory, running context) */
  all(p: Patch): this {
    this.desiredPatches.push(p);
    this.observedPatches.push(p);
    this.appliedPatches.push(p);
    return this;
  }
  /** change only the manifest in git (a pending change: differs from what was applied) */
  desired(p: Patch): this {
    this.desiredPatches.push(p);
    return this;
  }
  /** change only the configuration on the host (a hand edit) */
  observed(p: Patch): this {
    this.observedPatches.push(p);
    return this;
  }
  /** change only what the inventory says was applied */
  applied(p: Patch): this {
    this.appliedPatches.push(p);
    return this;
  }
  /** change the live /proc values */
  runtime(fn: (r: RuntimeState) => void): this {
    this.runtimePatches.push(fn);
    return this;
  }
  /** the guest is not running (its spec still says so unless changed) */
  stopped(): this {
    this.running = false;
    return this;
  }
  /** the guest runs although its config/desired says stopped */
  runningAnyway(): this {
    this.running = true;
    return this;
  }
  staleRunFile(): this {
    this.stale = true;
    return this;
  }
  warn(): this {
    this.driftMode = 'warn';
    return this;
  }
  deletion(policy: DeletionPolicy): this {
    this.deletionPolicy = policy;
    return this;
  }
  /** change the build section in git only (the guest was built with DEFAULT_BUILD) */
  build(b: Partial<BuildSpec>): this {
    this.buildSpec = { ...this.buildSpec, ...b };
    return this;
  }
  appliedBuild(b: Partial<BuildSpec>): this {
    this.appliedBuildSpec = { ...DEFAULT_BUILD, ...b };
    return this;
  }
  notInGit(): this {
    this.inGit = false;
    return this;
  }
  notOnHost(): this {
    this.onHost = false;
    return this;
  }
  notInInventory(): this {
    this.inInventory = false;
    return this;
  }
  noMarker(): this {
    this.marker = false;
    return this;
  }
  /** a guest vsgitops never touched: on the host, no marker, not in the inventory */
  unmanaged(): this {
    return this.noMarker().notInInventory();
  }

  desiredSpec(): GuestSpec {
    return this.desiredPatches.reduce<GuestSpec>((s, p) => patch(s, p), baseSpec(this.name, this.context));
  }

  parts(): { desired?: DesiredGuest; observed?: ObservedGuest; inventory?: InventoryEntry } {
    const dSpec = this.desiredSpec();
    const oSpec = this.observedPatches.reduce<GuestSpec>((s, p) => patch(s, p), baseSpec(this.name, this.context));
    const aSpec = this.appliedPatches.reduce<GuestSpec>((s, p) => patch(s, p), baseSpec(this.name, this.context));
    const out: ReturnType<GuestBuilder['parts']> = {};
    if (this.inGit) {
      out.desired = {
        spec: dSpec,
        build: clone(this.buildSpec),
        policy: { deletion: this.deletionPolicy, drift: this.driftMode },
        labels: {},
        hosts: { names: ['alpha'], matchLabels: {} },
        origin: { file: `guests/${this.name}.yaml`, line: 1, document: 0 },
      };
    }
    if (this.onHost) {
      const running = this.running ?? oSpec.runState === 'running';
      oSpec.runState = running ? 'running' : 'stopped';
      let runtime: RuntimeState | undefined;
      if (running) {
        runtime = runtimeFor(oSpec);
        for (const fn of this.runtimePatches) fn(runtime);
      }
      out.observed = {
        spec: oSpec,
        running,
        ...(runtime ? { runtime } : {}),
        managed: this.marker,
        staleRunFile: this.stale,
        configDigest: `digest-${this.name}`,
      };
    }
    if (this.inInventory) {
      out.inventory = {
        context: aSpec.context,
        appliedSpec: aSpec,
        appliedRevision: 'rev0',
        driftMode: this.driftMode,
        deletion: this.deletionPolicy,
        appliedBuild: clone(this.appliedBuildSpec ?? DEFAULT_BUILD),
      };
    }
    return out;
  }
}

export class StateBuilder {
  private guests: GuestBuilder[] = [];
  private bare: UnmanagedContext[] = [];
  private rev: string | null = 'rev1';
  private valid = true;
  private opts: PlanOptions = { ...DEFAULT_PLAN_OPTIONS };
  private host = 'alpha';

  /** a managed guest, consistent everywhere unless `edit` says otherwise */
  guest(name: string, edit?: (g: GuestBuilder) => unknown, context?: number): this {
    const g = new GuestBuilder(name, context ?? nextContext++);
    edit?.(g);
    this.guests.push(g);
    return this;
  }
  /** a guest only in git (to be created) */
  newGuest(name: string, edit?: (g: GuestBuilder) => unknown, context?: number): this {
    return this.guest(name, (g) => {
      g.notOnHost().notInInventory();
      edit?.(g);
    }, context);
  }
  /** a guest on the host that vsgitops does not own and git does not list */
  foreignGuest(name: string, edit?: (g: GuestBuilder) => unknown, context?: number): this {
    return this.guest(name, (g) => {
      g.unmanaged().notInGit();
      edit?.(g);
    }, context);
  }
  bareContext(xid: number, tasks = 1): this {
    this.bare.push({ xid, tasks });
    return this;
  }
  revision(r: string | null): this {
    this.rev = r;
    return this;
  }
  invalid(): this {
    this.valid = false;
    return this;
  }
  options(o: Partial<PlanOptions>): this {
    this.opts = { ...this.opts, ...o };
    return this;
  }
  build(): PlanInput {
    const desired: DesiredGuest[] = [];
    const observed: ObservedGuest[] = [];
    const inventory: Inventory = { version: 1, guests: {} };
    for (const g of this.guests) {
      const p = g.parts();
      if (p.desired) desired.push(p.desired);
      if (p.observed) observed.push(p.observed);
      if (p.inventory) inventory.guests[g.name] = p.inventory;
    }
    return {
      revision: this.rev,
      hostName: this.host,
      desired,
      desiredValid: this.valid,
      observed: { hostName: this.host, vciVersion: '0002:0308', guests: observed, unmanagedContexts: [...this.bare], digest: 'observed-digest' },
      inventory,
      options: { ...this.opts },
    };
  }
}

/** Shorthand: a builder. */
export function host(): StateBuilder {
  return new StateBuilder();
}
