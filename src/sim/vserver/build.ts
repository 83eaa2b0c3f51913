/** `vserver NAME build` (UV scripts/vserver-build + vserver-setup.functions), simulated: no network. */
import fs from 'node:fs';
import path from 'node:path';
import { readScalar, writeText } from '../config-files.js';
import { loadKernel, locked } from '../store.js';
import { checkpoint, fail, type ToolCtx } from '../tool-io.js';
import type { GuestRef } from './guest.js';
import { extractTemplate, parseTemplateArgs } from './template.js';

export const BUILD_METHODS = ['legacy', 'apt-rpm', 'yum', 'urpmi', 'rpm', 'skeleton', 'debootstrap', 'template', 'fai', 'rsync', 'clone'];
/** util-vserver's packaged fstab (TAB separated, ✔LIVE bytes). */
export const DEFAULT_FSTAB =
  'none\t/proc\t\tproc\tdefaults\t\t0 0\nnone\t/tmp\t\ttmpfs\tsize=16m,mode=1777\t0 0\nnone\t/dev/pts\tdevpts\tgid=5,mode=620\t\t0 0\n';

export interface BuildOptions {
  method?: string;
  force: boolean;
  context?: string;
  hostname?: string;
  initstyle?: string;
  flags?: string;
  interfaces: string[];
  netdev?: string;
  netbcast?: string;
  netmask?: string;
  netprefix?: string;
  lockfile?: string;
  rootdir?: string;
  cpuset?: string;
  cpusetcpus?: string;
  cpusetmems?: string;
  methodArgs: string[];
}

const VALUE_OPTS: Record<string, keyof BuildOptions> = {
  '-m': 'method', '--context': 'context', '--hostname': 'hostname', '--initstyle': 'initstyle', '--flags': 'flags',
  '--netdev': 'netdev', '--netbcast': 'netbcast', '--netmask': 'netmask', '--netprefix': 'netprefix',
  '--lockfile': 'lockfile', '--rootdir': 'rootdir', '--cpuset': 'cpuset', '--cpusetcpus': 'cpusetcpus', '--cpusetmems': 'cpusetmems',
};

export function parseBuildArgs(argv: string[]): BuildOptions | string {
  const o: BuildOptions = { force: false, interfaces: [], methodArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.methodArgs = argv.slice(i + 1);
      break;
    }
    if (a === '--force') o.force = true;
    else if (['--keep', '--i-know-its-there', '--cpusetvirt'].includes(a)) continue;
    else if (a === '--interface') o.interfaces.push(argv[++i] ?? '');
    else if (a === '--confdir' || a === '--pkgbase') i++;
    else if (VALUE_OPTS[a]) (o as unknown as Record<string, string>)[VALUE_OPTS[a]] = argv[++i] ?? '';
    else return `vserver-build: unknown option '${a}'\n`;
  }
  return o;
}

/** `[<name>=][<dev>:]<ip>[/<mask|prefix>]` (the device part never looks like an IPv6 group). */
export function parseInterfaceArg(spec: string): { label?: string; dev?: string; ip: string; mask?: string; prefix?: string } {
  let rest = spec;
  let label: string | undefined;
  const eq = rest.indexOf('=');
  if (eq >= 0) {
    label = rest.slice(0, eq);
    rest = rest.slice(eq + 1);
  }
  let dev: string | undefined;
  const colon = rest.indexOf(':');
  if (colon > 0) {
    const head = rest.slice(0, colon);
    if (!/^[0-9a-fA-F]{0,4}$/.test(head) || head === 'nodev') {
      dev = head;
      rest = rest.slice(colon + 1);
    }
  }
  const [ip, m] = rest.split('/', 2);
  return { label, dev, ip, mask: m?.includes('.') ? m : undefined, prefix: m !== undefined && !m.includes('.') ? m : undefined };
}

/** The simulated host's file system is rooted at its directory: host paths resolve below it. */
function onHost(root: string, p: string): string {
  return path.isAbsolute(p) ? path.join(root, p) : p;
}

/** rsync sources like `host::module/` or `host:/path` or `rsync://…` are fetched over the network: simulated. */
function isRemoteRsyncSource(src: string): boolean {
  return /^[a-z]+:\/\//i.test(src) || /^[^/]*::/.test(src) || /^[^/]+:/.test(src);
}

