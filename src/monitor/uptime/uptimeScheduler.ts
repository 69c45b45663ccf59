// Runs every uptime check at its interval. Each check has at most one probe in flight; the next probe is
// planned when the previous one ends, so a slow endpoint skips a slot instead of stacking probes. Intervals
// carry ±jitter and first probes are spread out, so 100 checks never fire in the same tick.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { DEFAULT_INTERVAL_S, probe, type ProbeResult } from './probe';
import { jittered, statusOf, type UptimeStatus } from './uptimeStats';

import { realClock, type Clock } from '../../core/clock';
import { messageOf } from '../../core/errors';

export interface Disposable {
  dispose(): void;
}

export interface UptimeResultEvent {
  check: UptimeCheckConfig;
  result: ProbeResult;
}

/**
 * A check changed status: this is what the user is notified about. Fired once per change, never for
 * down→down. `unknown`→`up` (the first probe after start finds the site up) is not a recovery and does not
 * fire; `unknown`→`down` does, because a check that starts out down needs attention too. With `lastKnown`
 * seeded from history, a check that was down before a reload and is still down does not fire again.
 */
export interface UptimeTransition {
  check: UptimeCheckConfig;
  from: UptimeStatus;
  to: 'up' | 'down';
  result: ProbeResult;
}

export type ProbeFunction = (check: UptimeCheckConfig, signal: AbortSignal) => Promise<ProbeResult>;

export interface UptimeSchedulerOptions {
  clock?: Clock;
  /** Defaults to the real HTTP probe, timed with `clock.now`. */
  probe?: ProbeFunction;
  random?: () => number;
  /** Fraction of the interval each period varies by (0.1: ±10 %). */
  jitter?: number;
  /** First probes (and those due while the window was unfocused) are spread over up to this long. */
  initialSpreadMs?: number;
  /** While the window is unfocused the interval becomes max(interval × factor, minimum). */
  unfocusedFactor?: number;
  unfocusedMinimumMs?: number;
  /** The last recorded result of a check, so the schedule and transitions continue across reloads. */
  lastKnown?: (check: UptimeCheckConfig) => { status: UptimeStatus; at: number } | undefined;
}

interface CheckState {
  check: UptimeCheckConfig;
  status: UptimeStatus;
  /** When the latest probe started (or the last known result's time); the next one is planned from it. */
  lastStartAt?: number;
  /** This period's jitter multiplier; kept when only the focus changes, drawn anew after each probe. */
  jitterFactor: number;
  timer?: unknown;
  inFlight?: Promise<ProbeResult>;
  abort?: AbortController;
}

const checkKey = (check: UptimeCheckConfig) => `${check.name}\n${check.url}`;

export class UptimeScheduler {
  private readonly states = new Map<string, CheckState>();
  private readonly resultListeners = new Set<(event: UptimeResultEvent) => void>();
  private readonly transitionListeners = new Set<(event: UptimeTransition) => void>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly probeFunction: ProbeFunction;
  private running = false;
  private focused = true;

  constructor(
    checks: readonly UptimeCheckConfig[],
    private readonly options: UptimeSchedulerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.probeFunction = options.probe ?? ((check, signal) => probe(check, { signal, now: () => this.clock.now() }));
    for (const check of checks) this.states.set(checkKey(check), this.newState(check));
  }

  onResult(listener: (event: UptimeResultEvent) => void): Disposable {
    this.resultListeners.add(listener);
    return { dispose: () => this.resultListeners.delete(listener) };
  }

  onTransition(listener: (event: UptimeTransition) => void): Disposable {
    this.transitionListeners.add(listener);
    return { dispose: () => this.transitionListeners.delete(listener) };
  }

  get checks(): UptimeCheckConfig[] {
    return [...this.states.values()].map((s) => s.check);
  }

  status(name: string): UptimeStatus {
    return this.stateNamed(name)?.status ?? 'unknown';
  }

