// Runs every uptime check at its interval, on the shared periodic scheduler: each check has at most one probe
// in flight; the next probe is planned when the previous one ends, so a slow endpoint skips a slot instead of
// stacking probes. Intervals carry ±jitter and first probes are spread out, so 100 checks never fire in the
// same tick.
import type { UptimeCheckConfig } from '../../core/config/conveyorConfig';
import { DEFAULT_INTERVAL_S, probe, type ProbeResult } from './probe';
import { statusOf, type UptimeStatus } from './uptimeStats';

import { realClock, type Clock } from '../../core/clock';
import { messageOf } from '../../core/errors';
import { Emitter, type Event } from '../../core/events';
import { PeriodicScheduler } from '../../core/scheduler';

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

const checkKey = (check: UptimeCheckConfig) => `${check.name}\n${check.url}`;

export class UptimeScheduler {
  private readonly scheduler: PeriodicScheduler<UptimeCheckConfig, ProbeResult>;
  /** Each check's status by key; kept while the check's name and URL stay. */
  private readonly statuses = new Map<string, UptimeStatus>();
  private readonly results = new Emitter<UptimeResultEvent>();
  private readonly transitions = new Emitter<UptimeTransition>();

  readonly onResult: Event<UptimeResultEvent> = this.results.event;
  readonly onTransition: Event<UptimeTransition> = this.transitions.event;

  constructor(
    checks: readonly UptimeCheckConfig[],
    private readonly options: UptimeSchedulerOptions = {},
  ) {
    const clock = options.clock ?? realClock;
    const probeFunction = options.probe ?? ((check, signal) => probe(check, { signal, now: () => clock.now() }));
    for (const check of checks) this.statuses.set(checkKey(check), this.knownStatus(check));
    this.scheduler = new PeriodicScheduler(checks, {
      key: checkKey,
      intervalMs: (check) => (check.interval ?? DEFAULT_INTERVAL_S) * 1000,
      run: (check, signal) => {
        const startedAt = clock.now();
        return probeFunction(check, signal).catch((error: unknown): ProbeResult => ({
          at: startedAt,
          ok: false,
          latencyMs: 0,
          reason: messageOf(error),
        }));
      },
      onResult: (check, result) => this.report(check, result),
      lastRunAt: (check) => options.lastKnown?.(check)?.at,
      clock,
      random: options.random,
      jitter: options.jitter ?? 0.1,
      initialSpreadMs: options.initialSpreadMs ?? 15_000,
      whenOverdue: 'spread',
      unfocusedFactor: options.unfocusedFactor,
      unfocusedMinimumMs: options.unfocusedMinimumMs,
    });
  }

  get checks(): UptimeCheckConfig[] {
    return this.scheduler.items;
  }

  status(name: string): UptimeStatus {
    const check = this.checkNamed(name);
    return (check && this.statuses.get(checkKey(check))) ?? 'unknown';
  }

  isProbing(name: string): boolean {
    const check = this.checkNamed(name);
    return check !== undefined && this.scheduler.isInFlight(checkKey(check));
  }

  start(): void {
    this.scheduler.start();
  }

  /** Cancels timers and probes in flight; a cancelled probe reports nothing. */
  stop(): void {
    this.scheduler.stop();
  }

  /** Applies a new configuration: checks with the same name and URL keep their status and schedule. */
  updateChecks(checks: readonly UptimeCheckConfig[]): void {
    const keys = new Set(checks.map(checkKey));
    for (const key of this.statuses.keys()) if (!keys.has(key)) this.statuses.delete(key);
    for (const check of checks) if (!this.statuses.has(checkKey(check))) this.statuses.set(checkKey(check), this.knownStatus(check));
    this.scheduler.update(checks);
  }

  /** An unfocused window probes less often; regaining focus restores the interval (and probes what is overdue). */
  setFocused(focused: boolean): void {
    this.scheduler.setFocused(focused);
  }

  /** Probes now (joining the probe in flight if there is one); undefined for an unknown check name. */
  probeNow(name: string): Promise<ProbeResult> | undefined {
    const check = this.checkNamed(name);
    return check && this.scheduler.runNow(checkKey(check));
  }

  /** The interval in force for a check, in ms, given focus. */
  intervalMs(check: UptimeCheckConfig): number {
    return this.scheduler.intervalMs(check);
  }

  private knownStatus(check: UptimeCheckConfig): UptimeStatus {
    return this.options.lastKnown?.(check)?.status ?? 'unknown';
  }

  private checkNamed(name: string): UptimeCheckConfig | undefined {
    return this.scheduler.items.find((check) => check.name === name);
  }

  private report(check: UptimeCheckConfig, result: ProbeResult): void {
    const key = checkKey(check);
    const from = this.statuses.get(key) ?? 'unknown';
    const to = statusOf(result);
    this.statuses.set(key, to);
    this.results.fire({ check, result });
    if (from === to || (from === 'unknown' && to === 'up')) return;
    this.transitions.fire({ check, from, to, result });
  }
}
