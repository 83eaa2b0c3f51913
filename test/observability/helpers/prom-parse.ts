/**
 * A small, strict parser for the Prometheus text exposition format 0.0.4.
 * Throws on anything malformed: a sample before its TYPE, a bad label, a
 * duplicate series, histogram buckets that are not cumulative.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // plain comment
      const [, what, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      const fam = families.get(name) ?? { name, type: 'untyped' as const, samples: [] };
      if (what === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type, ${where}`);
        if (fam.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        fam.type = rest as Family['type'];
      } else fam.help = rest;
      families.set(name, fam);
      return;
    }
    const sample = parseSample(line, where);
    const fam = familyOf(sample.name, families);
    if (!fam) throw new Error(`sample without a declared family, ${where}`);
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort());
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    fam.samples.push(sample);
  });
  for (const fam of families.values()) if (fam.type === 'histogram') checkHistogram(fam);
  return families;
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sampleName);
  if (direct && direct.type !== 'histogram' && direct.type !== 'summary') return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const f = families.get(sampleName.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
    }
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`malformed sample, ${where}`);
  const labels: Record<string, string> = {};
  const body = m[3] ?? '';
  let pos = 0;
  while (pos < body.length) {
    const eq = body.indexOf('=', pos);
    if (eq < 0) throw new Error(`bad label, ${where}`);
    const lname = body.slice(pos, eq);
    if (!LABEL.test(lname)) throw new Error(`bad label name "${lname}", ${where}`);
    if (body[eq + 1] !== '"') throw new Error(`label value not quoted, ${where}`);
    let value = '';
    let j = eq + 2;
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] === '\\') {
        const next = body[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape, ${where}`);
      } else value += body[j];
    }
    if (j >= body.length) throw new Error(`unterminated label value, ${where}`);
    if (lname in labels) throw new Error(`duplicate label ${lname}, ${where}`);
    labels[lname] = value;
    pos = j + 1;
    if (body[pos] === ',') pos++;
    else if (pos < body.length) throw new Error(`expected , between labels, ${where}`);
  }
  const raw = m[4]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value, ${where}`);
  return { name: m[1]!, labels, value };
}

function checkHistogram(fam: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of fam.samples.filter((x) => x.name.endsWith('_bucket'))) {
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${fam.name}: bucket without le`);
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    const sorted = [...buckets].sort((a, b) => Number(a.labels.le === '+Inf' ? Infinity : a.labels.le) - Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.value < sorted[i - 1]!.value) throw new Error(`${fam.name}: buckets not cumulative`);
    const inf = sorted[sorted.length - 1]!;
    if (inf.labels.le !== '+Inf') throw new Error(`${fam.name}: no +Inf bucket`);
    const count = fam.samples.find((s) => s.name === fam.name + '_count' && JSON.stringify(Object.entries(s.labels).sort()) === key);
    if (!count || count.value !== inf.value) throw new Error(`${fam.name}: _count differs from the +Inf bucket`);
  }
}

/** The value of one series; throws if absent. */
export function valueOf(families: Map<string, Family>, sampleName: string, labels: Record<string, string> = {}): number {
  for (const fam of families.values()) {
    for (const s of fam.samples) {
      if (s.name !== sampleName) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  throw new Error(`no series ${sampleName}${JSON.stringify(labels)}`);
}
