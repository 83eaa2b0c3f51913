/** Failure behaviours and live changes of the simulated tools (in-process; same code the shims run). */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { GUEST1_EXTRA, run, tmpHost, writeFiles } from './helpers.js';
import { readKernelSnapshot, type SimHost } from '../../src/sim/store.js';
import { readCgroupLayout, readLiveCgroup } from '../../src/providers/vserver/cgroup-layout.js';

const proc = (h: SimHost, rel: string) => fs.readFileSync(path.join(h.paths.proc, rel), 'utf8');
const cfg = (h: SimHost, name: string) => path.join(h.paths.etcVservers, name);

function guest(h: SimHost, name: string, xid: number, extra: Record<string, string> = GUEST1_EXTRA, style = 'plain'): void {
  const b = run(h, 'vserver', [name, 'build', '-m', 'skeleton', '--context', String(xid), '--hostname', name, '--initstyle', style]);
  if (b.code !== 0) throw new Error(b.err);
  writeFiles(cfg(h, name), extra);
}

test('vserver error exits: missing config 5, unknown command 2, status of stopped 3', (t) => {
  const h = tmpHost();
  const missing = run(h, 'vserver', ['nope', 'start']);
  t.is(missing.code, 5);
  t.true(missing.err.startsWith(`Can not find a vserver-setup at '${cfg(h, 'nope')}/'.`));
  guest(h, 'g1', 1001);
  const unknown = run(h, 'vserver', ['g1', 'frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.err, /^Usage: .*vserver <vserver> \{start\|stop\|suexec\|restart\|condrestart\|exec\|enter\|chkconfig\|running\|status\|delete\}\n$/);
  t.deepEqual(run(h, 'vserver', ['g1', 'status']), { code: 3, out: "Vserver 'g1' is stopped\n", err: '' });
  t.is(run(h, 'vserver', ['g1', 'running']).code, 1);
  t.deepEqual(run(h, 'vserver', ['g1', 'exec', 'true']), { code: 1, out: '', err: "'vserver ... suexec' is supported for running vservers only; aborting...\n" });
});

test('build refuses an existing config dir and a context in use', (t) => {
  const h = tmpHost();
  guest(h, 'g1', 1001);
  const again = run(h, 'vserver', ['g1', 'build', '-m', 'skeleton', '--context', '1005']);
  t.is(again.code, 1);
  t.regex(again.err, /and\/or configuration at '.*\/etc\/vservers\/g1' exist already; please try to use '--force', or remove them manually\.\n$/);
  t.is(run(h, 'vserver', ['g1', 'start']).code, 0);
  const inUse = run(h, 'vserver', ['g2', 'build', '-m', 'skeleton', '--context', '1001']);
  t.deepEqual(inUse, { code: 1, out: '', err: "Context '1001' is already in use. Please select another one.\n" });
  t.false(fs.existsSync(cfg(h, 'g2')));
  t.deepEqual(run(h, 'vserver', ['g3', 'build', '-m', 'nosuch']), { code: 1, out: '', err: "Unknown build-method 'nosuch'\n" });
});

test('build writes --interface, --flags and the context.next fallback', (t) => {
  const h = tmpHost();
  const r = run(h, 'vserver', ['web', 'build', '-m', 'skeleton', '--interface', 'eth0:10.0.0.22/24', '--interface', 'v6=eth0:2001:db8::22/64', '--interface', '10.1.1.1', '--flags', 'lock,virt_mem']);
  t.is(r.code, 0, r.err);
  t.is(r.out, "No device specified for interface '2'; setting 'nodev'\n");
  const c = cfg(h, 'web');
  const read = (rel: string) => fs.readFileSync(path.join(c, rel), 'utf8');
  t.is(read('context'), '40000\n');
  t.is(fs.readFileSync(path.join(h.paths.etcVservers, '.defaults/context.next'), 'utf8'), '40001\n');
  t.is(read('interfaces/0/dev') + read('interfaces/0/ip') + read('interfaces/0/prefix'), 'eth0\n10.0.0.22\n24\n');
  t.is(read('interfaces/1/name') + read('interfaces/1/ip') + read('interfaces/1/prefix'), 'v6\n2001:db8::22\n64\n');
  t.true(fs.existsSync(path.join(c, 'interfaces/2/nodev')));
  t.is(read('cflags'), 'lock\nvirt_mem\n');
});

test('start: Tasks 2, Init pid for plain, STATE_INIT kept for sysv; host addresses, cgroup and run file; stop removes all', (t) => {
  const h = tmpHost();
  guest(h, 'p', 1001);
  guest(h, 's', 1002, { 'interfaces/0/ip': '10.9.0.2\n', 'interfaces/0/dev': 'eth0\n', 'interfaces/prefix': '16\n', 'cgroup/cpu.shares': '300\n', 'cgroup/name': 'custom' }, 'sysv');
  t.is(run(h, 'vserver', ['p', 'start']).code, 0);
  t.is(run(h, 'vserver', ['s', 'start']).code, 0);
  t.regex(proc(h, 'virtual/1001/status'), /Tasks:\t2\nFlags:\t0000001402020010\n/);
  t.regex(proc(h, 'virtual/1002/status'), /Tasks:\t2\nFlags:\t0000001602020010\n/);
  t.regex(proc(h, 'virtual/1001/info'), /^Init:\t[1-9]\d*$/m);
  t.regex(proc(h, 'virtual/1002/info'), /^Init:\t0$/m);
  t.regex(proc(h, 'virtnet/1002/info'), /^0:\t\[10\.9\.0\.2-0\.0\.0\.0\/255\.255\.0\.0:0010\]$/m);
  const kernel = readKernelSnapshot(h.dir);
  t.deepEqual(kernel.hostAddresses.map((a: { ip: string; prefix: number; owner: string }) => `${a.owner}:${a.ip}/${a.prefix}`), ['p:192.168.77.11/24', 's:10.9.0.2/16']);
  t.is(fs.readFileSync(path.join(h.paths.cgroup, 'custom/cpu.shares'), 'utf8'), '300\n');
  t.false(fs.existsSync(path.join(h.paths.cgroup, 'custom/name')), 'control files are not copied');
  t.is(fs.readFileSync(path.join(h.paths.runDir, 's'), 'utf8'), '1002\n');
  t.is(run(h, 'vserver', ['s', 'start']).err, "vserver 's' already running\n");
  t.is(run(h, 'vserver', ['s', 'stop']).code, 0);
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/1002')));
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtnet/1002')));
  t.false(fs.existsSync(path.join(h.paths.cgroup, 'custom')));
  t.false(fs.existsSync(path.join(h.paths.runDir, 's')));
  const after = readKernelSnapshot(h.dir);
  t.deepEqual(after.hostAddresses.map((a: { owner: string }) => a.owner), ['p']);
  t.is(run(h, 'vserver', ['s', 'status']).code, 3);
  t.deepEqual(run(h, 'vserver', ['s', 'stop']), { code: 0, out: '', err: "vserver 's' is not running\n" });
});

test('cgroup location follows util-vserver: per-subsystem /sys/fs/cgroup, .defaults base and name; stop removes it; observe reads it there', async (t) => {
  const h = tmpHost();
  // a host with per-subsystem (v1) hierarchies, a base and a default cgroup name (§6.12)
  for (const ss of ['cpu', 'memory', 'cpuset']) fs.mkdirSync(path.join(h.dir, 'sys/fs/cgroup', ss), { recursive: true });
  writeFiles(path.join(h.paths.etcVservers, '.defaults/cgroup'), { base: 'vs\n', name: 'dflt\n' });
  guest(h, 's', 1002, { 'cgroup/cpu.shares': '300\n', 'cgroup/memory.limit_in_bytes': '1048576\n' });
  t.is(run(h, 'vserver', ['s', 'start']).code, 0);
  const at = (ss: string, f: string) => path.join(h.dir, 'sys/fs/cgroup', ss, 'vs/dflt', f);
  t.is(fs.readFileSync(at('cpu', 'cpu.shares'), 'utf8'), '300\n');
  t.is(fs.readFileSync(at('memory', 'memory.limit_in_bytes'), 'utf8'), '1048576\n');
  t.is(fs.readFileSync(at('cpuset', 'cpuset.mems'), 'utf8'), '0\n', 'a new cgroup has the kernel defaults');
  t.regex(fs.readFileSync(at('memory', 'tasks'), 'utf8'), /^\d+\n/);
  t.false(fs.existsSync(path.join(h.paths.cgroup, 's')), 'not under /dev/cgroup');
  // vsgitops reads the live values where the simulated util-vserver put them
  const layout = await readCgroupLayout(h.paths, 's');
  t.like(await readLiveCgroup(layout), { cpuShares: 300, memoryLimit: 1048576 });
  t.is(run(h, 'vserver', ['s', 'stop']).code, 0);
  for (const ss of ['cpu', 'memory', 'cpuset']) t.false(fs.existsSync(path.join(h.dir, 'sys/fs/cgroup', ss, 'vs/dflt')), `${ss} cgroup removed`);

  // one hierarchy (/dev/cgroup) with the default name: stop removes that cgroup too
  const h2 = tmpHost('h2');
  writeFiles(path.join(h2.paths.etcVservers, '.defaults/cgroup'), { name: 'dflt\n' });
  guest(h2, 'p', 1001, { 'cgroup/cpu.shares': '200\n' });
  t.is(run(h2, 'vserver', ['p', 'start']).code, 0);
  t.is(fs.readFileSync(path.join(h2.paths.cgroup, 'dflt/cpu.shares'), 'utf8'), '200\n');
  t.is(run(h2, 'vserver', ['p', 'stop']).code, 0);
  t.false(fs.existsSync(path.join(h2.paths.cgroup, 'dflt')), 'the cgroup named by .defaults/cgroup/name is removed at stop');
});

test('start failures: sched/ dir fails with the LIVE text; rlimits/rss only warns; bad limit and interface errors', (t) => {
  const h = tmpHost();
  guest(h, 'sch', 1002);
  fs.mkdirSync(path.join(cfg(h, 'sch'), 'sched'));
  const r = run(h, 'vserver', ['sch', 'start']);
  t.is(r.code, 1);
  t.true(r.err.startsWith('vsched: vc_set_sched(): Function not implemented\n\nAn error occured while executing the vserver startup sequence'));
  t.true(r.err.includes('(/sbin/init) failed.'));
  t.true(r.err.endsWith("\n\n\nFailed to start vserver 'sch'\n"));
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/1002')), 'no context left behind');
  t.false(fs.existsSync(path.join(h.paths.cgroup, 'sch')));
  guest(h, 'rss', 1003, { 'rlimits/rss': '10000\n', 'rlimits/nproc': '0x20\n', 'rlimits/nofile': '2K\n', 'rlimits/locks': '010\n', 'rlimits/dentry': 'infinity\n' });
  const w = run(h, 'vserver', ['rss', 'start']);
  t.deepEqual(w, { code: 0, out: '', err: 'vc_set_rlimit(): Invalid argument\n' });
  const lim = proc(h, 'virtual/1003/limit');
  t.regex(lim, /^PROC:.*\t      32\/      32\t/m);
  t.regex(lim, /^FILES:.*\t    2048\/    2048\t/m);
  t.regex(lim, /^LOCKS:.*\t       8\/       8\t/m);
  t.regex(lim, /^DENT:.*\t      -1\/      -1\t/m);
  t.regex(lim, /^RSS:.*\t      -1\/      -1\t/m);
  guest(h, 'bad', 1004, { 'rlimits/nproc': '12x\n' });
  const bad = run(h, 'vserver', ['bad', 'start']);
  t.is(bad.code, 1);
  t.true(bad.err.startsWith(`Invalid limit in '${cfg(h, 'bad')}/rlimits/nproc'\n`));
  guest(h, 'nodev', 1005, { 'interfaces/x/ip': '10.0.0.5\n' });
  t.deepEqual(run(h, 'vserver', ['nodev', 'start']), { code: 1, out: '', err: "No device specified for 'x'\n" });
  guest(h, 'flag', 1006, { cflags: 'virt_mem\nbogus\n' });
  const f = run(h, 'vserver', ['flag', 'start']);
  t.is(f.code, 1);
  t.true(f.err.startsWith("vattribute: Unknown flag 'bogus'\n"));
});

test('persistent keeps an empty context alive; clearing it removes the directory', (t) => {
  const h = tmpHost();
  t.is(run(h, 'vcontext', ['--create', '--xid', '42', '--', 'vattribute', '--set', '--flag', 'persistent', '--', 'true']).code, 0);
  t.is(run(h, 'vcontext', ['--create', '--xid', '44', '--', 'true']).code, 0);
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/44')), 'non-persistent context dies with its last task');
  t.regex(proc(h, 'virtual/42/status'), /^UseCnt:\t2\nTasks:\t1\n/);
  const again = run(h, 'vcontext', ['--create', '--xid', '42', '--', 'true']);
  t.deepEqual(again, { code: 254, out: '', err: 'vcontext: vc_ctx_create(): File exists\n' });
  t.is(run(h, 'vattribute', ['--xid', '42', '--set', '--flag', '~persistent']).code, 0);
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/42')));
  t.regex(proc(h, 'virtual/status'), /^#CTotal:\t0\n#CActive:\t0\n/);
});

test('live changes: vlimit (8 settable, rss/as EINVAL exit 0, soft clamped), vattribute, vuname, vsched, naddress, vdlimit', (t) => {
  const h = tmpHost();
  guest(h, 'g', 1001);
  t.is(run(h, 'vserver', ['g', 'start']).code, 0);
  t.deepEqual(run(h, 'vlimit', ['--xid', 'g', '--as', '1000', '--nofile', '64', '-S', '--nofile', '128']), { code: 0, out: '', err: 'vc_set_rlimit(): Invalid argument\n' });
  t.regex(proc(h, 'virtual/1001/limit'), /^FILES:.*\t      64\/      64\t/m);
  t.is(run(h, 'vlimit', ['--xid', '1001', '--nproc', 'lots']).code, 255);
  const a = run(h, 'vlimit', ['-c', '1001', '-a']);
  t.true(a.out.startsWith('NPROC       N/A                 N/A                 0xc8\nNOFILE      N/A                 N/A                 0x40\n'));
  t.is(a.out.split('\n').length - 1, 8);
  t.is(run(h, 'vattribute', ['--xid', '1001', '--set', '--flag', 'virt_mem', '--ccap', '~raw_icmp', '--bcap', 'NET_ADMIN']).code, 0);
  const got = run(h, 'vattribute', ['--xid', '1001', '--get']).out;
  t.regex(got, /\nccapabilities:\nset_utsname,audit_control\nflags:\nfakeinit,virt_mem,virt_uptime,hide_netif,state_admin,sc_helper\n/);
  t.regex(got, /^bcapabilities:\n[^\n]*NET_BIND_SERVICE,NET_ADMIN,/);
  t.regex(proc(h, 'virtual/1001/status'), /^Flags:\t0000001402030010$/m);
  t.deepEqual(run(h, 'vattribute', ['--xid', '1001', '--set', '--flag', 'nonsense']), { code: 1, out: '', err: "vattribute: Unknown flag 'nonsense'\n" });
  t.is(run(h, 'vattribute', ['--xid', '1001', '--set', '--flag', 'state_setup']).code, 0);
  t.regex(proc(h, 'virtual/1001/status'), /^Flags:\t0000001402030010$/m, 'one-time flags cannot be set again');
  t.is(run(h, 'vuname', ['--xid', '1001', '--set', '-t', 'nodename=renamed']).code, 0);
  t.regex(proc(h, 'virtual/1001/nsproxy'), /^NodeName:\trenamed$/m);
  t.deepEqual(run(h, 'vuname', ['--xid', '1001', '--get', 'nodename', 'domainname']), { code: 0, out: 'renamed (none)\n', err: '' });
  t.deepEqual(run(h, 'vuname', ['--get']), { code: 255, out: '', err: "No context specified; try '--help' for more information\n" });
  for (const argv of [['--xid', '1001', '--prio-bias', '1'], ['--xid', '1001', '--tokens', '5']]) {
    t.deepEqual(run(h, 'vsched', argv), { code: 255, out: '', err: 'vc_set_sched(): Function not implemented\n' });
  }
  t.is(run(h, 'naddress', ['--add', '--nid', '1001', '--ip', '10.5.5.5/255.255.255.0']).code, 0);
  t.regex(proc(h, 'virtnet/1001/info'), /^2:\t\[10\.5\.5\.5-0\.0\.0\.0\/255\.255\.255\.0:0010\]$/m);
  t.is(run(h, 'naddress', ['--remove', '--nid', '1001', '--ip', '192.168.77.11/24']).code, 0);
  t.notRegex(proc(h, 'virtnet/1001/info'), /192\.168\.77\.11/);
  t.deepEqual(run(h, 'naddress', ['--add', '--nid', '1001', '--ip', '300.1.1.1']), { code: 255, out: '', err: "Invalid IP number '300.1.1.1'\n" });
  t.is(run(h, 'vdlimit', ['--xid', '1001', '--set', 'space_total=1000', '--set', 'inodes_total=50', '--set', 'reserved=5', '/vservers/g']).code, 0);
  t.deepEqual(run(h, 'vdlimit', ['--xid', '1001', '/vservers/g']).out, '1001 /vservers/g\nspace_used=0\nspace_total=1000\ninodes_used=0\ninodes_total=50\nreserved=5\n');
  t.deepEqual(run(h, 'vdlimit', ['--xid', '1001', '--set', 'space_used=2000', '/vservers/g']), { code: 1, out: '', err: "invalid parameters: 'space_used' is larger than 'space_total'\n" });
});

test('delete: y/N prompt (N → exit 2), --silent deletes config, root, and stops a running guest', (t) => {
  const h = tmpHost();
  guest(h, 'd', 1001);
  t.is(run(h, 'vserver', ['d', 'start']).code, 0);
  const no = run(h, 'vserver', ['d', 'delete'], 'n');
  t.deepEqual(no, { code: 2, out: 'Are you sure you want to delete the vserver d (y/N) ', err: '' });
  t.true(fs.existsSync(cfg(h, 'd')));
  t.is(run(h, 'vserver', ['d', 'delete'], 'y').code, 0);
  t.false(fs.existsSync(cfg(h, 'd')));
  t.false(fs.existsSync(path.join(h.paths.vserversRoot, 'd')));
  t.false(fs.existsSync(path.join(h.paths.proc, 'virtual/1001')));
  guest(h, 'e', 1002);
  t.deepEqual(run(h, 'vserver', ['--silent', 'e', 'delete']), { code: 0, out: '', err: '' });
  t.false(fs.existsSync(cfg(h, 'e')));
});

test('vserver-info tags', (t) => {
  const h = tmpHost();
  guest(h, 'i', 1001);
  t.deepEqual(run(h, 'vserver-info', ['-q', 'i', 'RUNNING']), { code: 1, out: '', err: '' });
  run(h, 'vserver', ['i', 'start']);
  t.deepEqual(run(h, 'vserver-info', ['i', 'RUNNING']).out, '1\n');
  t.deepEqual(run(h, 'vserver-info', ['i', 'CONTEXT']).out, '1001\n');
  t.deepEqual(run(h, 'vserver-info', ['1001', 'XIDTYPE']).out, 'static\n');
  t.is(run(h, 'vserver-info', ['-', 'FEATURE']).code, 1);
  t.regex(run(h, 'vserver-info', ['-', 'SYSINFO']).out, /^ {19}VS-API: 0x00020308$/m);
});

test('rsync from a remote source is simulated; a missing local source is an error', (t) => {
  const h = tmpHost();
  t.is(run(h, 'vserver', ['r1', 'build', '-m', 'rsync', '--context', '3001', '--', '--source', 'build.example.org::images/x/']).code, 0);
  const missing = run(h, 'vserver', ['r2', 'build', '-m', 'rsync', '--context', '3002', '--', '--source', '/vservers/nosuch']);
  t.is(missing.code, 1);
  t.is(missing.err, "vserver-build.rsync: Source '/vservers/nosuch' does not exist\n");
});
