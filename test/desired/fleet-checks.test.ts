import test from 'ava';
import { manifest, validateTexts } from './helpers.js';

const g = (name: string, context: number, hosts: string, address?: string) =>
  manifest(address ? ['  interfaces:', `    - {device: eth0, address: ${address}}`] : [], { name, context: String(context), hosts });

interface FleetCase {
  title: string;
  files: Record<string, string>;
  /** [file, line, path, message] of each expected problem */
  problems: [string, number, string, RegExp][];
  guests: string[];
}

const cases: FleetCase[] = [
  {
    title: 'the same name in two files',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}'), 'b.yaml': g('web1', 1002, '{names: [h2]}') },
    problems: [['b.yaml', 4, 'metadata.name', /guest name 'web1' is already used at a\.yaml:1/]],
    guests: ['web1'],
  },
  {
    title: 'the same context on the same named host',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}'), 'b.yaml': g('web2', 1001, '{names: [h1, h2]}') },
    problems: [['b.yaml', 6, 'spec.context', /context 1001 is already used by guest 'web1' \(a\.yaml:1\), which can run on the same host/]],
    guests: ['web1'],
  },
  {
    title: 'the same context on different named hosts is fine',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}'), 'b.yaml': g('web2', 1001, '{names: [h2]}') },
    problems: [],
    guests: ['web1', 'web2'],
  },
  {
    title: 'the same context with conflicting label values is fine',
    files: { 'a.yaml': g('web1', 1001, '{matchLabels: {site: fra1}}'), 'b.yaml': g('web2', 1001, '{matchLabels: {site: ams1}}') },
    problems: [],
    guests: ['web1', 'web2'],
  },
  {
    title: 'different label keys could match one host: conflict',
    files: { 'a.yaml': g('web1', 1001, '{matchLabels: {site: fra1}}'), 'b.yaml': g('web2', 1001, '{matchLabels: {tier: db}}') },
    problems: [['b.yaml', 6, 'spec.context', /context 1001 is already used by guest 'web1'/]],
    guests: ['web1'],
  },
  {
    title: 'a named host could carry the other guest\'s labels: conflict',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}'), 'b.yaml': g('web2', 1001, '{matchLabels: {site: fra1}}') },
    problems: [['b.yaml', 6, 'spec.context', /already used/]],
    guests: ['web1'],
  },
  {
    title: 'the same address on one host, in another spelling',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}', '"2001:db8::5/64"'), 'b.yaml': g('web2', 1002, '{names: [h1]}', '"2001:DB8:0::5/128"') },
    problems: [['b.yaml', 10, 'spec.interfaces[0].address', /address 2001:db8::5 is already used by guest 'web1'/]],
    guests: ['web1'],
  },
  {
    title: 'the same address on different hosts is fine',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}', '10.0.0.1/8'), 'b.yaml': g('web2', 1002, '{names: [h2]}', '10.0.0.1/8') },
    problems: [],
    guests: ['web1', 'web2'],
  },
  {
    title: 'context and address clash reported together, in one file',
    files: { 'a.yaml': g('web1', 1001, '{names: [h1]}', '10.0.0.1/8') + '---\n' + g('web2', 1001, '{names: [h1]}', '10.0.0.1/24') },
    problems: [
      ['a.yaml', 17, 'spec.context', /context 1001/],
      ['a.yaml', 21, 'spec.interfaces[0].address', /address 10\.0\.0\.1 is already used/],
    ],
    guests: ['web1'],
  },
  {
    title: 'clashes with two earlier guests; a rejected guest blocks nothing',
    files: {
      'a.yaml': g('web1', 1001, '{names: [h1]}', '10.0.0.1/8'),
      'b.yaml': g('web2', 1002, '{names: [h1]}', '10.0.0.2/8'),
      'c.yaml': g('web3', 1002, '{names: [h1]}', '10.0.0.1/8'),
      'd.yaml': g('web4', 1003, '{names: [h1]}', '10.0.0.1/8'),
      'e.yaml': g('web5', 1002, '{names: [h2]}', '10.0.0.1/8'),
    },
    problems: [
      ['c.yaml', 6, 'spec.context', /context 1002 is already used by guest 'web2'/],
      ['c.yaml', 10, 'spec.interfaces[0].address', /address 10\.0\.0\.1 is already used by guest 'web1'/],
      ['d.yaml', 10, 'spec.interfaces[0].address', /address 10\.0\.0\.1 is already used by guest 'web1'/],
    ],
    guests: ['web1', 'web2', 'web5'],
  },
];

for (const c of cases) {
  test(`fleet: ${c.title}`, (t) => {
    const r = validateTexts(c.files);
    t.deepEqual(r.problems.map((p) => [p.file, p.line, p.path]), c.problems.map(([f, l, p]) => [f, l, p]));
    r.problems.forEach((p, i) => t.regex(p.message, c.problems[i]![3]));
    t.deepEqual(r.guests.map((x) => x.spec.name), c.guests);
  });
}
