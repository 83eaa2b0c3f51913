import { promises as fsp } from 'node:fs';
import path from 'node:path';

export type MkdirFs = Pick<typeof fsp, 'mkdir' | 'chmod'>;

/**
 * Creates `dir` and its missing parents, each with exactly `mode`, whatever
 * the umask (mkdir(2) applies the umask; chmod(2) does not). Directories that
 * exist already are left as they are.
 */
export async function mkdirMode(dir: string, mode: number, fs: MkdirFs = fsp): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode });
  if (first === undefined) return; // nothing created
  // mkdir -p created `first` and everything below it on the way to `dir`
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fs.chmod(d, mode);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
}