function methodCheck(o: BuildOptions, root: string): string | undefined {
  const args = o.methodArgs;
  const val = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  switch (o.method) {
    case 'debootstrap':
      return val('-d') ? undefined : 'vserver-build.debootstrap: No distribution specified\n';
    case 'template': {
      const t = parseTemplateArgs(args);
      if (typeof t === 'string') return t;
      return t.templates.length > 0 ? undefined : 'vserver-build.template: No template specified\n';
    }
    case 'clone':
    case 'rsync': {
      const src = val('--source');
      if (!src) return `vserver-build.${o.method}: No source specified\n`;
      if (o.method === 'rsync' && isRemoteRsyncSource(src)) return undefined;
      return fs.existsSync(onHost(root, src)) ? undefined : `vserver-build.${o.method}: Source '${src}' does not exist\n`;
    }
    default:
      return undefined;
  }
}

/** The minimal guest root the skeleton method creates (device nodes as empty files: no mknod without root). */
export function writeGuestRoot(vdir: string, hostname?: string): void {
  for (const d of ['bin', 'etc', 'proc', 'sbin', 'tmp', 'var/run']) fs.mkdirSync(path.join(vdir, d), { recursive: true });
  populateDev(vdir);
  fs.writeFileSync(path.join(vdir, 'etc', 'hosts'), `127.0.0.1\tlocalhost${hostname ? `\n127.0.0.1\t${hostname}` : ''}\n`);
}

/** populateDev (UV vserver-build.functions): dev/pts, dev/shm and the device entries (empty files: no mknod without root). */
export function populateDev(vdir: string): void {
  for (const d of ['dev/pts', 'dev/shm']) fs.mkdirSync(path.join(vdir, d), { recursive: true });
  for (const n of ['full', 'null', 'ptmx', 'random', 'tty', 'urandom', 'zero']) fs.writeFileSync(path.join(vdir, 'dev', n), '');
  const links: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', 'fd/0'], ['stdout', 'fd/1'], ['stderr', 'fd/2']];
  for (const [n, t] of links) {
    try {
      fs.symlinkSync(t, path.join(vdir, 'dev', n));
    } catch {
      /* exists */
    }
  }
}

