import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// dist/test/agent → repository root
const unit = readFileSync(fileURLToPath(new URL('../../../deploy/vsgitops.service', import.meta.url)), 'utf8');
const directives = unit
  .split('\n')
  .filter((l) => /^[A-Za-z]+=/.test(l))
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
const get = (k: string) => directives.filter(([key]) => key === k).map(([, v]) => v);

const required: [string, RegExp][] = [
  ['Type', /^notify$/],
  ['NotifyAccess', /^all$/],
  ['WatchdogSec', /^\d+(min|s)$/],
  ['Restart', /^on-failure$/],
  ['KillSignal', /^SIGTERM$/],
  ['KillMode', /^process$/],
  ['TimeoutStopSec', /^\d+(min|s)$/],
  ['ExecReload', /kill -HUP \$MAINPID$/],
  ['ExecStart', /vsgitops run --config /],
  ['StateDirectory', /^vsgitops$/],
];
for (const [key, re] of required) {
  test(`unit sets ${key}`, (t) => {
    t.deepEqual(get(key).length, 1);
    t.regex(get(key)[0]!, re);
  });
}

test('unit sets no option that would put guests in a private namespace or strip setuid', (t) => {
  for (const k of ['PrivateTmp', 'ProtectSystem', 'ProtectHome', 'ProtectHostname', 'NoNewPrivileges', 'RestrictSUIDSGID', 'CapabilityBoundingSet', 'SystemCallFilter', 'PrivateDevices', 'RestrictNamespaces']) {
    t.deepEqual(get(k), [], k);
  }
});
