// Measures goals on demand and, once started, at each goal's interval. A goal never has two measurements in
// flight, and Lighthouse runs one at a time across goals: two Chromiums on a small machine would slow each
// other down and make both scores wrong.
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { realClock, type Clock } from '../../core/clock';
import type { Disposable } from '../uptime/uptimeScheduler';
import { goalKey, type GoalHistory, type GoalMeasurement } from './goalHistory';
import { measureHttpJson } from './httpJsonGoal';
import { lighthouseMetricValue, runLighthouse, type LighthouseMetrics, type LighthouseOptions } from './lighthouse';
import { messageOf } from '../../core/errors';

export type MeasureFunction = (goal: GoalConfig, signal: AbortSignal) => Promise<{ value: number; lighthouse?: LighthouseMetrics }>;

export interface GoalRunnerOptions {
  clock?: Clock;
  random?: () => number;
  /** Records every measurement and tells when each goal was last measured (so a reload keeps the rhythm). */
  history?: GoalHistory;
  /** How Lighthouse is found and run (CLI path, folders to resolve it from, Chromium, timeout). */
  lighthouse?: Omit<LighthouseOptions, 'signal'>;
  /** Replaces the real measurement (tests of the scheduling). */
  measure?: MeasureFunction;
  /** Goals never measured are first measured within this long after start(). */
  initialSpreadMs?: number;
}

export interface GoalMeasurementEvent {
  goal: GoalConfig;
  measurement: GoalMeasurement;
}

export const DEFAULT_GOAL_INTERVAL_S: Record<GoalConfig['source'], number> = { lighthouse: 6 * 3600, 'http-json': 15 * 60 };

interface GoalState {
  goal: GoalConfig;
  /** When the latest measurement started; before the first one, history's last measurement time. */
  lastAt?: number;
  timer?: unknown;
  inFlight?: Promise<GoalMeasurement>;
  abort?: AbortController;
}

export class GoalRunner {
  private readonly states = new Map<string, GoalState>();
  private readonly listeners = new Set<(event: GoalMeasurementEvent) => void>();
  private readonly clock: Clock;
  private readonly measure: MeasureFunction;
  private lighthouseQueue: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(
    goals: readonly GoalConfig[],
    private readonly options: GoalRunnerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.measure = options.measure ?? ((goal, signal) => this.measureForReal(goal, signal));
    for (const goal of goals) this.states.set(goalKey(goal), { goal });
  }

  onMeasurement(listener: (event: GoalMeasurementEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get goals(): GoalConfig[] {
    return [...this.states.values()].map((s) => s.goal);
  }

  isMeasuring(name: string): boolean {
    return this.stateNamed(name)?.inFlight !== undefined;
  }

  /** Measures now, or joins the measurement already running; undefined for an unknown goal name. */
  measureNow(name: string): Promise<GoalMeasurement> | undefined {
    const state = this.stateNamed(name);
    return state ? this.run(state) : undefined;
  }

  measureAll(): Promise<GoalMeasurement[]> {
    return Promise.all([...this.states.values()].map((state) => this.run(state)));
  }

  /** Starts measuring at intervals: each goal at its last measurement + interval, or soon if never measured. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const state of this.states.values()) this.schedule(state);
  }

  stop(): void {
    this.running = false;
    for (const state of this.states.values()) this.halt(state);
  }

  updateGoals(goals: readonly GoalConfig[]): void {
    const next = new Map(goals.map((goal) => [goalKey(goal), goal]));
    for (const [key, state] of this.states) {
      if (next.has(key)) continue;
      this.halt(state);
      this.states.delete(key);
    }
    for (const [key, goal] of next) {
      const state = this.states.get(key);
      if (state) {
        const intervalChanged = intervalMs(state.goal) !== intervalMs(goal);
        state.goal = goal;
        if (intervalChanged && !state.inFlight) {
          this.clock.clearTimeout(state.timer);
          state.timer = undefined;
          this.schedule(state);
        }
        continue;
      }
      const created: GoalState = { goal };
      this.states.set(key, created);
      this.schedule(created);
    }
  }

  private stateNamed(name: string): GoalState | undefined {
    for (const state of this.states.values()) if (state.goal.name === name) return state;
    return undefined;
  }

  private schedule(state: GoalState): void {
    if (!this.running || state.inFlight || state.timer !== undefined) return;
    const now = this.clock.now();
    const last = state.lastAt ?? this.options.history?.lastMeasuredAt(state.goal);
    const spread = (this.options.random ?? Math.random)() * (this.options.initialSpreadMs ?? 30_000);
    const due = last !== undefined ? Math.max(last + intervalMs(state.goal), now) : now + spread;
    state.timer = this.clock.setTimeout(() => {
      state.timer = undefined;
      void this.run(state);
    }, Math.round(due - now));
  }

  private run(state: GoalState): Promise<GoalMeasurement> {
    if (state.inFlight) return state.inFlight;
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    const abort = new AbortController();
    state.abort = abort;
    const { goal } = state;
    state.lastAt = this.clock.now();
    const inFlight = (async (): Promise<GoalMeasurement> => {
      const at = this.clock.now();
      const started = performance.now();
      const durationMs = () => Math.round(performance.now() - started);
      try {
        const { value, lighthouse } = await this.measure(goal, abort.signal);
        return { at, value, durationMs: durationMs(), ...(lighthouse ? { lighthouse } : {}) };
      } catch (error) {
        return { at, error: messageOf(error), durationMs: durationMs() };
      }
    })().then((measurement) => {
      state.inFlight = undefined;
      state.abort = undefined;
      // A goal removed or a runner stopped mid-measurement records nothing.
      if (!abort.signal.aborted) {
        this.options.history?.record(goal, measurement);
        for (const listener of this.listeners) listener({ goal, measurement });
        this.schedule(state);
      }
      return measurement;
    });
    state.inFlight = inFlight;
    return inFlight;
  }

  private async measureForReal(goal: GoalConfig, signal: AbortSignal): Promise<{ value: number; lighthouse?: LighthouseMetrics }> {
    if (goal.source === 'http-json') return { value: await measureHttpJson(goal, { signal }) };
    const url = goal.url;
    if (!url) throw new Error(`Goal "${goal.name}" needs the url of the page Lighthouse should measure.`);
    const run = this.lighthouseQueue.then(() => {
      if (signal.aborted) throw new Error('Measurement cancelled.');
      return runLighthouse(url, { ...this.options.lighthouse, signal });
    });
    this.lighthouseQueue = run.catch(() => undefined);
    const lighthouse = await run;
    return { value: lighthouseMetricValue(lighthouse, goal.metric), lighthouse };
  }

  private halt(state: GoalState): void {
    this.clock.clearTimeout(state.timer);
    state.timer = undefined;
    state.abort?.abort();
  }
}

export function intervalMs(goal: GoalConfig): number {
  return (goal.interval ?? DEFAULT_GOAL_INTERVAL_S[goal.source]) * 1000;
}
