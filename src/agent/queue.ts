/**
 * Pending pass requests. The loop is level-triggered: a request carries only
 * why it was made, never what changed, so any number of requests collapse
 * into one pending pass.
 */
export interface RequestOptions {
  /** the source saw a new revision (or, for a plain directory, a file change) */
  sourceChanged?: boolean;
  /** the revision the source now points at, when known */
  revision?: string | null;
}

export interface PendingPass {
  trigger: string;
  sourceChanged: boolean;
  revision: string | null | undefined;
}

export class RequestQueue {
  private triggers: string[] = [];
  private sourceChanged = false;
  private revision: string | null | undefined = undefined;

  add(trigger: string, opts: RequestOptions = {}): void {
    if (!this.triggers.includes(trigger)) this.triggers.push(trigger);
    if (opts.sourceChanged) this.sourceChanged = true;
    if (opts.revision !== undefined) this.revision = opts.revision;
  }

  get pending(): boolean {
    return this.triggers.length > 0;
  }

  get hasSourceChange(): boolean {
    return this.sourceChanged;
  }

  get latestRevision(): string | null | undefined {
    return this.revision;
  }

  /** Removes and returns everything pending as one pass. */
  take(): PendingPass | null {
    if (!this.pending) return null;
    const p: PendingPass = { trigger: this.triggers.join('+'), sourceChanged: this.sourceChanged, revision: this.revision };
    this.clear();
    return p;
  }

  clear(): void {
    this.triggers = [];
    this.sourceChanged = false;
    this.revision = undefined;
  }
}
