import type { PassResult, PassResultKind } from '../../../src/reconciler/pass-types.js';
import type { PassFn, PassRequest } from '../../../src/agent/types.js';

export function passResult(kind: PassResultKind, trigger: string, revision: string | null = 'rev1'): PassResult {
  return {
    id: 'p',
    trigger,
    startedAt: new Date(0).toISOString(),
    finishedAt: new Date(0).toISOString(),
    durationMs: 0,
    revision,
    appliedRevision: kind === 'applied' || kind === 'unchanged' ? revision : null,
    result: kind,
    drift: [],
    guests: [],
  };
}

/**
 * A scripted pass: each call records its request and waits until the test
 * finishes it with `finish(kind)` (or resolves at once when `auto` is set).
 */
export class FakePass {
  readonly calls: PassRequest[] = [];
  private resolvers: ((r: PassResult) => void)[] = [];
  auto: PassResultKind | null = null;
  revision: string | null = 'rev1';

  readonly fn: PassFn = (req) => {
    this.calls.push(req);
    if (this.auto) return Promise.resolve(passResult(this.auto, req.trigger, this.revision));
    return new Promise((resolve) => this.resolvers.push(resolve));
  };

  get inFlight(): number {
    return this.resolvers.length;
  }

  finish(kind: PassResultKind): void {
    const r = this.resolvers.shift();
    if (!r) throw new Error('no pass in flight');
    r(passResult(kind, this.calls[this.calls.length - 1]!.trigger, this.revision));
  }
}
