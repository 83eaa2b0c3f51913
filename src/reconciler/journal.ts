/**
 * The apply journal (STATE_DIR/apply-journal.jsonl): an append-only, fsynced
 * record of each action's intent before it runs and of its outcome after, with
 * the inventory change that outcome makes. An apply writes the inventory once
 * at its end and then removes the journal; an apply killed at any point leaves
 * a journal from which the next apply (or agent pass) restores ownership
 * exactly and finishes what was interrupted:
 *
 * - ended actions: their inventory changes are replayed;
 * - an interrupted create: util-vserver's build goes on without its caller, so
 *   a configuration directory for the guest may exist without the vsgitops
 *   marker; it was made by this product, so it is marked and listed (the plan
 *   then converges it as usual) instead of being "not managed; adopt it first"
 *   forever;
 * - other interrupted actions touched guests that already carry the marker:
 *   the next plan re-reads the host and finishes them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { VsError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import type { Logger } from '../log.js';
import type { Inventory, InventoryEntry } from './inventory-types.js';
import type { ActionKind, Outcome } from './types.js';

export const JOURNAL_FILE = 'apply-journal.jsonl';
/** A journal larger than this is not a journal of one apply: refuse, naming it. */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

export type JournalRecord =
  /** carried: kept from an earlier apply because its build was still running */
  | { t: 'begin'; seq: number; guest: string; action: ActionKind; revision: string | null; intent?: InventoryEntry; carried?: boolean }
  /** inventory: the entry to set, null to drop it, absent: no change */
  | { t: 'end'; seq: number; guest: string; outcome: Outcome; inventory?: InventoryEntry | null };

export function journalPath(stateDir: string): string {
  return path.join(stateDir, JOURNAL_FILE);
}

/** Appends records durably (fsync) before the caller goes on. */
export class JournalWriter {
  private seq = 0;
  private constructor(private readonly handle: fs.FileHandle) {}

  static async open(stateDir: string): Promise<JournalWriter> {
    await fs.mkdir(stateDir, { recursive: true, mode: 0o755 });
    // records carried over from an earlier apply (a build still running) keep their numbers
    const carried = (await readJournal(stateDir)) ?? [];
    const w = new JournalWriter(await fs.open(journalPath(stateDir), 'a', 0o600));
    w.seq = carried.reduce((m, r) => Math.max(m, r.seq), 0);
    return w;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  async append(rec: JournalRecord): Promise<void> {
    await this.handle.write(JSON.stringify(rec) + '\n');
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Reads a journal; a torn last line (a crash mid-write) is ignored. Undefined: none. */
export async function readJournal(stateDir: string): Promise<JournalRecord[] | undefined> {
  const file = journalPath(stateDir);
  let text: string;
  try {
    const st = await fs.stat(file);
    if (st.size > MAX_JOURNAL_BYTES) throw new VsError('HOST', `${file} is ${st.size} bytes, more than ${MAX_JOURNAL_BYTES}: not a journal this product wrote; inspect and remove it by hand`, { file });
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text.split('\n');
  const out: JournalRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as JournalRecord);
    } catch {
      // only the last line can be torn by a crash; anything else is damage worth stopping for
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim() !== '')) {
        throw new VsError('HOST', `${file}:${i + 1}: unreadable journal record; inspect and remove it by hand`, { file, line: i + 1 });
      }
    }
  });
  return out;
}

export async function removeJournal(stateDir: string): Promise<void> {
  await fs.rm(journalPath(stateDir), { force: true });
}

