import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { UptimeCheckConfig } from '../../../src/core/config/conveyorConfig';
import type { ProbeResult } from '../../../src/monitor/uptime/probe';
import { UptimeHistory } from '../../../src/monitor/uptime/uptimeHistory';
import { UptimeScheduler, type ProbeFunction } from '../../../src/monitor/uptime/uptimeScheduler';
import { DAY_MS, HOUR_MS, computeStats, hourlySeries, percentile, uptimePercent } from '../../../src/monitor/uptime/uptimeStats';
import { VirtualClock } from '../../support/virtualClock';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const result = (at: number, ok: boolean, latencyMs = 100): ProbeResult => ({
  at,
  ok,
  latencyMs,
  ...(ok ? { status: 200 } : { reason: 'connection refused' }),
});

/** A seeded generator, so jitter tests are repeatable. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
}

describe('uptime statistics (unit)', () => {
  it('computes uptime percent over 24 h and 7 d by the time each result stands for, including hour buckets', () => {
    const results = [result(NOW - 2 * DAY_MS, false), result(NOW - HOUR_MS, true), result(NOW - 60_000, true), result(NOW - 30_000, false)];
    // Up from an hour ago until 30 s ago (59 min + 30 s), then down for as long as the last result stands for (30 s).
    assert.equal(uptimePercent(results, [], NOW - DAY_MS), (3570 / 3600) * 100);
    // Two days ago down, standing for an hour at most (the history has a gap after it).
    assert.equal(uptimePercent(results, [], NOW - 7 * DAY_MS), (3570 / 7200) * 100);
    const timed = [
      { hour: NOW - 3 * DAY_MS, up: 50, total: 60, latencySumMs: 5000, latencyCount: 50, upMs: 1_800_000, coveredMs: 3_600_000 },
    ];
    assert.equal(uptimePercent(results, timed, NOW - 7 * DAY_MS), ((3570 + 1800) / (7200 + 3600)) * 100);
    // A bucket from an older history file, without times: its results count as one hour.
    const counted = [{ hour: NOW - 3 * DAY_MS, up: 96, total: 96, latencySumMs: 9600, latencyCount: 96 }];
    assert.equal(uptimePercent(results, counted, NOW - 7 * DAY_MS), ((3570 + 3600) / (7200 + 3600)) * 100);
    assert.equal(uptimePercent([], [], NOW - DAY_MS), undefined, 'no probes: no percentage (not 0 %, not 100 %)');
  });

  it('weighs an outage by its length, not by how often it was probed (probes slow down while the window is unfocused)', () => {
    const day: ProbeResult[] = [];
    const outage = (from: number) => (at: number) => !(at >= from && at < from + HOUR_MS);
    const run = (isUp: (at: number) => boolean) => {
      day.length = 0;
      // 8 h focused at one probe a minute, then 16 h unfocused at one every 5 minutes.
      for (let at = NOW - DAY_MS; at < NOW - 16 * HOUR_MS; at += 60_000) day.push(result(at, isUp(at)));
      for (let at = NOW - 16 * HOUR_MS; at < NOW; at += 300_000) day.push(result(at, isUp(at)));
      return uptimePercent(day, [], NOW - DAY_MS)!;
    };
    const focused = run(outage(NOW - 20 * HOUR_MS));
    const unfocused = run(outage(NOW - 10 * HOUR_MS));
    assert.ok(Math.abs(focused - (23 / 24) * 100) < 0.1, `outage while focused: ${focused}`);
    assert.ok(Math.abs(unfocused - (23 / 24) * 100) < 0.1, `outage while unfocused: ${unfocused}`);
  });

  it('computes nearest-rank percentiles of the latencies of up results only', () => {
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([7], 95), 7);
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(latencies, 50), 50);
    assert.equal(percentile(latencies, 95), 95);
    const results = [...latencies.map((l, i) => result(NOW - i * 1000, true, l)), result(NOW - 500, false, 10_000)];
    const stats = computeStats(results, [], 'up', NOW - 99_000, NOW);
    assert.equal(stats.p50LatencyMs, 50);
    assert.equal(stats.p95LatencyMs, 95, 'a 10 s timeout is not a latency');
    assert.equal(stats.probes24h, 101);
    assert.equal(stats.lastChangeAt, NOW - 99_000);
  });

  it('gives hourly points for the 7-day chart', () => {
    const hour = Math.floor(NOW / HOUR_MS) * HOUR_MS;
    const series = hourlySeries(
      [result(hour + 1, true, 100), result(hour + 2, false), result(hour + 3, true, 300)],
      [{ hour: hour - HOUR_MS, up: 1, total: 4, latencySumMs: 50, latencyCount: 1 }],
      NOW - DAY_MS,
    );
    assert.deepEqual(series, { xs: [(hour - HOUR_MS) / 1000, hour / 1000], uptime: [25, (2 / 3) * 100], latencyMs: [50, 200] });
  });
});

describe('uptime history bounds (unit)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'conveyor-uptime-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const ref = { name: 'api', url: 'http://127.0.0.1:1/' };

  it('keeps at most maxResults raw results and folds older ones into hour buckets, so 7-day uptime stays exact', async () => {
    let now = NOW - 2 * DAY_MS;
    const history = new UptimeHistory(dir, { maxResults: 100, now: () => now });
    await history.load([ref]);
    // 1 probe a minute for 2 days, down for the first 6 hours.
    for (let i = 0; i < 2 * 24 * 60; i++, now += 60_000) history.record(ref, result(now, i >= 6 * 60, 100));
    assert.equal(history.results(ref).length, 100);
    const stats = history.stats(ref);
    assert.equal(stats.uptime7d, 100 * (1 - 360 / 2880));
    assert.equal(stats.lastStatus, 'up');
    assert.equal(stats.lastChangeAt, NOW - 2 * DAY_MS + 6 * HOUR_MS, 'the change is remembered after its results were folded');
    await history.flush();
    const reloaded = new UptimeHistory(dir, { maxResults: 100, now: () => now });
    await reloaded.load([ref]);
    assert.deepEqual(reloaded.stats(ref), stats);
  });

  it('drops results and buckets older than the retention window', async () => {
    let now = NOW;
    const history = new UptimeHistory(dir, { retentionMs: DAY_MS, now: () => now });
    history.record(ref, result(now, true));
    now += DAY_MS + 1;
    history.record(ref, result(now, false));
    assert.equal(history.results(ref).length, 1);
    assert.equal(history.stats(ref).uptime7d, 0);
    // Its save is pending: written now, not into the folder after afterEach removed it.
    await history.flush();
  });
});

describe('uptime scheduler on virtual time (unit)', () => {
  const checks = (n: number, interval = 60): UptimeCheckConfig[] =>
    Array.from({ length: n }, (_, i) => ({ name: `c${i}`, url: `http://127.0.0.1:1/${i}`, interval }));

  function recordingProbe(clock: VirtualClock, durationMs = 10, outcome: (check: UptimeCheckConfig) => boolean = () => true) {
    const calls: { name: string; at: number }[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const fn: ProbeFunction = (check) => {
      calls.push({ name: check.name, at: clock.now() });
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      const at = clock.now();
      return new Promise((resolve) =>
        clock.setTimeout(() => {
          concurrent--;
          resolve(outcome(check) ? result(at, true, durationMs) : result(at, false));
        }, durationMs),
      );
    };
    return { fn, calls, maxConcurrent: () => maxConcurrent };
  }

  it('spreads the first probes of 100 checks and keeps each interval within ±10 %', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const probe = recordingProbe(clock);
    const scheduler = new UptimeScheduler(checks(100), { clock, probe: probe.fn, random: seeded(42) });
    scheduler.start();
    await clock.advance(10 * 60_000);
    scheduler.stop();
    const firsts = new Map<string, number>();
    for (const call of probe.calls) if (!firsts.has(call.name)) firsts.set(call.name, call.at - start);
    const firstTimes = [...firsts.values()].sort((a, b) => a - b);
    assert.equal(firstTimes.length, 100);
    assert.ok(firstTimes[99] <= 15_000, 'every check is probed within the first 15 s');
    const perSecond = new Map<number, number>();
    for (const t of firstTimes) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    assert.ok(Math.max(...perSecond.values()) <= 15, `at most 15 first probes in one second, got ${Math.max(...perSecond.values())}`);
    const gaps: number[] = [];
    for (const name of firsts.keys()) {
      const times = probe.calls.filter((c) => c.name === name).map((c) => c.at);
      for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
    }
    assert.ok(
      gaps.every((g) => g >= 54_000 && g <= 66_000),
      `gaps between ${Math.min(...gaps)} and ${Math.max(...gaps)} ms`,
    );
    assert.ok(new Set(gaps).size > 50, 'intervals vary, so checks drift apart instead of firing together');
  });

  it('never overlaps probes of one check: a probe slower than the interval skips slots', async () => {
    const clock = new VirtualClock();
    const probe = recordingProbe(clock, 25_000);
    const scheduler = new UptimeScheduler(checks(1, 10), { clock, probe: probe.fn, random: () => 0.5 });
    scheduler.start();
    const extra = scheduler.probeNow('c0');
    const joined = scheduler.probeNow('c0');
    assert.equal(extra, joined, 'probeNow while probing joins the probe in flight');
    await clock.advance(120_000);
    scheduler.stop();
    assert.equal(probe.maxConcurrent(), 1);
    // Each probe lasts 25 s, then the next waits a 10 s interval: 120 s holds 4 probes (0, 35, 70, 105 s).
    assert.equal(probe.calls.length, 4);
  });

  it('backs off while unfocused and restores the interval on focus', async () => {
    const clock = new VirtualClock();
    const probe = recordingProbe(clock);
    const scheduler = new UptimeScheduler(checks(1, 60), { clock, probe: probe.fn, random: () => 0.5 });
    scheduler.start();
    await clock.advance(10 * 60_000);
    const focusedCount = probe.calls.length;
    assert.ok(focusedCount >= 10 && focusedCount <= 11, `${focusedCount} probes in 10 focused minutes`);
    assert.equal(scheduler.intervalMs(scheduler.checks[0]), 60_000);

    scheduler.setFocused(false);
    assert.equal(scheduler.intervalMs(scheduler.checks[0]), 300_000, 'max(60 s × 4, 5 min)');
    await clock.advance(30 * 60_000);
    const unfocusedCount = probe.calls.length - focusedCount;
    assert.ok(unfocusedCount >= 5 && unfocusedCount <= 6, `${unfocusedCount} probes in 30 unfocused minutes`);

    const beforeFocus = probe.calls.length;
    scheduler.setFocused(true);
    await clock.advance(60_000);
    assert.ok(probe.calls.length > beforeFocus, 'an overdue check is probed within a minute of focus');
    await clock.advance(10 * 60_000);
    assert.ok(probe.calls.length - beforeFocus >= 10);
    scheduler.stop();
  });

  it('fires a transition once per change, not for the first up, and keeps state across updateChecks', async () => {
    const clock = new VirtualClock();
    let up = true;
    const probe = recordingProbe(clock, 10, () => up);
    const [check] = checks(1, 30);
    const scheduler = new UptimeScheduler([check], { clock, probe: probe.fn, random: () => 0 });
    const transitions: string[] = [];
    scheduler.onTransition((t) => transitions.push(`${t.from}→${t.to}`));
    scheduler.start();
    for (const next of [true, false, false, true, true]) {
      up = next;
      await clock.advance(30_000);
    }
    assert.deepEqual(transitions, ['up→down', 'down→up']);

    up = false;
    scheduler.updateChecks([
      { ...check, interval: 45 },
      { name: 'new', url: 'http://127.0.0.1:1/new' },
    ]);
    assert.equal(scheduler.status(check.name), 'up', 'same name and URL keep their state');
    assert.equal(scheduler.status('new'), 'unknown');
    await clock.advance(60_000);
    assert.deepEqual(transitions.slice(2).sort(), ['unknown→down', 'up→down'], 'a new check that starts down notifies too');
    scheduler.updateChecks([{ ...check, url: 'http://127.0.0.1:1/moved' }]);
    assert.equal(scheduler.status(check.name), 'unknown', 'a new URL is a new check');
    scheduler.stop();
  });

  it('reports nothing from a probe cancelled by stop()', async () => {
    const clock = new VirtualClock();
    const probe = recordingProbe(clock, 5_000);
    const scheduler = new UptimeScheduler(checks(1, 30), { clock, probe: probe.fn, random: () => 0 });
    const results: ProbeResult[] = [];
    scheduler.onResult((e) => results.push(e.result));
    scheduler.start();
    await clock.advance(1_000);
    assert.equal(scheduler.isProbing('c0'), true);
    scheduler.stop();
    await clock.advance(10_000);
    assert.equal(results.length, 0);
    assert.equal(probe.calls.length, 1);
  });
});
