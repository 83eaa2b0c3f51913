import test from 'ava';
import { VsError, formatProblem, isVsError } from '../src/errors.js';

test('VsError carries code and data and serializes them', (t) => {
  const e = new VsError('PLAN_STALE', 'plan is stale', { revision: 'abc' });
  t.true(isVsError(e, 'PLAN_STALE'));
  t.false(isVsError(e, 'USAGE'));
  t.deepEqual(e.toJSON(), { code: 'PLAN_STALE', message: 'plan is stale', revision: 'abc' });
});

test('formatProblem names file, line, column and field', (t) => {
  t.is(
    formatProblem({ file: 'a.yaml', line: 3, column: 5, path: 'spec.context', message: 'must be >= 2' }),
    'a.yaml:3:5: spec.context: must be >= 2',
  );
});
