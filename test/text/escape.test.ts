import test from 'ava';
import { PassThrough } from 'node:stream';
import { escapeControl } from '../../src/text/escape.js';
import { planHost } from '../../src/reconciler/plan.js';
import { renderChangeSetText, renderPlanText } from '../../src/reconciler/render.js';
import { renderDrift } from '../../src/observability/drift/render.js';
import { renderObserveTable } from '../../src/cli/observe.js';
import { renderValidationText, validationReport } from '../../src/cli/validate.js';
import { describeError } from '../../src/cli/exit.js';
import { createLogger } from '../../src/log.js';
import { VsError } from '../../src/errors.js';
import type { ChangeSet } from '../../src/reconciler/types.js';
import type { ObservedHost } from '../../src/model/guest.js';
import { host } from '../helpers/state-builder.js';
import { item } from '../observability/helpers/fixtures.js';

/** Any raw control character a terminal would act on (TAB and newline are layout). */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
const EVIL = 'evil\x1b[2K\r\x9b8m\u202e\x7f';

test('escapeControl: C0, DEL, C1 and bidi overrides shown as escapes; text, TAB and newline unchanged', (t) => {
  t.is(escapeControl(EVIL), 'evil\\x1b[2K\\x0d\\x9b8m\\u202e\\x7f');
  t.is(escapeControl('plain text, ünïcode\tand\nlines'), 'plain text, ünïcode\tand\nlines');
  t.is(escapeControl('\0'), '\\x00');
  t.is(escapeControl(escapeControl(EVIL)), escapeControl(EVIL), 'idempotent');
});

test('plan text: a host guest name with ESC/CR cannot repaint the terminal', (t) => {
  const out = renderPlanText(planHost(host().foreignGuest(EVIL, undefined, 1006).build()));
  t.false(RAW.test(out), JSON.stringify(out));
  t.true(out.includes('evil\\x1b[2K\\x0d'));
});

test('apply text: a command\'s stderr with escape sequences is shown escaped', (t) => {
  const cs = {
    hostName: 'h', revision: null, ok: false,
    entries: [{ guest: 'web1', action: 'update', outcome: 'failed', commands: [], durationMs: 1, error: { code: 'COMMAND_FAILED', message: `boom ${EVIL}`, command: ['vserver', EVIL], exitCode: 1, stderrTail: `\x1b]0;owned\x07\n` } }],
  } as unknown as ChangeSet;
  const out = renderChangeSetText(cs);
  t.false(RAW.test(out), JSON.stringify(out));
  t.true(out.includes('\\x1b]0;owned\\x07'));
});

test('drift, observe table, validate text, errors and terminal logs escape control characters', (t) => {
  const drift = renderDrift([item(EVIL, 'failed', 'f', { message: EVIL, command: ['x', EVIL], exitCode: 1, stderrTail: EVIL })]);
  t.false(RAW.test(drift), drift);

  const observed = {
    hostName: 'h1', vciVersion: null, unmanagedContexts: [], digest: 'z',
    guests: [{ spec: { name: EVIL, context: 1001, interfaces: [] }, running: false, managed: false, staleRunFile: false, configDigest: 'x', problems: [{ file: `/etc/vservers/${EVIL}`, line: 0, column: 0, path: '', message: EVIL }] }],
  } as unknown as ObservedHost;
  const table = renderObserveTable(observed);
  t.false(RAW.test(table), table);
  const [header, row] = table.split('\n').slice(1);
  t.is(header!.indexOf('CTX'), row!.indexOf('1001'), 'columns still line up with the escaped name');

  const report = validationReport({ guests: [], problems: [{ file: EVIL, line: 3, column: 1, path: 'spec.x', message: EVIL }], files: 1, documents: 1, revision: null } as never, undefined);
  t.false(RAW.test(renderValidationText(report, 'dir')));

  t.false(RAW.test(describeError(new VsError('CONFIG', EVIL))));

  const stream = new PassThrough();
  let logged = '';
  stream.on('data', (b: Buffer) => (logged += b.toString()));
  const log = createLogger({ json: false, stream, level: 'info' });
  log.warn(EVIL, { guest: EVIL });
  t.true(logged.length > 0);
  t.false(RAW.test(logged.replace(/\n$/, '')), logged);
});
