import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';

const author = { name: 'test', email: 'test@example.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };

/** A repository in `dir` on branch main (or `branch`) with one commit. */
export async function initRepo(dir: string, branch = 'main'): Promise<string> {
  await git.init({ fs, dir, defaultBranch: branch });
  return commitFile(dir, 'guests/a.yaml', 'name: a\n', 'initial');
}

/** Writes a file, stages and commits it; returns the new commit id. */
export async function commitFile(dir: string, file: string, content: string, message: string): Promise<string> {
  await fs.promises.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await fs.promises.writeFile(path.join(dir, file), content);
  await git.add({ fs, dir, filepath: file });
  return git.commit({ fs, dir, message, author: { ...author, timestamp: author.timestamp + Math.floor(Math.random() * 1e6) } });
}
