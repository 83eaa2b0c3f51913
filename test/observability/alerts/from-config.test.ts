import test from 'ava';
import { isVsError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { AlertDispatcher } from '../../../src/observability/alerts/dispatcher.js';
import { sinksFromSpecs, type SinkSpec } from '../../../src/observability/alerts/sinks/from-config.js';

test('sink names default to the type, numbered when repeated; explicit names kept', (t) => {
  const sinks = sinksFromSpecs(
    [
      { type: 'log' },
      { type: 'webhook', url: 'http://127.0.0.1:1/a' },
      { type: 'webhook', url: 'http://127.0.0.1:1/b' },
      { type: 'slack', url: 'http://127.0.0.1:1/c', name: 'ops-chat' },
      { type: 'command', argv: ['true'] },
    ],
    silentLogger(),
  );
  t.deepEqual(sinks.map((s) => s.name), ['log', 'webhook', 'webhook-2', 'ops-chat', 'command']);
});

test('bad specs are CONFIG errors: unknown type, empty argv, duplicate names', (t) => {
  const bad: SinkSpec[][] = [[{ type: 'pager' } as unknown as SinkSpec], [{ type: 'command', argv: [] }]];
  for (const specs of bad) t.true(isVsError(t.throws(() => sinksFromSpecs(specs, silentLogger())), 'CONFIG'));
  const dup = sinksFromSpecs([{ type: 'log', name: 'x' }, { type: 'log', name: 'x' }], silentLogger());
  t.true(isVsError(t.throws(() => new AlertDispatcher({ sinks: dup, logger: silentLogger() })), 'CONFIG'));
});
