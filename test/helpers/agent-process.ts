/**
 * The real agent (`vsgitops run`) as a child process: its JSON log lines
 * parsed as they arrive, and polling helpers with deadlines.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { CLI } from './e2e.js';

export type LogLine = Record<string, unknown> & { message: string; level: string };

export class AgentProcess {
  readonly lines: LogLine[] = [];
  /** stderr lines that were not JSON (startup errors are printed plainly) */
  readonly other: string[] = [];
  private partial = '';
  readonly exited: Promise<{ exitCode: number | undefined; signal: string | undefined }>;

  private constructor(readonly child: ResultPromise) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.trim()) continue;
        try {
          this.lines.push(JSON.parse(l) as LogLine);
        } catch {
          this.other.push(l);
        }
      }
    });
    this.exited = child.then(
      (r) => ({ exitCode: r.exitCode, signal: r.signal }),
      (r: { exitCode?: number; signal?: string }) => ({ exitCode: r.exitCode, signal: r.signal }),
    );
  }

  /** Starts `node dist/src/cli/main.js run ARGS`. Log lines are JSON (stderr is a pipe). */
  static start(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): AgentProcess {
    const child = execa(process.execPath, [CLI, 'run', ...args], {
      reject: false,
      cwd: opts.cwd,
      env: { ...opts.env },
      stdin: 'ignore',
      buffer: false,
    });
    return new AgentProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** `pass` log lines so far (one per reconcile pass). */
  passes(): LogLine[] {
    return this.lines.filter((l) => l.message === 'pass');
  }

  /** All stderr text so far, for failure messages. */
  text(): string {
    return [...this.lines.map((l) => JSON.stringify(l)), ...this.other, this.partial].join('\n');
  }

  async waitLog(pred: (l: LogLine) => boolean, what: string, ms = 20_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await until(() => (found = this.lines.find(pred)) !== undefined, `${what}\n--- agent log ---\n${this.text().slice(-4000)}`, ms);
    return found!;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}

/** Polls `cond` every 25 ms until it holds; throws with `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string | (() => string), ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface StatusFile {
  lastAttemptedRevision: string | null;
  lastAppliedRevision: string | null;
  lastPass: { trigger: string; result: string; revision: string | null; error?: { code: string; message: string } };
  drift: { kind: string; guest?: string }[];
  guests: { name: string; conditions: { type: string; status: boolean; reason: string }[] }[];
}

/** DIR/var/lib/vsgitops/status.json (the default state directory of `--host sim:DIR`), or null before the first pass. */
export async function readStatus(stateDir: string): Promise<StatusFile | null> {
  try {
    return JSON.parse(await fsp.readFile(path.join(stateDir, 'status.json'), 'utf8')) as StatusFile;
  } catch {
    return null;
  }
}

/** A GitHub push notification, signed like GitHub does (X-Hub-Signature-256 over the raw body). */
export async function sendGithubPush(url: string, secret: string, ref: string, after: string, opts: { badSignature?: boolean } = {}): Promise<number> {
  const body = JSON.stringify({ ref, after, repository: { full_name: 'ops/hosts' } });
  const sig = createHmac('sha256', opts.badSignature ? secret + 'x' : secret).update(body).digest('hex');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sig}` },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** The hard PROC limit in /proc/virtual/XID/limit on the simulated host (null while the context does not exist). */
export async function procLimit(sim: string, xid: number): Promise<number | null> {
  try {
    const text = await fsp.readFile(path.join(sim, 'proc/virtual', String(xid), 'limit'), 'utf8');
    const row = text.split('\n').find((l) => l.startsWith('PROC:'));
    // PROC:  current  min/ max  soft/ hard  hits
    const m = row?.match(/(-?\d+)\/\s+(-?\d+)\s+\d+\s*$/);
    return m ? Number(m[2]) : null;
  } catch {
    return null;
  }
}
