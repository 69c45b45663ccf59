import * as assert from 'node:assert/strict';
import { PeriodicScheduler, type PeriodicSchedulerOptions } from '../../../src/core/scheduler';
import { VirtualClock } from '../../support/virtualClock';

interface Item {
  name: string;
  intervalS: number;
}

/** Runs that take `durationMs` of virtual time and resolve with their start time. */
function harness(
  clock: VirtualClock,
  durationMs = 10,
  options: Partial<PeriodicSchedulerOptions<Item, number>> = {},
  items: Item[] = [{ name: 'a', intervalS: 60 }],
) {
  const starts: { name: string; at: number }[] = [];
  const results: { name: string; at: number }[] = [];
  const signals: AbortSignal[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const scheduler = new PeriodicScheduler<Item, number>(items, {
    key: (item) => item.name,
    intervalMs: (item) => item.intervalS * 1000,
    run: (item, signal) => {
      const at = clock.now();
      starts.push({ name: item.name, at });
      signals.push(signal);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      return new Promise((resolve) =>
        clock.setTimeout(() => {
          concurrent--;
          resolve(at);
        }, durationMs),
      );
    },
    onResult: (item, at) => results.push({ name: item.name, at }),
    clock,
    random: () => 0.5,
    ...options,
  });
  const gaps = (name = 'a') => {
    const times = starts.filter((s) => s.name === name).map((s) => s.at);
    return times.slice(1).map((t, i) => t - times[i]);
  };
  return { scheduler, starts, results, signals, gaps, maxConcurrent: () => maxConcurrent };
}

describe('periodic scheduler (unit)', () => {
  it('spreads first runs, then runs each item one interval after the last start', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const { scheduler, starts, gaps } = harness(clock, 10, { initialSpreadMs: 20_000 });
    scheduler.start();
    await clock.advance(5 * 60_000 + 1);
    scheduler.stop();
    assert.equal(starts[0].at - t0, 10_000, 'random 0.5 × 20 s spread');
    assert.deepEqual(gaps(), [60_000, 60_000, 60_000, 60_000]);
  });

  it('varies each period by the jitter, drawn anew after each run', async () => {
    const clock = new VirtualClock();
    const draws = [0.5, 0, 1, 0.25];
    let n = 0;
    const { scheduler, gaps } = harness(clock, 10, { jitter: 0.1, random: () => draws[n++ % draws.length] });
    scheduler.start();
    await clock.advance(10 * 60_000);
    scheduler.stop();
    const all = gaps();
    assert.ok(all.length >= 8);
    assert.ok(
      all.every((g) => g >= 54_000 && g <= 66_000),
      `gaps ${all.join(', ')}`,
    );
    assert.ok(new Set(all).size > 1, 'periods vary');
  });

  it('keeps one run in flight per item; runNow joins it', async () => {
    const clock = new VirtualClock();
    const { scheduler, starts, maxConcurrent } = harness(clock, 25_000, {}, [{ name: 'a', intervalS: 10 }]);
    scheduler.start();
    const first = scheduler.runNow('a');
    assert.equal(scheduler.runNow('a'), first);
    assert.equal(scheduler.isInFlight('a'), true);
    assert.equal(scheduler.runNow('missing'), undefined);
    await clock.advance(120_000);
    scheduler.stop();
    assert.equal(maxConcurrent(), 1);
    assert.deepEqual(
      starts.map((s) => s.at - starts[0].at),
      [0, 35_000, 70_000, 105_000],
      'spread: a run longer than its interval skips a slot (25 s run + 10 s interval)',
    );
  });

  it('with whenOverdue "run", an overdue item runs at once, also right after a run that outlasted its interval', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const { scheduler, starts } = harness(clock, 25_000, { whenOverdue: 'run', lastRunAt: () => t0 - 3_600_000 }, [
      { name: 'a', intervalS: 10 },
    ]);
    scheduler.start();
    await clock.advance(60_000);
    scheduler.stop();
    assert.deepEqual(
      starts.map((s) => s.at - t0),
      [0, 25_000, 50_000],
    );
  });

  it('continues the rhythm of the last run it is told about', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const { scheduler, starts } = harness(clock, 10, { lastRunAt: () => t0 - 45_000 });
    scheduler.start();
    await clock.advance(60_000);
    scheduler.stop();
    assert.equal(starts[0].at - t0, 15_000);
  });

  it('stretches the interval while unfocused and runs what is overdue when focus returns', async () => {
    const clock = new VirtualClock();
    const { scheduler, starts } = harness(clock, 10, { initialSpreadMs: 0 });
    const [item] = scheduler.items;
    scheduler.start();
    await clock.advance(1);
    scheduler.setFocused(false);
    assert.equal(scheduler.intervalMs(item), 300_000, 'max(60 s × 4, 5 min)');
    await clock.advance(30 * 60_000);
    assert.equal(starts.length, 7, 'the first run, then one each 5 min');
    scheduler.setFocused(true);
    assert.equal(scheduler.intervalMs(item), 60_000);
    await clock.advance(60_000);
    assert.equal(starts.length, 8, 'overdue at once (no spread) on focus');
    scheduler.stop();
  });

  it('update keeps the schedule of known items, takes a changed interval, aborts removed ones', async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const { scheduler, starts, signals, results } = harness(clock, 5_000, { initialSpreadMs: 0 }, [
      { name: 'a', intervalS: 60 },
      { name: 'b', intervalS: 60 },
    ]);
    scheduler.start();
    await clock.advance(2_000);
    assert.equal(starts.length, 2);
    scheduler.update([
      { name: 'a', intervalS: 30 },
      { name: 'c', intervalS: 60 },
    ]);
    assert.deepEqual(
      scheduler.items.map((i) => i.name),
      ['a', 'c'],
    );
    assert.equal(signals[1].aborted, true, 'the run of removed b is cancelled');
    assert.equal(signals[0].aborted, false);
    await clock.advance(60_000);
    scheduler.stop();
    assert.deepEqual(
      starts.filter((s) => s.name === 'a').map((s) => s.at - t0),
      [0, 30_000, 60_000],
      'a at its new interval from its last start',
    );
    assert.equal(starts.filter((s) => s.name === 'b').length, 1);
    assert.equal(results.filter((r) => r.name === 'b').length, 0, 'a cancelled run reports nothing');
    assert.equal(starts.filter((s) => s.name === 'c')[0]?.at, t0 + 2_000, 'a new item starts within the spread');
  });

  it('reports nothing from a run cancelled by stop or dispose, and plans nothing after', async () => {
    const clock = new VirtualClock();
    const { scheduler, starts, signals, results } = harness(clock, 5_000, { initialSpreadMs: 0 });
    scheduler.start();
    await clock.advance(1_000);
    assert.equal(scheduler.isInFlight('a'), true);
    scheduler.dispose();
    assert.equal(signals[0].aborted, true);
    await clock.advance(10 * 60_000);
    assert.equal(results.length, 0);
    assert.equal(starts.length, 1);
    assert.equal(scheduler.isStarted, false);
  });
});
