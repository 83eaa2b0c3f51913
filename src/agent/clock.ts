import type { Clock, TimerHandle } from './types.js';

/** The real clock. Timers stay referenced: a pending resync or poll keeps the agent alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    return { id: setTimeout(fn, Math.max(0, ms)) };
  },
  clearTimeout(handle: TimerHandle) {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
};
