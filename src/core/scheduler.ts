// Does something for each item at the item's interval: uptime probes, goal measurements. Each item has at most
// one run in flight, and the next run is planned from the start of the previous one when it ends, so a slow
// run never stacks with the next. Periods may carry ±jitter and first runs are spread out, so a hundred items
// never fire in the same tick; while the window is unfocused the interval stretches. Timers come from the
// clock, so tests run on virtual time.
import { realClock, type Clock } from './clock';
import type { Disposable } from './events';

export interface PeriodicSchedulerOptions<T, R> {
  /** Items with the same key across `update` keep their schedule and their run in flight. */
  key: (item: T) => string;
  /** The item's interval while the window is focused, in ms. */
  intervalMs: (item: T) => number;
  /** Does the work. Must not reject (turn a failure into a result); the signal aborts on stop or removal. */
  run: (item: T, signal: AbortSignal) => Promise<R>;
  /** Told the result of each run that was not cancelled, before the next run is planned. */
  onResult?: (item: T, result: R) => void;
  /** When an item not yet run here last ran (its history), so a reload keeps the rhythm. */
  lastRunAt?: (item: T) => number | undefined;
  clock?: Clock;
  random?: () => number;
  /** Fraction each period varies by (0.1: ±10 %); drawn anew after each run. Default 0. */
  jitter?: number;
  /** Items never run (and, with `spread`, overdue ones) start at a random moment within this long. Default 15 s. */
  initialSpreadMs?: number;
  /**
   * An item whose next run is already past: `run` runs it at once. `spread` (the default, for many cheap
   * items) starts it within the spread when the schedule resumes (start, focus, new interval), and after a run
   * that outlasted its period skips a slot: the next run is one whole period from now.
   */
  whenOverdue?: 'run' | 'spread';
  /** While the window is unfocused the interval becomes max(interval × factor, minimum). Defaults 4 and 5 min. */
  unfocusedFactor?: number;
  unfocusedMinimumMs?: number;
}

interface Job<T, R> {
  item: T;
  /** When the latest run started; before the first one, `lastRunAt` tells. */
  lastStartAt?: number;
  /** This period's jitter multiplier; kept when only the focus changes, drawn anew after each run. */
  jitterFactor: number;
  timer?: unknown;
  inFlight?: Promise<R>;
  abort?: AbortController;
}

export class PeriodicScheduler<T, R> implements Disposable {
  private readonly jobs = new Map<string, Job<T, R>>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private running = false;
  private focused = true;

  constructor(
    items: readonly T[],
    private readonly options: PeriodicSchedulerOptions<T, R>,
  ) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    for (const item of items) this.jobs.set(options.key(item), this.newJob(item));
  }

  get items(): T[] {
    return [...this.jobs.values()].map((job) => job.item);
  }

  get isStarted(): boolean {
    return this.running;
  }

  isInFlight(key: string): boolean {
    return this.jobs.get(key)?.inFlight !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const job of this.jobs.values()) this.schedule(job, 'resume');
  }

  /** Cancels timers and runs in flight; a cancelled run reports nothing. */
  stop(): void {
    this.running = false;
    for (const job of this.jobs.values()) this.halt(job);
  }

  dispose(): void {
    this.stop();
  }

  /** Applies a new list: items with a known key keep their schedule; a changed interval is planned anew. */
  update(items: readonly T[]): void {
    const { key, intervalMs } = this.options;
    const next = new Map(items.map((item) => [key(item), item]));
    for (const [itemKey, job] of this.jobs) {
      if (next.has(itemKey)) continue;
      this.halt(job);
      this.jobs.delete(itemKey);
    }
    for (const [itemKey, item] of next) {
      const job = this.jobs.get(itemKey);
      if (!job) {
        const created = this.newJob(item);
        this.jobs.set(itemKey, created);
        this.schedule(created, 'resume');
        continue;
      }
      const intervalChanged = intervalMs(job.item) !== intervalMs(item);
      job.item = item;
      if (intervalChanged && !job.inFlight) this.reschedule(job);
    }
  }

  /** An unfocused window runs less often; regaining focus restores the interval (and runs what is overdue). */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (!this.running) return;
    for (const job of this.jobs.values()) if (!job.inFlight) this.reschedule(job);
  }

  /** Runs now (joining the run in flight if there is one); undefined for an unknown key. */
  runNow(key: string): Promise<R> | undefined {
    const job = this.jobs.get(key);
    return job ? this.run(job) : undefined;
  }

  /** The interval in force for an item, in ms, given focus. */
  intervalMs(item: T): number {
    const base = this.options.intervalMs(item);
    if (this.focused) return base;
    return Math.max(base * (this.options.unfocusedFactor ?? 4), this.options.unfocusedMinimumMs ?? 300_000);
  }

  private newJob(item: T): Job<T, R> {
    return { item, jitterFactor: this.drawJitter() };
  }

  /** Rounded to a thousandth, so a period is a whole number of ms for intervals in seconds. */
  private drawJitter(): number {
    const jitter = this.options.jitter ?? 0;
    if (jitter === 0) return 1;
    return Math.round(1000 * (1 + (this.random() * 2 - 1) * jitter)) / 1000;
  }

  private reschedule(job: Job<T, R>): void {
    this.clock.clearTimeout(job.timer);
    job.timer = undefined;
    this.schedule(job, 'resume');
  }

  /** Plans the next run one period after the last start; `after-run` and `resume` differ only when that is past. */
  private schedule(job: Job<T, R>, moment: 'resume' | 'after-run'): void {
    if (!this.running || job.inFlight || job.timer !== undefined) return;
    const now = this.clock.now();
    const interval = this.intervalMs(job.item);
    const period = interval * job.jitterFactor;
    const last = job.lastStartAt ?? this.options.lastRunAt?.(job.item);
    let due = last !== undefined ? last + period : -Infinity;
    if (due < now) {
      if (last !== undefined && this.options.whenOverdue === 'run') due = now;
      else if (moment === 'after-run') due = now + period;
      else due = now + this.random() * Math.min(interval, this.options.initialSpreadMs ?? 15_000);
    }
    job.timer = this.clock.setTimeout(
      () => {
        job.timer = undefined;
        void this.run(job);
      },
      Math.max(0, Math.round(due - now)),
    );
  }

  private run(job: Job<T, R>): Promise<R> {
    if (job.inFlight) return job.inFlight;
    this.clock.clearTimeout(job.timer);
    job.timer = undefined;
    const abort = new AbortController();
    job.abort = abort;
    job.lastStartAt = this.clock.now();
    const inFlight = this.options.run(job.item, abort.signal).then((result) => {
      job.inFlight = undefined;
      job.abort = undefined;
      // An item removed or a scheduler stopped mid-run has nobody left to tell.
      if (!abort.signal.aborted) {
        this.options.onResult?.(job.item, result);
        job.jitterFactor = this.drawJitter();
        this.schedule(job, 'after-run');
      }
      return result;
    });
    job.inFlight = inFlight;
    return inFlight;
  }

  private halt(job: Job<T, R>): void {
    this.clock.clearTimeout(job.timer);
    job.timer = undefined;
    job.abort?.abort();
  }
}