/** Ends a journal: removed, or rewritten with only `keep` (actions still in progress elsewhere). */
export async function finishJournal(stateDir: string, keep: JournalRecord[]): Promise<void> {
  if (keep.length === 0) return removeJournal(stateDir);
  await writeFileAtomic(journalPath(stateDir), keep.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** Begin records of interrupted actions whose build is still running: kept in the journal for the next pass. */
export async function carriedRecords(stateDir: string): Promise<JournalRecord[]> {
  const records = (await readJournal(stateDir)) ?? [];
  return records.filter((r) => r.t === 'begin' && r.carried === true && !records.some((e) => e.t === 'end' && e.seq === r.seq));
}

export interface Interrupted {
  guest: string;
  action: ActionKind;
  intent?: InventoryEntry;
}

/** The inventory after replaying the journal's ended actions, and the actions that never ended. Pure. */
export function replayJournal(inv: Inventory, records: JournalRecord[]): { inventory: Inventory; interrupted: Interrupted[] } {
  const guests = { ...inv.guests };
  const open = new Map<number, Extract<JournalRecord, { t: 'begin' }>>();
  for (const r of records) {
    if (r.t === 'begin') open.set(r.seq, r);
    else {
      open.delete(r.seq);
      if (r.inventory === null) delete guests[r.guest];
      else if (r.inventory !== undefined) guests[r.guest] = r.inventory;
    }
  }
  const interrupted = [...open.values()].map((b) => ({ guest: b.guest, action: b.action, ...(b.intent ? { intent: b.intent } : {}) }));
  return { inventory: { version: 1, guests }, interrupted };
}

export interface RecoveryDeps {
  stateDir: string;
  /** the guest's configuration directory */
  configDir: (guest: string) => string;
  /** marks a configuration directory as vsgitops' own */
  writeMarker: (guest: string) => Promise<void>;
  hasMarker: (guest: string) => Promise<boolean>;
  readInventory: () => Promise<Inventory>;
  writeInventory: (inv: Inventory) => Promise<void>;
  log: Logger;
  /** the pid of a `vserver NAME build` still running for this guest (a process scan), if any */
  buildRunning?: (guest: string) => Promise<number | undefined>;
  /** how long to wait for such a build to end (default 2 min) */
  buildWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** An interrupted create whose build is still running: not touched this pass. */
export interface BuildInProgress {
  guest: string;
  pid: number;
}

/**
 * Finishes what an interrupted apply left: replays its journal into the
 * inventory, marks guests it was building, then removes the journal. Returns
 * what was recovered (for logs and tests). Call with the apply lock held.
 */
export async function recoverJournal(deps: RecoveryDeps): Promise<{ replayed: number; interrupted: Interrupted[]; adopted: string[]; inProgress: BuildInProgress[] } | undefined> {
  const records = await readJournal(deps.stateDir);
  if (records === undefined) return undefined;
  const { inventory, interrupted } = replayJournal(await deps.readInventory(), records);
  const adopted: string[] = [];
  const inProgress: BuildInProgress[] = [];
  const keep: JournalRecord[] = [];
  for (const i of interrupted) {
    deps.log.warn(`${i.guest}: an earlier apply was interrupted during ${i.action}; finishing it`, { guest: i.guest, action: i.action });
    if (i.action !== 'create' || !i.intent) continue;
    // util-vserver's build goes on without its caller: never write a configuration it is still writing
    const pid = await waitForBuild(i.guest, deps);
    if (pid !== undefined) {
      inProgress.push({ guest: i.guest, pid });
      const begin = records.find((r) => r.t === 'begin' && r.guest === i.guest && r.action === 'create' && !records.some((e) => e.t === 'end' && e.seq === r.seq));
      if (begin) keep.push({ ...begin, carried: true } as JournalRecord);
      continue;
    }
    const exists = await fs.lstat(deps.configDir(i.guest)).then((s) => s.isDirectory(), () => false);
    if (!exists) continue; // the build never got as far as a configuration: the plan creates it again
    if (!(await deps.hasMarker(i.guest))) await deps.writeMarker(i.guest);
    inventory.guests[i.guest] = i.intent;
    adopted.push(i.guest);
  }
  await deps.writeInventory(inventory);
  await finishJournal(deps.stateDir, keep);
  return { replayed: records.filter((r) => r.t === 'end').length, interrupted, adopted, inProgress };
}

/** Waits (bounded) for a build of `guest` left running; returns its pid when it is still running. */
async function waitForBuild(guest: string, deps: RecoveryDeps): Promise<number | undefined> {
  if (!deps.buildRunning) return undefined;
  let pid = await deps.buildRunning(guest);
  if (pid === undefined) return undefined;
  deps.log.warn(`${guest}: vserver ${guest} build (pid ${pid}) is still running, left by the interrupted apply; waiting for it`, { guest, pid });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (deps.buildWaitMs ?? 2 * 60_000);
  while (pid !== undefined && Date.now() < deadline) {
    await sleep(250);
    pid = await deps.buildRunning(guest);
  }
  return pid;
}

// ---------------------------------------------------------------- start intents

/**
 * Start intents (STATE_DIR/starting/NAME.json): written durably before each
 * `vserver NAME start` vsgitops runs, removed when it succeeds. A start that
 * dies half way (killed at any point of util-vserver's start sequence, or the
 * apply itself killed) leaves its intent behind, whether or not the apply
 * finished: the next apply or agent pass then knows that a context of that id
 * without a run file is its own half-start, not somebody else's context.
 */
export const STARTING_DIR = 'starting';

export interface StartIntent {
  guest: string;
  /** the context id the start was for (the guest's configured context) */
  xid: number;
  revision: string | null;
  /** when the start began (ISO) */
  at: string;
}

const startIntentFile = (stateDir: string, guest: string) => path.join(stateDir, STARTING_DIR, `${guest}.json`);

export async function writeStartIntent(stateDir: string, intent: StartIntent): Promise<void> {
  await writeFileAtomic(startIntentFile(stateDir, intent.guest), JSON.stringify(intent) + '\n');
}

export async function clearStartIntent(stateDir: string, guest: string): Promise<void> {
  await fs.rm(startIntentFile(stateDir, guest), { force: true });
}

/** The start intents left behind; unreadable ones are skipped (and removed: they name nothing usable). */
export async function readStartIntents(stateDir: string): Promise<StartIntent[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(stateDir, STARTING_DIR));
  } catch {
    return [];
  }
  const out: StartIntent[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    const file = path.join(stateDir, STARTING_DIR, n);
    try {
      const st = await fs.lstat(file);
      if (!st.isFile() || st.size > 4096) throw new Error('not a start intent');
      const v = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<StartIntent>;
      if (typeof v.guest !== 'string' || `${v.guest}.json` !== n || typeof v.xid !== 'number' || !Number.isInteger(v.xid)) throw new Error('not a start intent');
      out.push({ guest: v.guest, xid: v.xid, revision: typeof v.revision === 'string' ? v.revision : null, at: String(v.at ?? '') });
    } catch {
      await fs.rm(file, { force: true });
    }
  }
  return out;
}
