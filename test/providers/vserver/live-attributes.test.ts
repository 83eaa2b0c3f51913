import test from 'ava';
import { liveAttributeTokens } from '../../../src/providers/vserver/live-attributes.js';
import type { GuestSpec } from '../../../src/model/guest.js';

const spec = (flags: string[], bcaps: string[] = [], ccaps: string[] = []): GuestSpec => ({
  name: 'g', context: 2, nodename: 'g', runState: 'running', startOnBoot: false, initStyle: 'sysv',
  interfaces: [], flags, bcaps, ccaps, limits: {}, cgroup: {}, fstab: [],
});

const cases: [string, GuestSpec, GuestSpec, { flags: string[]; bcaps: string[]; ccaps: string[] }][] = [
  ['added flag is set', spec([]), spec(['virt_mem']), { flags: ['virt_mem'], bcaps: [], ccaps: [] }],
  ['removed non-default flag is cleared', spec(['virt_mem']), spec([]), { flags: ['~virt_mem'], bcaps: [], ccaps: [] }],
  ['removed negation of a start default restores it', spec(['~fakeinit']), spec([]), { flags: ['fakeinit'], bcaps: [], ccaps: [] }],
  ['removed negation of a non-default is left alone', spec(['~virt_mem']), spec([]), { flags: [], bcaps: [], ccaps: [] }],
  ['removed secure bcap negation restores it', spec([], ['~CHOWN']), spec([]), { flags: [], bcaps: ['CHOWN'], ccaps: [] }],
  ['removed extra bcap is cleared', spec([], ['NET_ADMIN']), spec([]), { flags: [], bcaps: ['~NET_ADMIN'], ccaps: [] }],
  ['removed secure ccap stays (start default)', spec([], [], ['raw_icmp']), spec([]), { flags: [], bcaps: [], ccaps: [] }],
  ['removed numeric items are cleared (no name needed)', spec([], ['^40'], ['0x1000']), spec([]), { flags: [], bcaps: [], ccaps: ['~0x1000'] }],
  ['removed pseudo flag default stays (both bits are set at start)', spec(['default', 'virt_mem']), spec(['virt_mem']), { flags: ['virt_mem'], bcaps: [], ccaps: [] }],
  ['removed ~default sets its bits again', spec(['~default']), spec([]), { flags: ['default'], bcaps: [], ccaps: [] }],
  ['a removed multi-bit item is reverted bit by bit, before what git asks for', spec([], [], ['all']), spec([], [], ['syslog']),
    // --secure sets ccaps 0x4101 (bits 0, 8, 14; reference §5.4): every other bit is cleared
    { flags: [], bcaps: [], ccaps: [...Array.from({ length: 64 }, (_, b) => b).filter((b) => ![0, 8, 14].includes(b)).map((b) => `~^${b}`), 'syslog'] }],
];

for (const [title, before, after, expected] of cases) {
  test(title, (t) => t.deepEqual(liveAttributeTokens(before, after), expected));
}
