/** spec.healthCheck and spec.snapshot (issue 14): accepted forms and clear errors naming line and field. */
import test from 'ava';
import { manifest, validateText } from './helpers.js';

const spec = (...lines: string[]) => manifest(lines);

const rejected: [string, string, number, string, RegExp][] = [
  ['empty command', spec('  healthCheck: {command: []}'), 9, 'spec.healthCheck.command', /at least 1/],
  ['command as a string (a shell line)', spec('  healthCheck: {command: "curl -f http://x/"}'), 9, 'spec.healthCheck.command', /list|array/],
  ['command starting with an option', spec('  healthCheck: {command: ["--help"]}'), 9, 'spec.healthCheck.command[0]', /must not start with '-'/],
  ['command with a control character', spec('  healthCheck: {command: ["true\\u001b[2J"]}'), 9, 'spec.healthCheck.command[0]', /control character/],
  ['timeout that is no duration', spec('  healthCheck: {timeout: soon}'), 9, 'spec.healthCheck.timeout', /"soon" is not a duration/],
  ['timeout above 1h', spec('  healthCheck: {timeout: 2h}'), 9, 'spec.healthCheck.timeout', /between 1s and 1h/],
  ['retries above 10', spec('  healthCheck: {retries: 11}'), 9, 'spec.healthCheck.retries', /10/],
  ['unknown healthCheck field', spec('  healthCheck: {cmd: [true]}'), 9, 'spec.healthCheck.cmd', /unknown field 'cmd'/],
  ['relative snapshot path', spec('  snapshot: {paths: [etc/nginx]}'), 9, 'spec.snapshot.paths[0]', /an absolute path inside the guest root/],
  ['snapshot path with ..', spec('  snapshot: {paths: [/etc/../../host]}'), 9, 'spec.snapshot.paths[0]', /'\.\.' is not allowed/],
  ['the whole root', spec('  snapshot: {paths: [/]}'), 9, 'spec.snapshot.paths[0]', /whole root/],
  ['a path listed twice', spec('  snapshot: {paths: [/etc/nginx, /etc//nginx/]}'), 9, 'spec.snapshot.paths[1]', /listed twice/],
  ['keep 0', spec('  snapshot: {keep: 0}'), 9, 'spec.snapshot.keep', /1/],
];
for (const [title, text, line, path, message] of rejected) {
  test(`rejects: ${title}`, (t) => {
    const r = validateText(text);
    t.deepEqual(r.guests, []);
    const p = r.problems.find((x) => x.path === path);
    t.truthy(p, JSON.stringify(r.problems));
    t.is(p!.line, line);
    t.regex(p!.message, message);
  });
}

test('accepted: defaults and normalized values', (t) => {
  const r = validateText(spec('  healthCheck: {command: [/usr/bin/curl, -fsS, "http://127.0.0.1/"], timeout: 20s, retries: 2}', '  snapshot: {paths: [/var/www/, /etc//nginx]}'));
  t.deepEqual(r.problems, []);
  t.deepEqual(r.guests[0]!.safety, {
    healthCheck: { command: ['/usr/bin/curl', '-fsS', 'http://127.0.0.1/'], timeoutMs: 20_000, retries: 2 },
    snapshot: { paths: ['/etc/nginx', '/var/www'], keep: 3 },
  });
  const plain = validateText(spec('  healthCheck: {}'));
  t.deepEqual(plain.guests[0]!.safety, { healthCheck: { timeoutMs: 30_000, retries: 0 } });
  t.is(validateText(spec()).guests[0]!.safety, undefined, 'no fields, no safety block (digests of existing manifests unchanged)');
});
