/**
 * `vserver NAME build -m template -- -t FILE…` (UV scripts/vserver-build.template):
 * every tarball is extracted into the guest root with the real `tar`, after
 * h2ext (UV src/h2ext.c + distrib/misc/h2ext.desc) has told how: gzip / bzip2 /
 * xz are decompressed and their content must be a tar archive; a plain tar is
 * read as is. Failures behave like the script (which runs under `set -e` and
 * whose EXIT trap base.__cleanup removes the generated guest, UV
 * scripts/vserver-build.functions:259-268):
 *  - a missing file: h2ext's open() fails — `h2ext: open("FILE"): No such file
 *    or directory`, exit 255 (wrapper_exit_code; `pipe=$(…)` under set -e);
 *  - a format h2ext does not know: `vserver-build.template: FILE: Unknown format`, exit 1
 *    (vserver-build.template:75-78);
 *  - an archive tar cannot read: tar's own messages and exit status (the
 *    pipeline `cat | gzip -d -c | tar -x --numeric-owner` returns tar's status).
 * Not LIVE-captured except the extraction itself (reference §10).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface TemplateArgs {
  templates: string[];
  distribution?: string;
}

/** getopt -o '+d:t:' --long debug,pkgmgmt,template:,nodevsanity (vserver-build.template:18-47). */
export function parseTemplateArgs(args: string[]): TemplateArgs | string {
  const out: TemplateArgs = { templates: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-t' || a === '--template') out.templates.push(args[++i] ?? '');
    else if (a.startsWith('--template=')) out.templates.push(a.slice('--template='.length));
    else if (a === '-d') out.distribution = args[++i];
    else if (['--debug', '--pkgmgmt', '--nodevsanity'].includes(a)) continue;
    else return `vserver-build.template: unrecognized option '${a}'\n`;
  }
  return out;
}

type Format = { kind: 'tar' } | { kind: 'compressed'; tool: 'gzip' | 'bzip2' | 'xz' } | { kind: 'unknown' };

/** h2ext.desc magic numbers: gzip 1f8b, bzip2 "BZh", xz fd377a585a00 at 0; "ustar" at 257. */
export function detectFormat(head: Buffer): Format {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'compressed', tool: 'gzip' };
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return { kind: 'compressed', tool: 'bzip2' };
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return { kind: 'compressed', tool: 'xz' };
  const ustar = head.subarray(257, 263).toString('latin1');
  if (ustar === 'ustar\0' || head.subarray(257, 265).toString('latin1') === 'ustar  \0') return { kind: 'tar' };
  return { kind: 'unknown' };
}

export type TemplateFailure = { code: number; stderr: string };

function run(cmd: string, args: string[], input: Buffer | undefined, cwd?: string): { status: number; stdout: Buffer; stderr: string } {
  try {
    const stdout = execFileSync(cmd, args, { input, cwd, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: Buffer; stderr?: Buffer; message: string };
    return { status: e.status ?? 1, stdout: e.stdout ?? Buffer.alloc(0), stderr: e.stderr?.toString() ?? e.message + '\n' };
  }
}

/**
 * Extracts one template into `vdir`. `shown` is the name as the script prints
 * it (the argument made absolute); `file` where it is read on this host.
 */
export function extractTemplate(file: string, shown: string, vdir: string): TemplateFailure | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : 'No such file or directory';
    return { code: 255, stderr: `h2ext: open("${shown}"): ${why}\n` };
  }
  const fmt = detectFormat(data);
  let tarInput = data;
  let stderr = '';
  if (fmt.kind === 'compressed') {
    const d = run(fmt.tool, ['-d', '-c'], data);
    stderr += d.stderr;
    if (detectFormat(d.stdout).kind !== 'tar') return { code: 1, stderr: `vserver-build.template: ${shown}: Unknown format\n` };
    tarInput = d.stdout;
  } else if (fmt.kind === 'unknown') {
    return { code: 1, stderr: `vserver-build.template: ${shown}: Unknown format\n` };
  }
  const t = run('tar', ['-x', '--numeric-owner'], tarInput, vdir);
  stderr += t.stderr;
  return t.status === 0 ? undefined : { code: t.status, stderr };
}
