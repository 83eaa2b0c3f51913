import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isVsError } from '../../../src/errors.js';
import {
  canonicalIPv6,
  ipv4MaskToPrefix,
  LIMIT_ROWS,
  parseCacct,
  parseCvirt,
  parseLimit,
  parseNetInfo,
  parseNetStatus,
  parseNsProxy,
  parseSched,
  parseVciInfo,
  parseVirtualStatus,
  parseXidInfo,
  parseXidStatus,
  type LimitRow,
} from '../../../src/providers/vserver/proc-parse.js';
import { LIVE } from './fixtures.js';

/*
 * Every LIVE file of every phase is parsed and then printed again with the
 * kernel's printf formats (written here, independently of the simulator).
 * Equality with the captured bytes proves that every value was read. Lines
 * with kernel pointers are left out of the comparison: they are never parsed.
 */

const pad = (v: number | string, w: number) => String(v).padStart(w);
const hx = (v: bigint, w: number) => v.toString(16).padStart(w, '0');
const lim = (v: number | 'inf') => (v === 'inf' ? -1 : v);
const POINTER_LINE = /^(Info|NSProxy|Namespace):\t/;

function withoutPointers(text: string): string {
  return text
    .split('\n')
    .filter((l) => !POINTER_LINE.test(l))
    .join('\n');
}

type Printer = (text: string, file: string) => string;

const printers: Record<string, Printer> = {
  'virtual/info': (t, f) => {
    const i = parseVciInfo(t, f);
    return `VCIVersion:\t${i.vciVersion}\nVCISyscall:\t${i.syscall}\nVCIKernel:\t${i.kernelConfig}\n`;
  },
  'virtual/status': (t, f) => {
    const s = parseVirtualStatus(t, f);
    let out = `#CTotal:\t${s.cTotal}\n#CActive:\t${s.cActive}\n`;
    if (s.nsProxy) out += `#NSProxy:\t${s.nsProxy[0]}\t${s.nsProxy.slice(1).join(' ')}\n`;
    if (s.initTask) out += `#InitTask:\t${s.initTask[0]}\t${s.initTask.slice(1).join(' ')}\n`;
    return out;
  },
  'xid/info': (t, f) => {
    const i = parseXidInfo(t, f);
    return `ID:\t${i.id}\nInit:\t${i.init}\nOOM:\t${i.oom}\n`;
  },
  'xid/status': (t, f) => {
    const s = parseXidStatus(t, f);
    return (
      `UseCnt:\t${s.useCnt}\nTasks:\t${s.tasks}\nFlags:\t${hx(s.flags, 16)}\nBCaps:\t${hx(s.bcaps, 16)}\n` +
      `CCaps:\t${hx(s.ccaps, 16)}\nUmask:\t${pad(s.umask!.toString(16), 16)}\nWmask:\t${pad(s.wmask!.toString(16), 16)}\n` +
      `Spaces:\t${s.spaces.map((x) => hx(x, 8)).join(' ')}\n`
    );
  },
  'xid/limit': (t, f) => {
    const rows = parseLimit(t, f);
    let out = 'Limit\t current\t     min/max\t\t    soft/hard\t\thits\n';
    for (const name of LIMIT_ROWS) {
      const r = rows[name] as LimitRow;
      out += `${name}:\t${pad(r.current, 8)}\t${pad(r.min, 8)}/${pad(r.max, 8)}\t${pad(lim(r.soft), 8)}/${pad(lim(r.hard), 8)}\t${pad(r.hits, 6)}\n`;
    }
    return out;
  },
  'xid/sched': (t, f) => {
    const s = parseSched(t, f);
    return `PrioBias:\t${pad(s.prioBias, 8)}\n` + s.cpus.map((c) => `cpu ${c.cpu}: ${c.user} ${c.sys} ${c.hold} ${c.prioBias}\n`).join('');
  },
  'xid/cvirt': (t, f) => {
    const c = parseCvirt(t, f);
    return (
      `BiasUptime:\t${c.biasUptime}\nnr_threads:\t${c.nrThreads}\nnr_running:\t${c.nrRunning}\nnr_unintr:\t${c.nrUnintr}\n` +
      `nr_onhold:\t${c.nrOnhold}\nload_updates:\t${c.loadUpdates}\nloadavg:\t${c.loadavg.join(' ')}\ntotal_forks:\t${c.totalForks}\n`
    );
  },
  'xid/cacct': (t, f) => {
    const c = parseCacct(t, f);
    let out = 'Type\t    recv #/bytes\t\t   send #/bytes\t\t    fail #/bytes\n';
    for (const type of ['UNSPEC', 'UNIX', 'INET', 'INET6', 'PACKET', 'OTHER']) {
      const s = c.sockets[type]!;
      out += `${type}:` + [s.recv, s.send, s.fail].map((x) => `\t${pad(x.count, 10)}/${String(x.bytes).padEnd(10)}`).join('') + '\n';
    }
    out += `\nslab:\t ${c.slab.map((x) => pad(x, 8)).join(' ')}\n\n`;
    c.pages.forEach((p, i) => {
      out += `page[${i}]: ${p.slice(0, 4).map((x) => pad(x, 8)).join(' ')}\t ${p.slice(4).map((x) => pad(x, 8)).join(' ')}\n`;
    });
    return out;
  },
  'xid/nsproxy': (t, f) => {
    const n = parseNsProxy(t, f);
    if (n === null) return '';
    let out = `RootPath:\t${n.rootPath}\n`;
    if (n.uts) {
      const u = n.uts;
      out += `SysName:\t${u.sysname}\nNodeName:\t${u.nodename}\nRelease:\t${u.release}\nVersion:\t${u.version}\nMachine:\t${u.machine}\nDomainName:\t${u.domainname ?? '(none)'}\n`;
      out += `SEMS:\t\t${n.sems!.slice(0, 4).join(' ')}  ${n.sems![4]}\nMSG:\t\t${n.msg!.join(' ')}\nSHM:\t\t${n.shm![0]} ${n.shm![1]}  ${n.shm![2]} ${n.shm![3]}\n`;
    }
    return out;
  },
  'net/info': (t, f) => {
    const n = parseNetInfo(t, f);
    return (
      `ID:\t${n.id}\nBcast:\t${n.bcast}\nLback:\t${n.lback}\n` +
      n.v4.map((a) => `${a.index}:\t[${a.address}-${a.rangeEnd ?? '0.0.0.0'}/${a.mask}:${a.type}]\n`).join('')
    );
  },
  'net/status': (t, f) => {
    const s = parseNetStatus(t, f);
    return `UseCnt:\t${s.useCnt}\nTasks:\t${s.tasks}\nFlags:\t${hx(s.flags, 16)}\nNCaps:\t${hx(s.ncaps, 16)}\n`;
  },
};

