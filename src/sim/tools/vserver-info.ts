/** vserver-info (UV src/vserver-info.c): the tags the project and the transcript use. */
import fs from 'node:fs';
import path from 'node:path';
import { loadKernel } from '../store.js';
import { ctxTasks, KERNEL_UTS } from '../kernel-state.js';
import type { ToolCtx } from '../tool-io.js';
import { vserverName } from './vserver-stat.js';

const FEATURES = ['VKILL', 'IATTR', 'RLIMIT', 'COMPAT', 'MIGRATE', 'NAMESPACE', 'SCHED', 'VINFO', 'VHI', 'VSHELPER0', 'VSHELPER', 'VWAIT', 'VNET', 'PPTAG', 'SPACES', 'PERSISTENT', 'PIVOT_ROOT', 'MEMCG'];

export function sysinfo(h: ToolCtx['host']): string {
  return (
    'Versions:\n' +
    `                   Kernel: ${KERNEL_UTS.release}\n` +
    '                   VS-API: 0x00020308\n' +
    '                      VCI: 0x0000000013001f11\n' +
    '             util-vserver: 0.30.215; Nov 24 2026, 09:57:53\n\n' +
    'Paths:\n' +
    '                   prefix: /usr\n' +
    `            cfg-Directory: ${h.paths.etcVservers}\n` +
    `       pkgstate-Directory: ${h.paths.runDir}\n` +
    `          vserver-Rootdir: ${h.paths.vserversRoot}\n`
  );
}

export function vserverInfo(ctx: ToolCtx, argv: string[]): number {
  let quiet = false;
  const args = argv.filter((a) => {
    if (a === '-q') quiet = true;
    else if (a === '-l') return false;
    else return true;
    return false;
  });
  const say = (s: string) => {
    if (!quiet) ctx.io.out(s + '\n');
    return 0;
  };
  const [who, tag, ...rest] = args;
  if (who === undefined || (tag ?? 'SYSINFO').toUpperCase() === 'SYSINFO') {
    if (!quiet) ctx.io.out(sysinfo(ctx.host));
    return 0;
  }
  const T = tag.toUpperCase();
  if (T === 'APIVER') return say('0x00020308');
  if (T === 'FEATURE') return rest[0] && FEATURES.includes(rest[0].toUpperCase()) ? 0 : 1;
  const s = loadKernel(ctx.host);
  const cfgdir = who.startsWith('/') ? who : path.join(ctx.host.paths.etcVservers, who);
  let xid: number | undefined;
  if (/^\d+$/.test(who)) xid = Number(who);
  else {
    try {
      xid = Number(fs.readFileSync(path.join(ctx.host.paths.runDir, path.basename(cfgdir)), 'utf8').trim());
    } catch {
      xid = undefined;
    }
  }
  const c = xid !== undefined ? s.contexts[xid] : undefined;
  const running = c !== undefined && ctxTasks(c) > 0 && (/^\d+$/.test(who) || c.uts?.context === cfgdir);
  switch (T) {
    case 'RUNNING':
      return running ? say('1') : 1;
    case 'CONTEXT':
    case 'XID':
      return running ? say(String(xid)) : 1;
    case 'INITPID':
      return running && c!.initPid > 0 ? say(String(c!.initPid)) : 1;
    case 'NAME':
      return fs.existsSync(cfgdir) ? say(vserverName(cfgdir)) : 1;
    case 'CFGDIR':
      return fs.existsSync(cfgdir) ? say(cfgdir) : 1;
    case 'VDIR': {
      try {
        return say(fs.realpathSync(path.join(cfgdir, 'vdir')));
      } catch {
        return 1;
      }
    }
    case 'ID':
      if (/^\d+$/.test(who)) return say(who);
      return fs.existsSync(path.join(cfgdir, 'context')) ? say(fs.readFileSync(path.join(cfgdir, 'context'), 'utf8').split('\n')[0].trim()) : 1;
    case 'XIDTYPE': {
      const n = Number(who);
      return say(n === 0 ? 'main' : n === 1 ? 'watch' : n >= 2 && n <= 65535 ? 'static' : 'invalid');
    }
    default:
      return 1;
  }
}
