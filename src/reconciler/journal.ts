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
  | { t: 'begin'; seq: number; guest: string; action: ActionKind; revision: string | null; intent?: InventoryEntry }
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
    return new JournalWriter(await fs.open(journalPath(stateDir), 'a', 0o600));
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
}

/**
 * Finishes what an interrupted apply left: replays its journal into the
 * inventory, marks guests it was building, then removes the journal. Returns
 * what was recovered (for logs and tests). Call with the apply lock held.
 */
export async function recoverJournal(deps: RecoveryDeps): Promise<{ replayed: number; interrupted: Interrupted[]; adopted: string[] } | undefined> {
  const records = await readJournal(deps.stateDir);
  if (records === undefined) return undefined;
  const { inventory, interrupted } = replayJournal(await deps.readInventory(), records);
  const adopted: string[] = [];
  for (const i of interrupted) {
    deps.log.warn(`${i.guest}: an earlier apply was interrupted during ${i.action}; finishing it`, { guest: i.guest, action: i.action });
    if (i.action !== 'create' || !i.intent) continue;
    const exists = await fs.lstat(deps.configDir(i.guest)).then((s) => s.isDirectory(), () => false);
    if (!exists) continue; // the build never got as far as a configuration: the plan creates it again
    if (!(await deps.hasMarker(i.guest))) await deps.writeMarker(i.guest);
    inventory.guests[i.guest] = i.intent;
    adopted.push(i.guest);
  }
  await deps.writeInventory(inventory);
  await removeJournal(deps.stateDir);
  return { replayed: records.filter((r) => r.t === 'end').length, interrupted, adopted };
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
