/**
 * Phase and subject ordering of planned actions. Stops and deletes come first
 * (they free context ids and addresses), then replaces, updates, creates and
 * starts; by guest name within a phase. Pure.
 */
import type { ActionKind, PlannedAction } from './types.js';
import { compareText } from './diff.js';

export const PHASE: Record<ActionKind, number> = {
  stop: 0,
  delete: 0,
  replace: 1,
  update: 2,
  create: 3,
  start: 4,
};

const KIND_ORDER: ActionKind[] = ['stop', 'delete', 'replace', 'update', 'create', 'start'];

export function compareActions(a: Pick<PlannedAction, 'kind' | 'guest'>, b: Pick<PlannedAction, 'kind' | 'guest'>): number {
  return PHASE[a.kind] - PHASE[b.kind] || compareText(a.guest, b.guest) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
}

export function orderActions<T extends Pick<PlannedAction, 'kind' | 'guest'>>(actions: readonly T[]): T[] {
  return [...actions].sort(compareActions);
}
