/** Timers a poller or scheduler uses; tests pass a virtual clock (test/support/virtualClock.ts). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers hold 32 bits of milliseconds (~24.8 days); a longer delay fires at once, so it is capped. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay Node's setTimeout keeps: at most MAX_TIMER_MS (a 600 h stage timeout waits 24.8 days, not 1 ms). */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, timerDelay(ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
