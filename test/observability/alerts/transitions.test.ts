import test from 'ava';
import { nextAlerts } from '../../../src/observability/alerts/transitions.js';
import { emptyAlertState, type AlertState } from '../../../src/observability/alerts/types.js';
import type { DriftItem } from '../../../src/reconciler/pass-types.js';
import { item } from '../helpers/fixtures.js';

/** Runs the state machine over passes; returns "type key" per alert per pass. */
function run(passes: DriftItem[][], start: AlertState = emptyAlertState()) {
  let state = start;
  const out: string[][] = [];
  passes.forEach((items, i) => {
    const r = nextAlerts(state, items, { host: 'h', revision: 'r', now: `2026-11-26T10:0${i}:00Z` });
    state = r.state;
    out.push(r.alerts.map((a) => `${a.type} ${a.key}`));
  });
  return { out, state };
}

const cfg = (fp: string, extra: Partial<DriftItem> = {}) => item('web', 'config', fp, extra);

test('appear -> same -> change -> resolve: exactly one alert each, none on repeats', (t) => {
  const { out } = run([[cfg('a')], [cfg('a')], [cfg('a')], [cfg('b')], [cfg('b')], [], []]);
  t.deepEqual(out, [['appeared config/web'], [], [], ['changed config/web'], [], ['resolved config/web'], []]);
});

test('kinds and guests are tracked separately', (t) => {
  const { out } = run([
    [cfg('a'), item('web', 'runtime', 'x'), item('db', 'config', 'y')],
    [item('web', 'runtime', 'x')],
  ]);
  t.deepEqual(out, [['appeared config/db', 'appeared config/web', 'appeared runtime/web'], ['resolved config/db', 'resolved config/web']]);
});

test('pending drift does not alert by default; bare contexts key on xid', (t) => {
  const { out } = run([[item('web', 'pending', 'p'), { ...item('x', 'unmanaged', 'u'), guest: undefined, xid: 77 } as DriftItem]]);
  t.deepEqual(out, [['appeared unmanaged/xid:77']]);
});

test('ignored drift resolves an active alert (resolution ignored) and re-appears when the ignore expires', (t) => {
  const ignored = cfg('a', { ignored: { reason: 'known', expires: '2026-12-01' } });
  let state = emptyAlertState();
  const step = (items: DriftItem[]) => {
    const r = nextAlerts(state, items, { host: 'h', revision: null, now: '2026-11-26T10:00:00Z' });
    state = r.state;
    return r.alerts;
  };
  t.deepEqual(step([cfg('a')]).map((a) => a.type), ['appeared']);
  const resolved = step([ignored]);
  t.deepEqual(resolved.map((a) => [a.type, a.resolution]), [['resolved', 'ignored']]);
  t.deepEqual(step([ignored]), []);
  t.deepEqual(step([cfg('a')]).map((a) => a.type), ['appeared']);
});

test('alert fields: since kept from first sight, previous fingerprint on change, failure details', (t) => {
  let state = emptyAlertState();
  const r1 = nextAlerts(state, [item('web', 'failed', 'f1', { command: ['vlimit'], exitCode: 2, stderrTail: 'err' })], { host: 'h', revision: 'r1', now: '2026-11-26T10:00:00Z' });
  state = r1.state;
  t.like(r1.alerts[0], { type: 'appeared', kind: 'failed', guest: 'web', host: 'h', revision: 'r1', since: '2026-11-26T10:00:00Z', command: ['vlimit'], exitCode: 2, stderrTail: 'err' });
  const r2 = nextAlerts(state, [item('web', 'failed', 'f2')], { host: 'h', revision: 'r2', now: '2026-11-26T10:05:00Z' });
  t.like(r2.alerts[0], { type: 'changed', fingerprint: 'f2', previousFingerprint: 'f1', since: '2026-11-26T10:00:00Z', at: '2026-11-26T10:05:00Z' });
  t.not(r1.alerts[0]!.id, r2.alerts[0]!.id);
});
