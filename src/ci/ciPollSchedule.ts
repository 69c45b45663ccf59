// When to ask the CI providers again. A hidden view with nothing watched costs no request at all; a
// visible idle view asks once a minute (GitHub answers 304 for unchanged data, which is not counted
// against the rate limit); a run in progress that the user sees or follows is asked every 10 s; a
// shrinking rate budget or a server's Retry-After stretches the wait.
import type { RateBudget } from './ciModel';

export interface PollingInput {
  visible: boolean;
  /** A run the user follows (its log, or a run started from Conveyor) is still in progress. */
  watchingActiveRun: boolean;
  /** Some run shown is queued or running. */
  anyActiveRun: boolean;
  budget?: RateBudget;
  /** From a 429/secondary rate limit or an error's back-off. */
  retryAfterMs?: number;
  now: number;
}

export const IDLE_POLL_MS = 60_000;
export const ACTIVE_POLL_MS = 10_000;
const LOW_BUDGET_FRACTION = 0.1;

/** Milliseconds until the next request, or undefined for none. */
export function nextPollDelay(input: PollingInput): number | undefined {
  if (!input.visible && !input.watchingActiveRun) return undefined;
  let delay = input.watchingActiveRun || input.anyActiveRun ? ACTIVE_POLL_MS : IDLE_POLL_MS;
  if (input.retryAfterMs !== undefined) delay = Math.max(delay, input.retryAfterMs);
  const budget = input.budget;
  if (budget && budget.limit > 0 && budget.remaining <= budget.limit * LOW_BUDGET_FRACTION) {
    // Spread what is left over the time until the reset, and never poll faster than the idle pace.
    const untilReset = Math.max(0, budget.resetAt - input.now);
    delay = budget.remaining <= 1 ? Math.max(delay, untilReset) : Math.max(delay, IDLE_POLL_MS, Math.ceil(untilReset / budget.remaining));
  }
  return delay;
}
