/**
 * Replays the LIVE command transcript against a fresh simulated host through
 * the real shim executables, and compares outputs, exit codes and the
 * resulting /proc trees with the LIVE by-phase captures (pointers and
 * kernel-internal counters masked).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runShim } from '../helpers/run-shim.js';
import { simInit } from '../../src/sim/init.js';
import { GUEST1_EXTRA, LIVE, listFiles, tmpDir, writeFiles } from './helpers.js';
import { cursor, parseTranscript } from './transcript.js';

/** Masks what the simulation cannot (and need not) reproduce: pointers, counters, timings. */
export function maskProc(rel: string, text: string): string {
  let t = text.replace(/ffff[0-9a-f]{12}/g, 'PTR');
  const base = path.basename(rel);
  if (rel.endsWith('virtual/status')) t = t.replace(/^(#NSProxy:|#InitTask:)\t.*$/gm, '$1\tN');
  if (base === 'limit') t = t.replace(/^(\w+:\t)\s*-?\d+\t\s*-?\d+\/\s*-?\d+/gm, '$1C');
  if (base === 'sched') t = t.replace(/^cpu (\d+): .*$/gm, 'cpu $1: T');
  if (base === 'cvirt') t = t.replace(/^(BiasUptime|load_updates|total_forks):\t.*$/gm, '$1:\tX').replace(/\n\n$/, '\n');
  if (base === 'info' && rel.includes('virtual/')) t = t.replace(/^Init:\t[1-9]\d*$/m, 'Init:\tPID');
  return t;
}

function compareProc(t: import('ava').ExecutionContext, dir: string, phase: string): void {
  const liveRoot = path.join(LIVE, 'by-phase', phase, 'proc');
  const simRoot = path.join(dir, 'proc');
  const liveFiles = listFiles(liveRoot);
  t.deepEqual(listFiles(simRoot), liveFiles, `${phase}: same /proc file set`);
  for (const rel of liveFiles) {
    const live = maskProc(rel, fs.readFileSync(path.join(liveRoot, rel), 'utf8'));
    const sim = maskProc(rel, fs.readFileSync(path.join(simRoot, rel), 'utf8'));
    t.is(sim, live, `${phase}: ${rel}`);
  }
}

const NOISE = '/usr/share/util-vserver/functions: line 83: cd: /usr/local: No such file or directory\n';
/** vserver-stat rows: keep CTX, PROC, VSZ and NAME; RSS and the times are measurements. */
const maskStat = (s: string) => s.replace(/^(\d+\s+\d+\s+\S+)\s+\S+\s+\S+\s+\S+\s+\S+ (.*)$/gm, '$1 RSS TIMES $2');
const maskInitPid = (s: string) => s.replace(/^CIPid:\t\d+$/m, 'CIPid:\tPID');

test('transcript replay through the shims', async (t) => {
  const dir = tmpDir('e2e');
  simInit(dir, { name: 'live' });
  const bin = path.join(dir, 'bin');
  const next = cursor(parseTranscript());
  const sh = async (argv: string[], input = '') => {
    // taken at exit: a started guest's init keeps the shim's stdout/stderr open (like execa, drop one final newline)
    const r = await runShim(path.join(bin, argv[0]), argv.slice(1), { input });
    const strip = (x: string) => x.replace(/\n$/, '');
    return { code: r.exitCode ?? -1, text: (r.stderr ? strip(r.stderr) + '\n' : '') + (r.stdout ? strip(r.stdout) + '\n' : '') };
  };
  const local = (s: string) => s.split(path.join(dir, 'etc/vservers')).join('/etc/vservers');
  /** Runs the transcript's command `line` (argv = its words unless given) and compares output and exit code. */
  const replay = async (line: string, opts: { argv?: string[]; mask?: (s: string) => string; outputs?: boolean } = {}) => {
    const block = next(line);
    const argv = opts.argv ?? line.split(' ');
    const r = await sh(argv);
    t.is(r.code, block.rc, `rc of ${line}`);
    if (opts.outputs === false) return;
    const m = opts.mask ?? ((s: string) => s);
    t.is(m(local(r.text)), m(block.output.split(NOISE).join('')), `output of ${line}`);
  };

  // phase "ctx": bare contexts 42 (persistent, no process) and 43 (one sleep)
  await replay('vcontext --create --xid 42 -- vattribute --set --flag persistent -- true');
  await replay('vlimit --xid 42 -a -d');
  await replay('vlimit --xid 42 --rss 65536 --nproc 100 -S --nproc 90 --nofile 1024 --as 262144');
  await replay('vlimit --xid 42 -a -d');
  await replay('vsched --xid 42 --fill-rate 1 --interval 4 --tokens 100 --tokens-min 50 --tokens-max 200');
  await replay('vsched --xid 42 --prio-bias 2');
  await replay('vattribute --xid 42 --get');
  await replay('vattribute --xid 42 --set --flag sched_hard --flag virt_mem --flag virt_uptime --bcap ~SYS_ADMIN --ccap SET_UTSNAME');
  await replay('vattribute --xid 42 --get');
  await replay('vuname --xid 42 --set -t nodename=ctx42 -t domainname=example');
  await replay('vuname --xid 42 --get');
  const c43 = await sh(['vcontext', '--create', '--xid', '43', '--', 'sleep', '300']);
  t.is(c43.text, 'New security context is 43\n');
  await replay('vserver-stat');
  compareProc(t, dir, 'ctx');

  // phase "guest": util-vserver guest1
  await replay('vserver guest1 build -m skeleton --context 1001 --hostname guest1 --initstyle plain');
  const cfg = path.join(dir, 'etc/vservers/guest1');
  const files = next('find /etc/vservers/guest1 -type f -exec sh -c echo "--- $1"; cat "$1" _ {} ;').output;
  for (const [, rel, body] of files.matchAll(/^--- \/etc\/vservers\/guest1\/(\S+)\n((?:(?!---).*\n)*)/gm)) {
    t.is(fs.readFileSync(path.join(cfg, rel), 'utf8'), body, `built ${rel}`);
  }
  t.deepEqual(listFiles(cfg).filter((f) => fs.lstatSync(path.join(cfg, f)).isFile()).sort(), ['apps/init/style', 'context', 'fstab', 'name', 'uts/nodename']);
  for (const l of ['cache', 'run', 'vdir']) t.true(fs.lstatSync(path.join(cfg, l)).isSymbolicLink(), l);
  for (const d of ['interfaces', 'cpuset']) t.deepEqual(fs.readdirSync(path.join(cfg, d)), [], d);
  t.deepEqual(fs.readdirSync(path.join(dir, 'vservers/guest1')).sort(), ['bin', 'dev', 'etc', 'proc', 'sbin', 'tmp', 'var']);
  writeFiles(cfg, GUEST1_EXTRA);
  await replay('timeout 120 vserver guest1 start', { argv: ['vserver', 'guest1', 'start'] });
  await replay('vserver guest1 status');
  await replay('vserver guest1 running');
  await replay('vserver-stat', { mask: maskStat });
  await replay('vserver guest1 exec hostname');
  await replay('vserver guest1 exec cat /proc/self/vinfo', { mask: maskInitPid });
  await replay('vserver guest1 exec cat /proc/self/ninfo');
  await replay('naddress --help');
  await replay('vlimit -c 1001 -a -d');
  await replay('vattribute --xid 1001 --get');
  await replay('vuname --xid 1001 --get');
  await replay('vuname --xid 1001 --set -t domainname=example.org');
  await replay('vuname --xid 1001 --get');
  await replay('vlimit -c 1001 --nproc 150 -S --nproc 120');
  await replay('vlimit -c 1001 -a -d');
  t.deepEqual(fs.readFileSync(path.join(dir, 'dev/cgroup/guest1/cpu.shares'), 'utf8'), '1024\n');
  compareProc(t, dir, 'guest');

  // phase "after": guest1 stopped (the LIVE stop printed busybox's kill timeout; only the exit code is compared)
  await replay('timeout 60 vserver guest1 stop', { argv: ['vserver', 'guest1', 'stop'], outputs: false });
  await replay('vserver guest1 status');
  await replay('vserver-stat');
  t.false(fs.existsSync(path.join(dir, 'dev/cgroup/guest1')));
  t.false(fs.existsSync(path.join(dir, 'run/vservers/guest1')));
  compareProc(t, dir, 'after');

  // after-stop: guest2 has sched/ (fails on G4), guest3 rlimits/rss (warns), guest4 cgroup files
  for (const [n, xid] of [['guest2', 1002], ['guest3', 1003], ['guest4', 1004]] as const) {
    const b = await sh(['vserver', n, 'build', '-m', 'skeleton', '--context', String(xid), '--hostname', n, '--initstyle', 'plain']);
    t.is(b.code, 0, b.text);
  }
  fs.mkdirSync(path.join(dir, 'etc/vservers/guest2/sched'));
  writeFiles(path.join(dir, 'etc/vservers/guest3'), { 'rlimits/rss': '10000\n' });
  writeFiles(path.join(dir, 'etc/vservers/guest4'), { 'cgroup/memory.limit_in_bytes': '67108864\n', 'cgroup/cpu.shares': '512\n' });
  await replay('timeout 60 vserver guest2 start', { argv: ['vserver', 'guest2', 'start'] });
  await replay('vserver guest2 status');
  await replay('timeout 60 vserver guest3 start', { argv: ['vserver', 'guest3', 'start'] });
  await replay('vserver guest3 status');
  await replay('timeout 60 vserver guest4 start', { argv: ['vserver', 'guest4', 'start'] });
  await replay('vserver guest4 status');
  const cg = next('sh -c cat /dev/cgroup/guest4/memory.limit_in_bytes /dev/cgroup/guest4/cpu.shares').output;
  t.is(['memory.limit_in_bytes', 'cpu.shares'].map((f) => fs.readFileSync(path.join(dir, 'dev/cgroup/guest4', f), 'utf8')).join(''), cg);
  await replay('vserver-stat', { mask: maskStat });
});
