import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { isVsError } from '../../src/errors.js';
import { readDirSource } from '../../src/source/dir-source.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsg-dir-'));
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
  return dir;
}

test('reads *.yaml and *.yml recursively in sorted order, skipping dot-entries and other files', async (t) => {
  const dir = tree({ 'b.yaml': 'b', 'a/z.yml': 'z', 'a/c.YAML': 'c', 'notes.txt': 'x', '.git/x.yaml': 'no', '.hidden.yaml': 'no', 'node_modules/p/x.yaml': 'no' });
  const snap = await readDirSource(dir, { maxFileBytes: 100 });
  t.deepEqual(snap.files.map((f) => path.relative(dir, f.path)), ['a/c.YAML', 'a/z.yml', 'b.yaml']);
  t.deepEqual(snap.files.map((f) => Buffer.from(f.bytes!).toString()), ['c', 'z', 'b']);
  t.is(snap.revision, null);
  t.deepEqual(snap.skipped, []);
});

test('oversized files are listed without content', async (t) => {
  const dir = tree({ 'big.yaml': 'x'.repeat(11), 'ok.yaml': 'x'.repeat(10) });
  const snap = await readDirSource(dir, { maxFileBytes: 10 });
  t.deepEqual(snap.files.map((f) => [path.basename(f.path), f.size, f.bytes === null]), [['big.yaml', 11, true], ['ok.yaml', 10, false]]);
});

test('symbolic links are not followed', async (t) => {
  const dir = tree({ 'a.yaml': 'a' });
  fs.symlinkSync('/etc/passwd', path.join(dir, 'evil.yaml'));
  const snap = await readDirSource(dir, { maxFileBytes: 1000 });
  t.deepEqual(snap.files.map((f) => path.basename(f.path)), ['a.yaml']);
  t.deepEqual(snap.skipped, [{ path: path.join(dir, 'evil.yaml'), reason: 'symbolic links are not followed' }]);
});

test('a missing directory is a SOURCE error', async (t) => {
  const err = await t.throwsAsync(readDirSource('/nonexistent/vsgitops', { maxFileBytes: 10 }));
  t.true(isVsError(err, 'SOURCE'));
  t.regex(err!.message, /cannot read manifest directory \/nonexistent\/vsgitops: ENOENT/);
});

test('a file instead of a directory is a SOURCE error', async (t) => {
  const dir = tree({ 'a.yaml': 'a' });
  const err = await t.throwsAsync(readDirSource(path.join(dir, 'a.yaml'), { maxFileBytes: 10 }));
  t.true(isVsError(err, 'SOURCE'));
});
