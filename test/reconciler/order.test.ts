import test from 'ava';
import { orderActions, PHASE } from '../../src/reconciler/order.js';
import type { ActionKind } from '../../src/reconciler/types.js';

test('phases: stops and deletes before replaces, updates, creates, starts', (t) => {
  const kinds: ActionKind[] = ['start', 'create', 'update', 'replace', 'delete', 'stop'];
  t.deepEqual([...kinds].sort((a, b) => PHASE[a] - PHASE[b]).slice(0, 2).sort(), ['delete', 'stop']);
  const input = [
    { kind: 'start' as const, guest: 'a' },
    { kind: 'create' as const, guest: 'b' },
    { kind: 'update' as const, guest: 'z' },
    { kind: 'update' as const, guest: 'c' },
    { kind: 'delete' as const, guest: 'y' },
    { kind: 'stop' as const, guest: 'x' },
    { kind: 'replace' as const, guest: 'm' },
    { kind: 'stop' as const, guest: 'B' },
  ];
  t.deepEqual(orderActions(input).map((a) => `${a.kind} ${a.guest}`), [
    'stop B', 'stop x', 'delete y', 'replace m', 'update c', 'update z', 'create b', 'start a',
  ]);
});

test('ordering does not depend on input order', (t) => {
  const input = [
    { kind: 'update' as const, guest: 'b' },
    { kind: 'update' as const, guest: 'a' },
    { kind: 'start' as const, guest: 'a' },
  ];
  t.deepEqual(orderActions(input), orderActions([...input].reverse()));
});
