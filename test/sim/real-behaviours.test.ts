/**
 * Behaviours of a real vs2.3.9.13 host with util-vserver 0.30.215 that once hid
 * defects (issue 9; reference §10 "Behaviours confirmed on a running host"),
 * each exercised through the shims or in-process as noted.
 */
import test from 'ava';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run, tmpDir, tmpHost, writeFiles } from './helpers.js';
import { runShim } from '../helpers/run-shim.js';
import { simInit } from '../../src/sim/init.js';
import { loadKernel, mutateKernel, type SimHost } from '../../src/sim/store.js';
import { addHostAddress } from '../../src/sim/kernel-files.js';
import { isGuestInit } from '../../src/sim/guest-process.js';

const cfg = (h: SimHost, name: string) => path.join(h.paths.etcVservers, name);
const bin = (h: SimHost, tool: string) => path.join(h.paths.binDir, tool);

function build(h: SimHost, name: string, xid: number, extra: Record<string, string> = {}): void {
  const b = run(h, 'vserver', [name, 'build', '-m', 'skeleton', '--context', String(xid), '--hostname', name, '--initstyle', 'plain']);
  if (b.code !== 0) throw new Error(b.err);
  writeFiles(cfg(h, name), extra);
}

const alive = (pid: number) => isGuestInit(pid);

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

const initPid = (h: SimHost, xid: number) => loadKernel(h).contexts[xid]?.hostInitPid;

