/**
 * The contract of the reconciler: plans, actions, change sets. Plain JSON
 * data only (no classes, no bigint, no Date): a plan can be written to a file
 * and applied later. `reason` and `note` fields explain the plan to humans and
 * must never drive apply-time decisions.
 */
import type { BuildSpec, DeletionPolicy, DriftMode, GuestSpec, SafetySpec } from '../model/guest.js';

export const PLAN_FORMAT_VERSION = 1;

/** How a changed field takes effect on the host (reference §7.10). */
export type ChangeEffect =
  | 'live' // applied to the running guest (vlimit, vattribute, vuname, cgroup files, vdlimit) and to its config
  | 'restart' // written to the config; takes effect only after a restart (interfaces, init style, fstab)
  | 'config' // written to the config; nothing to do on the running guest (start-on-boot mark, stopped guest)
  | 'none'; // no effect at all (build section of an existing guest)

export interface FieldChange {
  /** dotted path in the GuestSpec / manifest, e.g. "limits.nproc.hard", "interfaces", "build.method" */
  path: string;
  before: unknown;
  after: unknown;
  effect: ChangeEffect;
  /**
   * Why the field differs: git changed since the last apply ('pending'), the
   * guest's configuration under /etc/vservers was edited by hand ('config-drift'),
   * or the running guest differs from its configuration ('runtime-drift').
   */
  cause: 'pending' | 'config-drift' | 'runtime-drift';
  note?: string;
}

export type ActionKind =
  | 'create' // build + configure (+ start when desired running)
  | 'update' // change config (and live values) of an existing guest; `restart` says if a restart is needed
  | 'start'
  | 'stop'
  | 'replace' // context id change: stop, rebuild config under the new id, start
  | 'delete'; // guest left git: retain (stop + move config aside) or delete (vserver NAME delete)

export interface PlannedAction {
  kind: ActionKind;
  guest: string;
  /** human explanation only */
  reason: string;
  changes: FieldChange[];
  /** update: the running guest must be restarted for some changes to take effect */
  restart: boolean;
  /** delete, replace, or a restart of a running guest */
  destructive: boolean;
  /** the guest as observed (absent for create) */
  before?: GuestSpec;
  /** the guest as desired (absent for delete) */
  after?: GuestSpec;
  /** create / replace: how to build the guest */
  build?: BuildSpec;
  /** delete: what to do with the guest's files */
  deletion?: DeletionPolicy;
  /** delete: why the guest leaves this host (gone from git, or placed on other hosts only) */
  removal?: 'not-in-git' | 'placement';
  /** the guest's drift mode (from the manifest; enforce when unknown) */
  driftMode: DriftMode;
  /** observed context id when running (so apply need not re-observe) */
  runningXid?: number;
  /** the manifest of the guest (absent for a guest no longer in git); for people only */
  manifest?: { file: string; line: number };
  /** a restart or replace of a running guest: snapshot before, health check after, rollback on failure (spec.healthCheck, spec.snapshot) */
  safety?: SafetySpec;
}

export interface BlockedGuest {
  guest: string;
  reason: string;
  /** warn drift mode: the differences that are only reported (feed drift classification) */
  changes?: FieldChange[];
}

export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  start: number;
  stop: number;
  restart: number;
  unchanged: number;
}

export interface Plan {
  formatVersion: number;
  /** git commit the desired state came from (null for a plain directory) */
  revision: string | null;
  hostName: string;
  /** ObservedHost.digest at planning time: apply refuses the plan when the host moved on */
  observedDigest: string;
  /** digest over the desired guests of this host */
  desiredDigest: string;
  /** ordered: stops and deletes first (free ids and addresses), then replaces, updates, creates, starts */
  actions: PlannedAction[];
  unchanged: string[];
  /** guests / contexts vsgitops does not own: reported, never touched */
  unmanaged: { guest?: string; xid?: number; reason: string }[];
  /** actions the planner refused (deletion breaker, warn drift mode, ...) */
  blocked: BlockedGuest[];
  warnings: string[];
  summary: PlanSummary;
  /** true when any action is destructive */
  destructive: boolean;
  /**
   * true when the desired state failed to load or validate: the plan is empty
   * on purpose and must not be read as "the host matches"
   */
  errored?: boolean;
}

/** Outcomes, past tense (what happened), as in Flux's ChangeSet. */
export type Outcome = 'created' | 'updated' | 'restarted' | 'started' | 'stopped' | 'replaced' | 'deleted' | 'retained' | 'unchanged' | 'failed' | 'skipped';

export interface CommandRecord {
  argv: string[];
  exitCode: number;
  durationMs: number;
  stdoutTail?: string;
  stderrTail?: string;
}

export interface ChangeSetEntry {
  guest: string;
  action: ActionKind | 'noop';
  outcome: Outcome;
  error?: { code: string; message: string; command?: string[]; exitCode?: number; stderrTail?: string };
  commands: CommandRecord[];
  durationMs: number;
}

export interface ChangeSet {
  revision: string | null;
  hostName: string;
  entries: ChangeSetEntry[];
  /** counts per outcome */
  summary: Partial<Record<Outcome, number>>;
  ok: boolean;
}