  isProbing(name: string): boolean {
    return this.stateNamed(name)?.inFlight !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const state of this.states.values()) this.schedule(state, 'spread');
  }

  /** Cancels timers and probes in flight; a cancelled probe reports nothing. */
  stop(): void {
    this.running = false;
    for (const state of this.states.values()) this.halt(state);
  }

  /** Applies a new configuration: checks with the same name and URL keep their status and schedule. */
  updateChecks(checks: readonly UptimeCheckConfig[]): void {
    const next = new Map(checks.map((check) => [checkKey(check), check]));
    for (const [key, state] of this.states) {
      if (next.has(key)) continue;
      this.halt(state);
      this.states.delete(key);
    }
    for (const [key, check] of next) {
      const state = this.states.get(key);
      if (!state) {
        const created = this.newState(check);
        this.states.set(key, created);
        if (this.running) this.schedule(created, 'spread');
        continue;
      }
      const intervalChanged = (state.check.interval ?? DEFAULT_INTERVAL_S) !== (check.interval ?? DEFAULT_INTERVAL_S);
      state.check = check;
      if (intervalChanged && this.running && !state.inFlight) this.reschedule(state);
    }
  }

  /** An unfocused window probes less often; regaining focus restores the interval (and probes what is overdue). */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (!this.running) return;
    for (const state of this.states.values()) if (!state.inFlight) this.reschedule(state);
  }

  /** Probes now (joining the probe in flight if there is one); undefined for an unknown check name. */
  probeNow(name: string): Promise<ProbeResult> | undefined {
    const state = this.stateNamed(name);
    return state ? this.run(state) : undefined;
  }

  /** The interval in force for a check, in ms, given focus. */
  intervalMs(check: UptimeCheckConfig): number {
    const base = (check.interval ?? DEFAULT_INTERVAL_S) * 1000;
    if (this.focused) return base;
    return Math.max(base * (this.options.unfocusedFactor ?? 4), this.options.unfocusedMinimumMs ?? 300_000);
  }

  private newState(check: UptimeCheckConfig): CheckState {
    const known = this.options.lastKnown?.(check);
    return {
      check,
      status: known?.status ?? 'unknown',
      ...(known ? { lastStartAt: known.at } : {}),
      jitterFactor: this.drawJitter(),
    };
  }

  private stateNamed(name: string): CheckState | undefined {
    for (const state of this.states.values()) if (state.check.name === name) return state;
    return undefined;
  }

  private drawJitter(): number {
    return jittered(1000, this.options.jitter ?? 0.1, this.random) / 1000;
  }

  private reschedule(state: CheckState): void {
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    this.schedule(state, 'spread');
  }

  /**
   * Plans the next probe from the last start. When that moment has passed: `spread` (first probe, focus
   * regained) picks a random moment in the next few seconds; `skip` (the probe outlasted its interval) waits
   * one whole interval from now.
   */
  private schedule(state: CheckState, whenLate: 'spread' | 'skip'): void {
    if (!this.running || state.inFlight || state.timer !== undefined) return;
    const now = this.clock.now();
    const interval = this.intervalMs(state.check);
    let due = state.lastStartAt !== undefined ? state.lastStartAt + interval * state.jitterFactor : -Infinity;
    if (due < now) {
      const spread = Math.min(interval, this.options.initialSpreadMs ?? 15_000);
      due = whenLate === 'spread' ? now + this.random() * spread : now + interval * state.jitterFactor;
    }
    state.timer = this.clock.setTimeout(() => {
      state.timer = undefined;
      void this.run(state);
    }, Math.max(0, Math.round(due - now)));
  }

  private run(state: CheckState): Promise<ProbeResult> {
    if (state.inFlight) return state.inFlight;
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    const abort = new AbortController();
    state.abort = abort;
    state.lastStartAt = this.clock.now();
    const startedAt = state.lastStartAt;
    const inFlight = this.probeFunction(state.check, abort.signal)
      .catch((error: unknown): ProbeResult => ({ at: startedAt, ok: false, latencyMs: 0, reason: messageOf(error) }))
      .then((result) => {
      state.inFlight = undefined;
      state.abort = undefined;
      // A check removed or a scheduler stopped while probing has nobody left to tell.
      if (!abort.signal.aborted) {
        this.report(state, result);
        state.jitterFactor = this.drawJitter();
        this.schedule(state, 'skip');
      }
      return result;
    });
    state.inFlight = inFlight;
    return inFlight;
  }

  private report(state: CheckState, result: ProbeResult): void {
    const from = state.status;
    const to = statusOf(result);
    state.status = to;
    for (const listener of this.resultListeners) listener({ check: state.check, result });
    if (from === to || (from === 'unknown' && to === 'up')) return;
    for (const listener of this.transitionListeners) listener({ check: state.check, from, to, result });
  }

  private halt(state: CheckState): void {
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    state.abort?.abort();
  }
}
