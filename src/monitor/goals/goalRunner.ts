// Measures goals on demand and, once started, at each goal's interval (on the shared periodic scheduler). A
// goal never has two measurements in flight, and Lighthouse runs one at a time across goals: two Chromiums on
// a small machine would slow each other down and make both scores wrong.
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { realClock, type Clock } from '../../core/clock';
import { Emitter, type Event } from '../../core/events';
import { PeriodicScheduler } from '../../core/scheduler';
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

export class GoalRunner {
  private readonly scheduler: PeriodicScheduler<GoalConfig, GoalMeasurement>;
  private readonly measured = new Emitter<GoalMeasurementEvent>();
  private readonly measure: MeasureFunction;
  private lighthouseQueue: Promise<unknown> = Promise.resolve();

  readonly onMeasurement: Event<GoalMeasurementEvent> = this.measured.event;

  constructor(
    goals: readonly GoalConfig[],
    private readonly options: GoalRunnerOptions = {},
  ) {
    const clock = options.clock ?? realClock;
    this.measure = options.measure ?? ((goal, signal) => this.measureForReal(goal, signal));
    this.scheduler = new PeriodicScheduler(goals, {
      key: goalKey,
      intervalMs,
      run: (goal, signal) => this.measureOnce(goal, signal, clock),
      onResult: (goal, measurement) => {
        options.history?.record(goal, measurement);
        this.measured.fire({ goal, measurement });
      },
      lastRunAt: (goal) => options.history?.lastMeasuredAt(goal),
      clock,
      random: options.random,
      initialSpreadMs: options.initialSpreadMs ?? 30_000,
      // Measurements are hours apart: one that is due is worth taking now.
      whenOverdue: 'run',
    });
  }

  get goals(): GoalConfig[] {
    return this.scheduler.items;
  }

  isMeasuring(name: string): boolean {
    const goal = this.goalNamed(name);
    return goal !== undefined && this.scheduler.isInFlight(goalKey(goal));
  }

  /** Measures now, or joins the measurement already running; undefined for an unknown goal name. */
  measureNow(name: string): Promise<GoalMeasurement> | undefined {
    const goal = this.goalNamed(name);
    return goal && this.scheduler.runNow(goalKey(goal));
  }

  measureAll(): Promise<GoalMeasurement[]> {
    return Promise.all(this.scheduler.items.map((goal) => this.scheduler.runNow(goalKey(goal))!));
  }

  /** Starts measuring at intervals: each goal at its last measurement + interval, or soon if never measured. */
  start(): void {
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  updateGoals(goals: readonly GoalConfig[]): void {
    this.scheduler.update(goals);
  }

  private goalNamed(name: string): GoalConfig | undefined {
    return this.scheduler.items.find((goal) => goal.name === name);
  }

  /** One measurement; a failure is a measurement with an error, so it is recorded and shown like any other. */
  private async measureOnce(goal: GoalConfig, signal: AbortSignal, clock: Clock): Promise<GoalMeasurement> {
    const at = clock.now();
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const { value, lighthouse } = await this.measure(goal, signal);
      return { at, value, durationMs: durationMs(), ...(lighthouse ? { lighthouse } : {}) };
    } catch (error) {
      return { at, error: messageOf(error), durationMs: durationMs() };
    }
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
}

export function intervalMs(goal: GoalConfig): number {
  return (goal.interval ?? DEFAULT_GOAL_INTERVAL_S[goal.source]) * 1000;
}
