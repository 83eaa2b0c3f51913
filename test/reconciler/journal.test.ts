import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/log.js';
import { JournalWriter, readJournal, recoverJournal, replayJournal, journalPath, type JournalRecord } from '../../src/reconciler/journal.js';
import type { Inventory, InventoryEntry } from '../../src/reconciler/inventory-types.js';
import { baseSpec } from '../helpers/state-builder.js';

const entry = (name: string, context: number): InventoryEntry => ({ context, appliedSpec: baseSpec(name, context), appliedRevision: 'r1', driftMode: 'enforce', deletion: 'retain' });
const inv = (guests: Record<string, InventoryEntry>): Inventory => ({ version: 1, guests });

const cases: { title: string; start: Record<string, InventoryEntry>; records: JournalRecord[]; guests: string[]; interrupted: string[] }[] = [
  {
    title: 'ended actions replay their inventory changes (set, drop, none)',
    start: { old: entry('old', 1100), same: entry('same', 1200) },
    records: [
      { t: 'begin', seq: 1, guest: 'old', action: 'delete', revision: 'r2' },
      { t: 'end', seq: 1, guest: 'old', outcome: 'retained', inventory: null },
      { t: 'begin', seq: 2, guest: 'web', action: 'create', revision: 'r2', intent: entry('web', 1001) },
      { t: 'end', seq: 2, guest: 'web', outcome: 'created', inventory: entry('web', 1001) },
      { t: 'begin', seq: 3, guest: 'same', action: 'update', revision: 'r2' },
      { t: 'end', seq: 3, guest: 'same', outcome: 'failed' },
    ],
    guests: ['same', 'web'],
    interrupted: [],
  },
  {
    title: 'a begin without an end is interrupted; the guest is not listed yet',
    start: {},
    records: [
      { t: 'begin', seq: 1, guest: 'a', action: 'create', revision: 'r2', intent: entry('a', 1001) },
      { t: 'end', seq: 1, guest: 'a', outcome: 'created', inventory: entry('a', 1001) },
      { t: 'begin', seq: 2, guest: 'b', action: 'create', revision: 'r2', intent: entry('b', 1002) },
    ],
    guests: ['a'],
    interrupted: ['create b'],
  },
];
for (const c of cases) {
  test(`replayJournal: ${c.title}`, (t) => {
    const r = replayJournal(inv(c.start), c.records);
    t.deepEqual(Object.keys(r.inventory.guests).sort(), c.guests);
    t.deepEqual(r.interrupted.map((i) => `${i.action} ${i.guest}`), c.interrupted);
  });
}

test('the writer appends; a torn last line (crash mid-write) is ignored, damage before it is an error naming the line', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-journal-'));
  const w = await JournalWriter.open(dir);
  await w.append({ t: 'begin', seq: w.nextSeq(), guest: 'a', action: 'start', revision: null });
  await w.close();
  fs.appendFileSync(journalPath(dir), '{"t":"end","seq":1,"gu');
  t.deepEqual((await readJournal(dir))!.map((r) => r.t), ['begin']);
  fs.appendFileSync(journalPath(dir), '\n{"t":"end","seq":1,"guest":"a","outcome":"started"}\n');
  await t.throwsAsync(readJournal(dir), { message: /apply-journal\.jsonl:2: unreadable journal record/ });
  t.is(await readJournal(fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-journal-none-'))), undefined);
});

test('recoverJournal marks an interrupted create whose configuration exists, lists it, and removes the journal; one without configuration is left to the plan', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsgitops-recover-'));
  const etc = path.join(dir, 'etc');
  fs.mkdirSync(path.join(etc, 'built'), { recursive: true });
  const w = await JournalWriter.open(dir);
  await w.append({ t: 'begin', seq: 1, guest: 'built', action: 'create', revision: 'r2', intent: entry('built', 1001) });
  await w.append({ t: 'begin', seq: 2, guest: 'never', action: 'create', revision: 'r2', intent: entry('never', 1002) });
  await w.close();
  let written: Inventory | undefined;
  const marked: string[] = [];
  const r = await recoverJournal({
    stateDir: dir,
    configDir: (g) => path.join(etc, g),
    hasMarker: async () => false,
    writeMarker: async (g) => void marked.push(g),
    readInventory: async () => inv({}),
    writeInventory: async (i) => void (written = i),
    log: silentLogger(),
  });
  t.deepEqual(r!.adopted, ['built']);
  t.deepEqual(marked, ['built']);
  t.deepEqual(Object.keys(written!.guests), ['built']);
  t.false(fs.existsSync(journalPath(dir)));
});
