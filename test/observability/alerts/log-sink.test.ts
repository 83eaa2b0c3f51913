import { PassThrough } from 'node:stream';
import test from 'ava';
import { createLogger } from '../../../src/log.js';
import { logSink } from '../../../src/observability/alerts/sinks/log.js';
import { sampleAlert } from '../helpers/alert.js';

test('log sink: warn while drift is present, info when resolved, JSON fields', async (t) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const sink = logSink(createLogger({ json: true, stream, level: 'debug' }));
  await sink.send(sampleAlert());
  await sink.send(sampleAlert({ type: 'resolved' }));
  await new Promise((r) => setImmediate(r));
  const [a, b] = lines.map((l) => JSON.parse(l));
  t.like(a, { level: 'warn', alert: 'appeared', key: 'config/web', mode: 'enforce', fields: ['limits.nproc.hard'] });
  t.regex(a.message, /\[host1\] config drift appeared on web/);
  t.like(b, { level: 'info', alert: 'resolved' });
});