export function build(ctx: ToolCtx, g: GuestRef, argv: string[]): number {
  const o = parseBuildArgs(argv);
  if (typeof o === 'string') fail(ctx, 1, o);
  if (!o.method) fail(ctx, 1, 'No build-method specified\n');
  if (!BUILD_METHODS.includes(o.method)) fail(ctx, 1, `Unknown build-method '${o.method}'\n`);
  const mErr = methodCheck(o, ctx.host.paths.root);
  if (mErr) fail(ctx, 1, mErr);
  const p = ctx.host.paths;
  return locked(ctx.host, () => {
    const s = loadKernel(ctx.host);
    if (o.context !== undefined) {
      if (!/^\d+$/.test(o.context)) fail(ctx, 1, `Invalid context '${o.context}'\n`);
      if (s.contexts[o.context]) fail(ctx, 1, `Context '${o.context}' is already in use. Please select another one.\n`);
    }
    const vdirbase = o.rootdir ?? path.join(p.etcVservers, '.defaults', 'vdirbase');
    const vdir = path.join(vdirbase, g.name);
    const vdirBusy = fs.existsSync(vdir) && fs.readdirSync(vdir).length > 0;
    if (vdirBusy || fs.existsSync(g.cfgdir)) {
      if (!o.force) fail(ctx, 1, `vserver-topdirectory '${vdir}' and/or configuration at '${g.cfgdir}' exist already; please try to use '--force', or remove them manually.\n`);
      const epoch = Math.floor(ctx.host.now() / 1000);
      for (const x of [vdir, g.cfgdir]) {
        if (!fs.existsSync(x)) continue;
        fs.renameSync(x, `${x}.~${epoch}~`);
        ctx.io.out(`Renamed '${x}' to '${x}.~${epoch}~'\n`);
      }
    }
    let context = o.context;
    const defaults = path.join(p.etcVservers, '.defaults');
    if (context === undefined && !fs.existsSync(path.join(defaults, 'context.dynamic'))) {
      const next = Number(readScalar(path.join(defaults, 'context.next')) ?? readScalar(path.join(defaults, 'context.start')) ?? '40000');
      context = String(next);
      writeText(path.join(defaults, 'context.next'), `${next + 1}\n`);
    }
    const w = (rel: string, text: string) => writeText(path.join(g.cfgdir, rel), text);
    fs.mkdirSync(path.join(g.cfgdir, 'apps', 'init'), { recursive: true });
    w('name', `${g.name}\n`);
    if (context !== undefined) w('context', `${context}\n`);
    checkpoint(ctx); // die-halfway leaves this half config dir
    fs.mkdirSync(path.join(g.cfgdir, 'uts'), { recursive: true });
    fs.mkdirSync(path.join(g.cfgdir, 'interfaces'), { recursive: true });
    fs.mkdirSync(path.join(g.cfgdir, 'cpuset'), { recursive: true });
    if (o.hostname !== undefined) w('uts/nodename', `${o.hostname}\n`);
    if (o.netdev !== undefined) w('interfaces/dev', `${o.netdev}\n`);
    if (o.netmask !== undefined) w('interfaces/mask', `${o.netmask}\n`);
    if (o.netprefix !== undefined) w('interfaces/prefix', `${o.netprefix}\n`);
    if (o.netbcast !== undefined) w('interfaces/bcast', `${o.netbcast}\n`);
    o.interfaces.forEach((spec, idx) => {
      const it = parseInterfaceArg(spec);
      const d = `interfaces/${idx}`;
      fs.mkdirSync(path.join(g.cfgdir, d), { recursive: true });
      w(`${d}/ip`, `${it.ip}\n`);
      if (it.label) w(`${d}/name`, `${it.label}\n`);
      if (it.dev && it.dev !== 'nodev') w(`${d}/dev`, `${it.dev}\n`);
      else {
        if (!it.dev && o.netdev === undefined) ctx.io.out(`No device specified for interface '${idx}'; setting 'nodev'\n`);
        if (it.dev === 'nodev' || o.netdev === undefined) w(`${d}/nodev`, '');
      }
      if (it.mask) w(`${d}/mask`, `${it.mask}\n`);
      if (it.prefix) w(`${d}/prefix`, `${it.prefix}\n`);
    });
    if (o.initstyle !== undefined) w('apps/init/style', `${o.initstyle}\n`);
    if (o.cpuset !== undefined) w('cpuset/name', `${o.cpuset}\n`);
    if (o.cpusetcpus !== undefined) w('cpuset/cpus', `${o.cpusetcpus.split(':')[0]}\n`);
    if (o.cpusetmems !== undefined) w('cpuset/mems', `${o.cpusetmems.split(':')[0]}\n`);
    if (o.flags !== undefined) w('cflags', o.flags.split(',').filter(Boolean).map((f) => f + '\n').join(''));
    let fstab = DEFAULT_FSTAB;
    try {
      fstab = fs.readFileSync(path.join(defaults, 'fstab'), 'utf8');
    } catch {
      /* packaged default */
    }
    w('fstab', fstab);
    const link = (name: string, target: string) => fs.symlinkSync(target, path.join(g.cfgdir, name));
    link('run', o.lockfile ?? path.join(p.runDir, g.name));
    link('vdir', o.rootdir ? vdir : path.join(defaults, 'vdirbase', g.name));
    link('cache', path.join(defaults, 'cachebase', g.name));
    if (o.method !== 'template') {
      writeGuestRoot(vdir, o.hostname);
      return 0;
    }
    // vserver-build.template:70-87: extract each tarball inside vdir, then `rm -rf dev/*; populateDev`
    fs.mkdirSync(vdir, { recursive: true });
    const t = parseTemplateArgs(o.methodArgs) as { templates: string[] };
    for (const tpl of t.templates) {
      const shown = path.isAbsolute(tpl) ? tpl : path.join(process.cwd(), tpl);
      const bad = extractTemplate(onHost(p.root, shown), shown, vdir);
      if (bad) {
        // base.__cleanup (EXIT trap): the generated guest root and configuration go
        fs.rmSync(vdir, { recursive: true, force: true });
        fs.rmSync(g.cfgdir, { recursive: true, force: true });
        fail(ctx, bad.code, bad.stderr);
      }
    }
    fs.rmSync(path.join(vdir, 'dev'), { recursive: true, force: true });
    populateDev(vdir);
    return 0;
  });
}
