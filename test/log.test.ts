/** Issue 13, item 6: journald priorities when stderr is the journal (JOURNAL_STREAM, sd-daemon(3) prefixes). */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { createLogger, journalStream } from '../src/log.js';
import { CLI, cli, manifest, tempDir } from './helpers/e2e.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(...c.toString().split('\n').filter(Boolean)), cb()) });
  return { lines, stream };
}

test('journal: each line starts with its syslog priority (error 3, warn 4, info 6, debug 7), one line per record', async (t) => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'debug', json: true, journal: true, stream });
  log.error('e');
  log.warn('w');
  log.info('i', { guest: 'web' });
  log.debug('d');
  await new Promise((r) => setImmediate(r));
  t.deepEqual(lines.map((l) => l.slice(0, 3)), ['<3>', '<4>', '<6>', '<7>']);
  t.like(JSON.parse(lines[2]!.slice(3)), { level: 'info', message: 'i', guest: 'web' });
});

test('journal: a human line with a newline stays one journal record', async (t) => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'info', json: false, journal: true, stream });
  log.warn('two\nlines');
  await new Promise((r) => setImmediate(r));
  t.is(lines.length, 1);
  t.regex(lines[0]!, /^<4>\d\d:\d\d:\d\d warn /);
});

test('no journal: no prefix', async (t) => {
  const { lines, stream } = capture();
  createLogger({ level: 'info', json: true, journal: false, stream }).warn('w');
  await new Promise((r) => setImmediate(r));
  t.is(lines[0]![0], '{');
});

test('journalStream: only when JOURNAL_STREAM names the device and inode stderr is on (systemd.exec(5))', (t) => {
  const st = () => ({ dev: 2049, ino: 77 });
  t.true(journalStream({ JOURNAL_STREAM: '2049:77' }, st));
  t.false(journalStream({ JOURNAL_STREAM: '2049:78' }, st), 'stderr was redirected: an inherited variable is not the journal');
  t.false(journalStream({}, st));
  t.false(journalStream({ JOURNAL_STREAM: 'junk' }, st));
  t.false(journalStream({ JOURNAL_STREAM: '1:2' }, () => { throw new Error('EBADF'); }));
});

test('the CLI prefixes priorities when its stderr is the stream JOURNAL_STREAM names, and not otherwise', async (t) => {
  const dir = await tempDir('journal');
  const m = path.join(dir, 'm');
  fs.mkdirSync(m);
  fs.writeFileSync(path.join(m, 'web.yaml'), manifest({ name: 'web', context: 1001, state: 'stopped' }));
  const sim = path.join(dir, 'host');
  t.is((await cli(['sim', 'init', sim, '--name', 'host-a'])).exitCode, 0);
  const run = async (name: string, journalOf: (st: fs.Stats) => string) => {
    const file = path.join(dir, name);
    const fd = fs.openSync(file, 'w');
    const st = fs.fstatSync(fd);
    const r = await execa(process.execPath, [CLI, 'apply', m, '--host', `sim:${sim}`, '--yes', '--output', 'json'], {
      reject: false, stdin: 'ignore', stderr: fd as never, env: { VSGITOPS_LOG_LEVEL: 'info', JOURNAL_STREAM: journalOf(st) },
    });
    fs.closeSync(fd);
    t.is(r.exitCode, 0);
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('<') || l.startsWith('{'));
  };
  const journal = await run('journal.log', (st) => `${st.dev}:${st.ino}`);
  t.true(journal.length > 0);
  t.true(journal.every((l) => /^<[0-7]>\{/.test(l)), journal.join('\n'));
  t.true(journal.some((l) => l.startsWith('<6>') && /"web: created"/.test(l)));
  // stderr to a file that is not the journal (an inherited variable): plain JSON lines
  fs.writeFileSync(path.join(m, 'db.yaml'), manifest({ name: 'db', context: 1002, state: 'stopped' }));
  const plain = await run('plain.log', (st) => `${st.dev}:${st.ino + 1}`);
  t.true(plain.some((l) => /"db: created"/.test(l)));
  t.true(plain.every((l) => l.startsWith('{')), plain.join('\n'));
});
