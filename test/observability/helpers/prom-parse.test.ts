import test from 'ava';
import { parsePrometheusText, valueOf } from './prom-parse.js';

test('parser reads counters, gauges with escaped labels and histograms', (t) => {
  const f = parsePrometheusText(
    [
      '# HELP a_total A.',
      '# TYPE a_total counter',
      'a_total{x="1"} 3',
      '# TYPE g gauge',
      'g{v="q\\"u\\\\o\\nte"} 1.5',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 3.5',
      'h_count 2',
      '',
    ].join('\n'),
  );
  t.is(valueOf(f, 'a_total', { x: '1' }), 3);
  t.is(valueOf(f, 'g', { v: 'q"u\\o\nte' }), 1.5);
  t.is(valueOf(f, 'h_count'), 2);
  t.is(f.get('a_total')!.help, 'A.');
});

const bad: [string, string][] = [
  ['sample before TYPE', 'x 1\n'],
  ['unquoted label', '# TYPE x gauge\nx{a=1} 1\n'],
  ['duplicate series', '# TYPE x gauge\nx 1\nx 2\n'],
  ['bad value', '# TYPE x gauge\nx one\n'],
  ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
  ['count differs from +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'],
  ['no final newline', '# TYPE x gauge\nx 1'],
];
for (const [title, text] of bad) test(`parser rejects: ${title}`, (t) => void t.throws(() => parsePrometheusText(text)));
