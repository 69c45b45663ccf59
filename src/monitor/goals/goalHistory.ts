// Measurements per goal, persisted one JSON file per goal, and what the Goals view shows from them: the
// value against the target, the trend, and a sparkline.
import * as path from 'node:path';
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { DebouncedWriter, historyFileName, loadJsonFile } from '../uptime/historyFile';
import type { LighthouseMetrics } from './lighthouse';
import { goalDirection } from './goalDirection';

export { goalDirection };

export interface GoalMeasurement {
  /** When the measurement started, ms since the epoch. */
  at: number;
  /** Absent when the measurement failed. */
  value?: number;
  /** Why it failed, one sentence. */
  error?: string;
  durationMs: number;
  /** All four Lighthouse numbers, whichever one the goal tracks. */
  lighthouse?: LighthouseMetrics;
}

export interface GoalProgress {
  /** 'up': higher is better. */
  direction: 'up' | 'down';
  value?: number;
  measuredAt?: number;
  previous?: number;
  change?: number;
  /** Relative to the previous value; undefined when that was 0. */
  changePercent?: number;
  /** Undefined without a target or a value. */
  met?: boolean;
  trend: 'better' | 'worse' | 'flat' | 'unknown';
  /** Set when the newest measurement failed (value then still shows the last good one). */
  lastError?: string;
  /** The last successful values, oldest first. */
  recent: number[];
  /** uPlot data for a sparkline: [seconds since the epoch, values]. */
  series: [number[], number[]];
}

/** What a goal measures; changing the target or direction keeps its history, changing what is read does not. */
export const goalKey = (goal: GoalConfig) =>
  [goal.name, goal.source, goal.url ?? '', goal.source === 'lighthouse' ? (goal.metric ?? 'performance') : (goal.valuePath ?? '')].join(
    '\n',
  );

/** Higher is better for a performance score and most business metrics; lower for LCP, TBT and CLS. */

export function isGoalMet(goal: GoalConfig, value: number | undefined): boolean | undefined {
  if (goal.target === undefined || value === undefined) return undefined;
  return goalDirection(goal) === 'up' ? value >= goal.target : value <= goal.target;
}

export function goalProgress(goal: GoalConfig, measurements: readonly GoalMeasurement[], recentCount = 20): GoalProgress {
  const direction = goalDirection(goal);
  const good = measurements.filter((m): m is GoalMeasurement & { value: number } => m.value !== undefined);
  const latest = good.at(-1);
  const previous = good.at(-2);
  const progress: GoalProgress = {
    direction,
    trend: 'unknown',
    recent: good.slice(-recentCount).map((m) => m.value),
    series: [good.map((m) => m.at / 1000), good.map((m) => m.value)],
  };
  const newest = measurements.at(-1);
  if (newest?.error) progress.lastError = newest.error;
  if (!latest) return progress;
  progress.value = latest.value;
  progress.measuredAt = latest.at;
  const met = isGoalMet(goal, latest.value);
  if (met !== undefined) progress.met = met;
  if (!previous) return progress;
  const change = latest.value - previous.value;
  progress.previous = previous.value;
  progress.change = change;
  if (previous.value !== 0) progress.changePercent = (change / Math.abs(previous.value)) * 100;
  progress.trend = change === 0 ? 'flat' : change > 0 === (direction === 'up') ? 'better' : 'worse';
  return progress;
}

export interface GoalHistoryOptions {
  maxMeasurements?: number;
  debounceMs?: number;
  onProblem?: (message: string) => void;
}

interface GoalHistoryFileV1 {
  version: 1;
  name: string;
  measurements: GoalMeasurement[];
}

export class GoalHistory {
  private readonly measurementsByGoal = new Map<string, GoalMeasurement[]>();
  private readonly writer: DebouncedWriter;

  constructor(
    private readonly dir: string,
    private readonly options: GoalHistoryOptions = {},
  ) {
    this.writer = new DebouncedWriter(options.debounceMs ?? 2000, (file, error) =>
      options.onProblem?.(`Goal history could not be saved to ${file}: ${error.message}`),
    );
  }

  /** Reads these goals' files and forgets other goals; returns the problems (corrupt files are moved aside). */
  async load(goals: readonly GoalConfig[]): Promise<string[]> {
    const problems: string[] = [];
    const wanted = new Set(goals.map(goalKey));
    for (const key of [...this.measurementsByGoal.keys()]) if (!wanted.has(key)) this.measurementsByGoal.delete(key);
    for (const goal of goals) {
      if (this.measurementsByGoal.has(goalKey(goal))) continue;
      const loaded = await loadJsonFile(this.fileOf(goal), parseGoalFile, `Goal history of "${goal.name}"`);
      if (loaded.problem) {
        problems.push(loaded.problem);
        this.options.onProblem?.(loaded.problem);
      }
      this.measurementsByGoal.set(goalKey(goal), loaded.value ?? []);
    }
    return problems;
  }

  record(goal: GoalConfig, measurement: GoalMeasurement): void {
    const key = goalKey(goal);
    const list = this.measurementsByGoal.get(key) ?? [];
    list.push(measurement);
    const excess = list.length - (this.options.maxMeasurements ?? 1000);
    if (excess > 0) list.splice(0, excess);
    this.measurementsByGoal.set(key, list);
    this.writer.schedule(this.fileOf(goal), () =>
      JSON.stringify({ version: 1, name: goal.name, measurements: list } satisfies GoalHistoryFileV1),
    );
  }

  measurements(goal: GoalConfig): GoalMeasurement[] {
    return [...(this.measurementsByGoal.get(goalKey(goal)) ?? [])];
  }

  lastMeasuredAt(goal: GoalConfig): number | undefined {
    return this.measurementsByGoal.get(goalKey(goal))?.at(-1)?.at;
  }

  progress(goal: GoalConfig, recentCount?: number): GoalProgress {
    return goalProgress(goal, this.measurementsByGoal.get(goalKey(goal)) ?? [], recentCount);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  private fileOf(goal: GoalConfig): string {
    return path.join(this.dir, historyFileName(goal.name, goalKey(goal)));
  }
}

function parseGoalFile(raw: unknown): GoalMeasurement[] {
  const file = raw as Partial<GoalHistoryFileV1> | null;
  if (!file || typeof file !== 'object' || file.version !== 1 || !Array.isArray(file.measurements))
    throw new Error('not a goal history file, version 1');
  for (const m of file.measurements as unknown[]) {
    const candidate = m as Partial<GoalMeasurement> | null;
    if (!candidate || typeof candidate.at !== 'number' || (candidate.value !== undefined && typeof candidate.value !== 'number')) {
      throw new Error('a measurement has no time or a value that is not a number');
    }
  }
  return file.measurements;
}