test('start leaves a guest init holding the inherited stdout/stderr: a pipe reader gets "exit" but no EOF until stop (§10 LIVE)', async (t) => {
  const h = tmpHost('init');
  build(h, 'web', 1101);
  const child = spawn(bin(h, 'vserver'), ['web', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const closedP = new Promise<void>((resolve) => child.once('close', () => ((closed = true), resolve())));
  child.stdout.resume();
  child.stderr.resume();
  t.is(await exited, 0, 'vserver start exits 0');
  const pid = initPid(h, 1101);
  t.truthy(pid, 'the init pid is recorded in the kernel state');
  t.true(alive(pid!), 'the init process runs');
  await new Promise((r) => setTimeout(r, 1500));
  t.false(closed, 'stdout/stderr stay open while the guest runs');
  const stop = await runShim(bin(h, 'vserver'), ['web', 'stop'], { timeoutMs: 60_000 });
  t.is(stop.exitCode, 0, stop.stderr);
  t.true(await waitFor(() => closed, 30_000), 'EOF once the guest stopped');
  await closedP;
  t.false(alive(pid!));
});

test('the guest init ends by itself when its context dies or the simulated host disappears', async (t) => {
  const dir = tmpDir('init-gone');
  const h = simInit(dir).host;
  build(h, 'a', 1201);
  build(h, 'b', 1202);
  for (const n of ['a', 'b']) t.is((await runShim(bin(h, 'vserver'), [n, 'start'])).exitCode, 0);
  const [pa, pb] = [initPid(h, 1201)!, initPid(h, 1202)!];
  t.true(alive(pa) && alive(pb));
  // the context is killed behind util-vserver's back (no stop): the init notices within ~1 s
  mutateKernel(h, (s) => void delete s.contexts[1201]);
  t.true(await waitFor(() => !alive(pa), 20_000), 'init of a dead context ended');
  t.true(alive(pb));
  fs.rmSync(dir, { recursive: true, force: true });
  t.true(await waitFor(() => !alive(pb), 20_000), 'init of a removed host ended');
});

test('in-process starts (tests, seeding) record no init process; restart through the shim replaces it', async (t) => {
  const h = tmpHost('restart');
  build(h, 'web', 1301);
  t.is(run(h, 'vserver', ['web', 'start']).code, 0);
  t.is(initPid(h, 1301), undefined);
  t.is(run(h, 'vserver', ['web', 'stop']).code, 0);
  t.is((await runShim(bin(h, 'vserver'), ['web', 'start'])).exitCode, 0);
  const first = initPid(h, 1301)!;
  t.is((await runShim(bin(h, 'vserver'), ['web', 'restart'])).exitCode, 0);
  const second = initPid(h, 1301)!;
  t.not(first, second);
  t.false(alive(first), 'restart ended the old init');
  t.true(alive(second));
  t.is((await runShim(bin(h, 'vserver'), ['web', 'stop'])).exitCode, 0);
  t.false(alive(second));
});

test('stop removes the host addresses the configuration names at stop time; one not on the host warns, exit 0; others stay (disableInterfaces, §10 LIVE)', (t) => {
  const h = tmpHost('addr');
  build(h, 'web', 1401, { 'interfaces/0/dev': 'eth0', 'interfaces/0/ip': '10.0.0.2', 'interfaces/0/prefix': '24', 'interfaces/1/ip': '10.9.0.2', 'interfaces/1/nodev': '' });
  const addrs = () => loadKernel(h).hostAddresses.map((a) => `${a.dev} ${a.ip}/${a.prefix}`).sort();
  t.is(run(h, 'vserver', ['web', 'start']).code, 0);
  t.deepEqual(addrs(), ['eth0 10.0.0.2/24'], 'nodev addresses never reach the host device');
  // the configuration changes while the guest runs (what a restart-type update did first)
  writeFiles(cfg(h, 'web'), { 'interfaces/0/ip': '10.0.0.3\n' });
  const stop = run(h, 'vserver', ['web', 'stop']);
  t.deepEqual(stop, { code: 0, out: '', err: 'ip: RTNETLINK answers: Cannot assign requested address\n' });
  t.deepEqual(addrs(), ['eth0 10.0.0.2/24'], 'the old address stays on the host');
  t.false(fs.readdirSync(path.join(h.paths.proc, 'virtnet')).includes('1401'), 'the nid is gone');
  // in the right order (stop with the old configuration, then write the new one) nothing is left
  writeFiles(cfg(h, 'web'), { 'interfaces/0/ip': '10.0.0.2\n' });
  t.is(run(h, 'vserver', ['web', 'start']).code, 0);
  t.deepEqual(run(h, 'vserver', ['web', 'stop']), { code: 0, out: '', err: '' });
  t.deepEqual(addrs(), []);
  // a stopped guest: "not running", and its named addresses are removed quietly (vserver.stop:21-27)
  mutateKernel(h, (s) => addHostAddress(s, { dev: 'eth0', ip: '10.0.0.2', prefix: 24, bcast: '+', owner: 'someone' }));
  t.deepEqual(run(h, 'vserver', ['web', 'stop']), { code: 0, out: '', err: "vserver 'web' is not running\n" });
  t.deepEqual(addrs(), []);
});

test("delete stops the guest, then fails without the package configuration base dir: pkgcfgbase-dir '…/.pkg' (§10 LIVE; vserver.delete:29-34)", async (t) => {
  const dir = tmpDir('nopkg');
  const h = simInit(dir, { pkgDir: false }).host;
  build(h, 'web', 1501);
  t.is((await runShim(bin(h, 'vserver'), ['web', 'start'])).exitCode, 0);
  const pid = initPid(h, 1501)!;
  const r = await runShim(bin(h, 'vserver'), ['--silent', 'web', 'delete']);
  t.is(r.exitCode, 1);
  t.is(r.stderr, `pkgcfgbase-dir '${path.join(h.dir, 'vservers/.pkg')}' does not exist or is invalid\n`);
  t.is(run(h, 'vserver', ['web', 'status']).code, 3, 'the guest was stopped first');
  t.false(alive(pid));
  t.true(fs.existsSync(cfg(h, 'web')) && fs.existsSync(path.join(h.paths.vserversRoot, 'web')), 'nothing removed');
  // sim init creates it by default (make install-distribution); delete then removes PKGCFGDIR too
  const h2 = tmpHost('pkg');
  t.true(fs.statSync(path.join(h2.dir, 'vservers/.pkg')).isDirectory());
  build(h2, 'web', 1502);
  fs.mkdirSync(path.join(h2.dir, 'vservers/.pkg/web'));
  t.deepEqual(run(h2, 'vserver', ['--silent', 'web', 'delete']), { code: 0, out: '', err: '' });
  t.false(fs.existsSync(cfg(h2, 'web')));
  t.false(fs.existsSync(path.join(h2.dir, 'vservers/.pkg/web')));
});

test('template build extracts the tarballs into the guest root; a missing, unknown or broken one fails like vserver-build.template and removes the half-built guest', (t) => {
  const h = tmpHost('tpl');
  const srv = path.join(h.dir, 'srv'); // host paths resolve inside the simulated host: /srv/x is DIR/srv/x
  const src = tmpDir('tpl-src');
  writeFiles(src, { 'etc/issue': 'Template Linux\n', 'bin/sh': '#!/bin/true\n', 'dev/junk': 'x' });
  fs.mkdirSync(srv, { recursive: true });
  execFileSync('tar', ['-czf', path.join(srv, 'base.tar.gz'), '-C', src, '.']);
  writeFiles(src, { 'etc/motd': 'web\n' });
  execFileSync('tar', ['-cf', path.join(srv, 'web.tar'), '-C', src, './etc/motd']);
  const ok = run(h, 'vserver', ['web', 'build', '-m', 'template', '--context', '1601', '--', '-t', '/srv/base.tar.gz', '-t', '/srv/web.tar']);
  t.is(ok.code, 0, ok.err);
  const root = path.join(h.paths.vserversRoot, 'web');
  t.is(fs.readFileSync(path.join(root, 'etc/issue'), 'utf8'), 'Template Linux\n');
  t.is(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8'), 'web\n');
  t.false(fs.existsSync(path.join(root, 'dev/junk')), 'dev/* replaced by populateDev');
  t.true(fs.existsSync(path.join(root, 'dev/null')));

  const gone = (name: string) => !fs.existsSync(cfg(h, name)) && !fs.existsSync(path.join(h.paths.vserversRoot, name));
  const missing = run(h, 'vserver', ['m', 'build', '-m', 'template', '--context', '1602', '--', '-t', '/srv/nope.tar']);
  t.deepEqual(missing, { code: 255, out: '', err: 'h2ext: open("/srv/nope.tar"): No such file or directory\n' });
  t.true(gone('m'));
  fs.writeFileSync(path.join(srv, 'notes.tar'), 'not an archive\n');
  t.deepEqual(run(h, 'vserver', ['u', 'build', '-m', 'template', '--context', '1603', '--', '-t', '/srv/notes.tar']), {
    code: 1,
    out: '',
    err: 'vserver-build.template: /srv/notes.tar: Unknown format\n',
  });
  t.true(gone('u'));
  const whole = fs.readFileSync(path.join(srv, 'web.tar'));
  fs.writeFileSync(path.join(srv, 'cut.tar'), whole.subarray(0, 700)); // header intact, content and end missing
  const cut = run(h, 'vserver', ['c', 'build', '-m', 'template', '--context', '1604', '--', '-t', '/srv/cut.tar']);
  t.not(cut.code, 0);
  t.regex(cut.err, /^tar: /m, "tar's own message");
  t.true(gone('c'));
  t.is(run(h, 'vserver', ['x', 'build', '-m', 'template', '--context', '1605']).err, 'vserver-build.template: No template specified\n');
});

test('vlimit exits 0 where the kernel refuses: No such process for a dead xid, Invalid argument for --rss/--as (src/vlimit.c:242-252, §10 LIVE)', async (t) => {
  const h = tmpHost('vlimit');
  build(h, 'web', 1701);
  t.is(run(h, 'vserver', ['web', 'start']).code, 0);
  const dead = await runShim(bin(h, 'vlimit'), ['--xid', '1799', '--nproc', '50', '--nofile', '100']);
  t.deepEqual([dead.exitCode, dead.stdout, dead.stderr], [0, '', 'vc_set_rlimit(): No such process\nvc_set_rlimit(): No such process\n']);
  const rss = await runShim(bin(h, 'vlimit'), ['--xid', '1701', '--rss', '1000', '--as', '2000', '--nproc', '77']);
  t.deepEqual([rss.exitCode, rss.stderr], [0, 'vc_set_rlimit(): Invalid argument\nvc_set_rlimit(): Invalid argument\n']);
  t.regex(fs.readFileSync(path.join(h.paths.proc, 'virtual/1701/limit'), 'utf8'), /^PROC:.*\t +77\/ +77\t/m, 'the accepted limit is applied');
  t.regex(fs.readFileSync(path.join(h.paths.proc, 'virtual/1701/limit'), 'utf8'), /^RSS:.*\t +-1\/ +-1\t/m, 'the refused one is not');
});

test('a dead context is no longer listed in /proc/virtual (and on the simulated host not resolvable either)', (t) => {
  const h = tmpHost('proc');
  build(h, 'web', 1801);
  t.is(run(h, 'vserver', ['web', 'start']).code, 0);
  t.true(fs.readdirSync(path.join(h.paths.proc, 'virtual')).includes('1801'));
  t.is(run(h, 'vserver', ['web', 'stop']).code, 0);
  t.false(fs.readdirSync(path.join(h.paths.proc, 'virtual')).includes('1801'));
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/1801')));
});