function kindOf(rel: string): string {
  const p = rel.split('/');
  if (p[0] === 'virtnet') return p.length === 2 ? (p[1] === 'info' ? 'virtual/info' : 'virtual/status') : `net/${p[2]}`;
  if (p.length === 2) return `virtual/${p[1]}`;
  return `xid/${p[2] === 'nsproxy1' ? 'nsproxy' : p[2]}`;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const liveFiles = fs
  .readdirSync(LIVE)
  .flatMap((phase) => walk(path.join(LIVE, phase, 'proc')).map((abs) => ({ phase, rel: path.relative(path.join(LIVE, phase, 'proc'), abs), abs })));

test('the LIVE capture is all there (74 files, every kind covered)', (t) => {
  t.is(liveFiles.length, 74);
  t.deepEqual([...new Set(liveFiles.map((f) => kindOf(f.rel)))].sort(), Object.keys(printers).sort());
});

for (const f of liveFiles) {
  test(`LIVE ${f.phase}/${f.rel}: every value parsed (re-printed byte for byte)`, (t) => {
    const text = fs.readFileSync(f.abs, 'utf8');
    const printed = printers[kindOf(f.rel)]!(text, f.abs);
    // one LIVE cvirt carries an extra trailing newline from the capture; compare up to trailing blank lines
    t.is(printed.replace(/\n+$/, '\n'), withoutPointers(text).replace(/\n+$/, '\n').replace(/^\n$/, ''));
  });
}

const read = (rel: string) => fs.readFileSync(path.join(LIVE, rel), 'utf8');

test('guest 1001 status: the running test and masks', (t) => {
  const s = parseXidStatus(read('guest/proc/virtual/1001/status'));
  t.is(s.tasks, 2);
  t.is(s.flags, 0x1402020010n);
  t.is(s.bcaps, 0xffffffffb44c04ffn);
  t.is(s.ccaps, 0x4101n);
  t.is(s.umask, 0n);
  t.deepEqual(s.spaces, [0x0c020200n, 0x00020200n]);
});

test('persistent context 42 with no process still counts one task', (t) => {
  const s = parseXidStatus(read('ctx/proc/virtual/42/status'));
  t.is(s.tasks, 1);
  t.is(s.flags, 0x4700030100n);
  t.is(s.bcaps, 0x8000003fffdfffffn);
});

test('limit: -1 is inf; soft and hard as configured live', (t) => {
  const g = parseLimit(read('guest/proc/virtual/1001/limit'));
  t.deepEqual(g.PROC, { current: 2, min: 0, max: 2, soft: 120, hard: 150, hits: 0 });
  t.is(g.FILES!.hard, 'inf');
  t.is(Object.keys(g).length, 15);
  const c = parseLimit(read('ctx/proc/virtual/42/limit'));
  t.deepEqual([c.PROC!.soft, c.PROC!.hard, c.FILES!.soft, c.FILES!.hard], [90, 100, 1024, 1024]);
});

test('nsproxy: UTS block, (none) domain is unset, nsproxy1 has NULL uts/ipc, bare contexts are empty', (t) => {
  const n = parseNsProxy(read('guest/proc/virtual/1001/nsproxy'))!;
  t.is(n.uts!.nodename, 'guest1');
  t.is(n.uts!.domainname, 'example.org');
  t.is(n.uts!.version, '#3 SMP Tue Nov 24 10:18:21 UTC 2026');
  t.deepEqual(n.has, { mnt: true, uts: true, ipc: true });
  t.is(n.mntRefs, 1);
  t.is(n.shm![0], 18446744073692774399n);
  const n1 = parseNsProxy(read('guest/proc/virtual/1001/nsproxy1'))!;
  t.deepEqual(n1.has, { mnt: true, uts: false, ipc: false });
  t.is(n1.uts, undefined);
  t.is(n1.mntRefs, 2);
  t.is(parseNsProxy(read('ctx/proc/virtual/42/nsproxy')), null);
  const none = read('guest/proc/virtual/1001/nsproxy').replace('example.org', '(none)');
  t.false('domainname' in parseNsProxy(none)!.uts!);
});

test('virtnet info: addresses with prefixes, Bcast/Lback', (t) => {
  const n = parseNetInfo(read('guest/proc/virtnet/1001/info'));
  t.is(n.id, 1001);
  t.is(n.lback, '127.3.233.1');
  t.deepEqual(
    n.v4.map((a) => [a.address, a.prefix, a.type]),
    [
      ['192.168.77.11', 24, '0010'],
      ['10.77.0.11', 32, '0010'],
    ],
  );
  t.deepEqual(parseNetStatus(read('guest/proc/virtnet/1001/status')), { useCnt: 3, tasks: 2, flags: 0x406000200n, ncaps: 0x100n });
});

test('virtnet info: IPv6 entries (reference example) and G2 lines', (t) => {
  const g4 = parseNetInfo(
    'ID:\t1022\nInfo:\tffff88003b1c2800\nBcast:\t255.255.255.255\nLback:\t127.3.254.1\n0:\t[10.0.0.22-0.0.0.0/255.255.255.0:0010]\n' +
      '0:\t[2001:41d0:0001:c174:0000:0000:0000:0022/ffff:ffff:ffff:ffff:0000:0000:0000:0000/64:0010]\n',
  );
  t.deepEqual(g4.v6, [{ index: 0, address: '2001:41d0:1:c174::22', prefix: 64, type: '0010' }]);
  const g2 = parseNetInfo('ID:\t1022\nInfo:\tffff81003b1c2800\n0:\t10.0.0.22/255.255.255.0\n');
  t.deepEqual(g2.v4.map((a) => [a.address, a.prefix]), [['10.0.0.22', 24]]);
  t.is(g2.bcast, undefined);
});

test('G2 variants: status with one Spaces mask, 3-line virtual/status, token-bucket sched', (t) => {
  const s = parseXidStatus('UseCnt:\t44\nTasks:\t17\nFlags:\t0000001602020010\nBCaps:\t00000000b44c04ff\nCCaps:\t0000000000004101\nSpaces:\t0c020000\n');
  t.is(s.umask, undefined);
  t.deepEqual(s.spaces, [0x0c020000n]);
  t.deepEqual(parseVirtualStatus('#CTotal:\t3\n#CActive:\t2\n#NSProxy:\t40\t31 4 4 4\n'), { cTotal: 3, cActive: 2, nsProxy: [40, 31, 4, 4, 4] });
  const sched = parseSched(
    'FillRate:\t       1,1\nInterval:\t       4,8\nTokensMin:\t      15\nTokensMax:\t     500\nPrioBias:\t       0\ncpu 0: 10234 3120 0 0 0 R- 412 15 500 1/4 1/8 0 0\n',
  );
  t.is(sched.generation, 'G2');
  t.deepEqual([sched.fillRate, sched.interval, sched.tokensMin, sched.tokensMax], [[1, 1], [4, 8], 15, 500]);
  t.deepEqual(sched.cpus[0], { cpu: 0, user: 10234, sys: 3120, hold: 0, prioBias: 0 });
});

const malformed: [string, () => unknown, RegExp][] = [
  ['status without Tasks', () => parseXidStatus('UseCnt:\t1\nFlags:\t0\nBCaps:\t0\nCCaps:\t0\n', '/p/status'), /\/p\/status: missing "Tasks:"/],
  ['status with a non-hex Flags', () => parseXidStatus('UseCnt:\t1\nTasks:\t1\nFlags:\tzz\nBCaps:\t0\nCCaps:\t0\n', 's'), /Flags: not a hex number/],
  ['limit with an unknown row', () => parseLimit('FOO:\t1\t0/1\t-1/-1\t0\n', 'l'), /unknown limit row "FOO"/],
  ['info with a bad VCIVersion', () => parseVciInfo('VCIVersion:\t2.3\nVCISyscall:\t236\nVCIKernel:\t0\n', 'i'), /VCIVersion/],
  ['virtnet address line garbage', () => parseNetInfo('ID:\t5\n0:\t[garbage]\n', 'n'), /unexpected address line/],
];
for (const [name, fn, msg] of malformed) {
  test(`malformed input is a HOST error naming the file: ${name}`, (t) => {
    const err = t.throws(fn);
    t.true(isVsError(err, 'HOST'));
    t.regex(err!.message, msg);
  });
}

test('address helpers: mask → prefix, RFC 5952 IPv6', (t) => {
  t.is(ipv4MaskToPrefix('255.255.255.128'), 25);
  t.is(ipv4MaskToPrefix('0.0.0.0'), 0);
  t.is(ipv4MaskToPrefix('255.0.255.0'), undefined);
  t.is(canonicalIPv6('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  t.is(canonicalIPv6('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  t.is(canonicalIPv6('2001:db8::'), '2001:db8::');
  t.is(canonicalIPv6('1:2:3:4:5:6:7::'), '1:2:3:4:5:6:7:0');
  t.is(canonicalIPv6('1::2::3'), undefined);
});

test('G1 limit rows (no header, current/max/limit/hits)', (t) => {
  const rows = parseLimit('PROC:\t        17\t        21\t       300\t     0\nVM:\t     52311\t     61443\t        -1\t     0\n');
  t.deepEqual(rows.PROC, { current: 17, min: 0, max: 21, soft: 300, hard: 300, hits: 0 });
  t.is(rows.VM!.hard, 'inf');
});

test('observed IPv6 text matches the manifest normalization (else an applied guest plans a restart forever)', async (t) => {
  const { canonicalIPv6: desiredForm } = await import('../../../src/desired/address.js');
  for (const ip of ['::ffff:192.0.2.1', '::FFFF:C000:0201', '0:0:0:0:0:ffff:c000:201', '2001:db8:0:0:1:0:0:1', '2001:DB8::', '::1', '::', 'fe80::1:0:0:0', '1:0:0:2:0:0:0:3', '::192.0.2.1', '64:ff9b::192.0.2.1']) {
    t.is(canonicalIPv6(ip), desiredForm(ip), ip);
  }
  t.is(canonicalIPv6('::ffff:c000:201'), '::ffff:192.0.2.1');
});
