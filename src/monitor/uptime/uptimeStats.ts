// Pure arithmetic over probe results, kept apart from persistence so it is unit-tested on plain arrays.
import type { ProbeResult } from './probe';

export type UptimeStatus = 'up' | 'down' | 'unknown';

/** Results older than the raw window, folded into one row per hour so 7-day uptime stays exact. */
export interface HourBucket {
  /** Start of the hour, ms since the epoch. */
  hour: number;
  up: number;
  total: number;
  /** Sum and count of the latencies of the up results, for a mean. */
  latencySumMs: number;
  latencyCount: number;
  /** The time its results stood for, and the part of it up (see resultCovers); absent in older history files. */
  upMs?: number;
  coveredMs?: number;
}

export interface UptimeStats {
  /** Percent of the time probed that the check was up (see uptimePercent), undefined without a probe in the window. */
  uptime24h?: number;
  uptime7d?: number;
  /** Latency percentiles of the up results of the last 24 h (a timeout's duration is not a latency). */
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  probes24h: number;
  lastStatus: UptimeStatus;
  lastResult?: ProbeResult;
  /** When the current status began (as far back as history reaches). */
  lastChangeAt?: number;
}

/** Chart data in uPlot's shape: x in seconds since the epoch; a gap (null) where there is no latency. */
export interface UptimeSeries {
  xs: number[];
  latencyMs: (number | null)[];
  /** 1 up, 0 down. */
  up: number[];
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function statusOf(result: ProbeResult): 'up' | 'down' {
  return result.ok ? 'up' : 'down';
}

/** Nearest-rank percentile of unsorted values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** The longest time one result speaks for: past it, a gap in the history (the editor closed) counts as neither. */
const MAX_COVER_MS = HOUR_MS;

/**
 * The time each result stands for: until the next one, at most an hour (past that, a gap in the history, the
 * editor closed, counts as neither up nor down). The newest stands for as long as the one before it did.
 */
export function resultCovers(results: readonly ProbeResult[], next?: ProbeResult): number[] {
  return results.map((r, i) => {
    const after = results[i + 1] ?? next;
    const span = after !== undefined ? after.at - r.at : i > 0 ? r.at - results[i - 1].at : 1;
    return Math.min(Math.max(span, 1), MAX_COVER_MS);
  });
}

/**
 * Uptime percent over [since, ∞), weighted by time: each raw result for the time it stands for, each hour bucket
 * for the time its results stood for. Probes run less often while the window is not focused, so counting
 * results would weigh an outage by how often it was probed (an hour down in a day: 91 % focused, 98 % not).
 */
export function uptimePercent(results: readonly ProbeResult[], hours: readonly HourBucket[], since: number): number | undefined {
  let upMs = 0;
  let coveredMs = 0;
  const inWindow = results.filter((r) => r.at >= since);
  resultCovers(inWindow).forEach((cover, i) => {
    coveredMs += cover;
    if (inWindow[i].ok) upMs += cover;
  });
  for (const h of hours) {
    if (h.hour < since || h.total === 0) continue;
    // A bucket from before times were kept counts its results as one hour.
    const covered = h.coveredMs ?? HOUR_MS;
    coveredMs += covered;
    upMs += h.upMs ?? (h.up / h.total) * covered;
  }
  return coveredMs === 0 ? undefined : (upMs / coveredMs) * 100;
}

export function computeStats(
  results: readonly ProbeResult[],
  hours: readonly HourBucket[],
  lastStatus: UptimeStatus,
  lastChangeAt: number | undefined,
  now: number,
): UptimeStats {
  const dayAgo = now - DAY_MS;
  const day = results.filter((r) => r.at >= dayAgo);
  const latencies = day.filter((r) => r.ok).map((r) => r.latencyMs);
  const stats: UptimeStats = { probes24h: day.length, lastStatus };
  const set = <K extends keyof UptimeStats>(key: K, value: UptimeStats[K] | undefined) => {
    if (value !== undefined) stats[key] = value;
  };
  set('uptime24h', uptimePercent(results, hours, dayAgo));
  set('uptime7d', uptimePercent(results, hours, now - 7 * DAY_MS));
  set('p50LatencyMs', percentile(latencies, 50));
  set('p95LatencyMs', percentile(latencies, 95));
  set('lastResult', results.at(-1));
  set('lastChangeAt', lastChangeAt);
  return stats;
}

export function toSeries(results: readonly ProbeResult[], since: number): UptimeSeries {
  const series: UptimeSeries = { xs: [], latencyMs: [], up: [] };
  for (const r of results) {
    if (r.at < since) continue;
    series.xs.push(r.at / 1000);
    series.latencyMs.push(r.ok ? r.latencyMs : null);
    series.up.push(r.ok ? 1 : 0);
  }
  return series;
}

/** One point per hour (uptime percent and mean latency) over raw results and buckets: the 7-day chart. */
export function hourlySeries(
  results: readonly ProbeResult[],
  hours: readonly HourBucket[],
  since: number,
): { xs: number[]; uptime: number[]; latencyMs: (number | null)[] } {
  const byHour = new Map<number, HourBucket>();
  for (const h of hours) if (h.hour >= since) byHour.set(h.hour, { ...h });
  const inWindow = results.filter((r) => r.at >= since);
  const covers = resultCovers(inWindow);
  inWindow.forEach((r, i) => addToBucket(byHour, r, covers[i]));
  const sorted = [...byHour.values()].sort((a, b) => a.hour - b.hour);
  return {
    xs: sorted.map((h) => h.hour / 1000),
    uptime: sorted.map((h) => (h.coveredMs ? ((h.upMs ?? 0) / h.coveredMs) * 100 : (h.up / h.total) * 100)),
    latencyMs: sorted.map((h) => (h.latencyCount ? Math.round(h.latencySumMs / h.latencyCount) : null)),
  };
}

/** Folds a result into its hour; `coverMs` is the time it stood for (resultCovers). */
export function addToBucket(buckets: Map<number, HourBucket>, r: ProbeResult, coverMs: number): void {
  const hour = Math.floor(r.at / HOUR_MS) * HOUR_MS;
  const bucket = buckets.get(hour) ?? { hour, up: 0, total: 0, latencySumMs: 0, latencyCount: 0, upMs: 0, coveredMs: 0 };
  bucket.total++;
  // A bucket read from an older file has no times: it keeps counting results only.
  if (bucket.coveredMs !== undefined) {
    bucket.coveredMs += coverMs;
    if (r.ok) bucket.upMs = (bucket.upMs ?? 0) + coverMs;
  }
  if (r.ok) {
    bucket.up++;
    bucket.latencySumMs += r.latencyMs;
    bucket.latencyCount++;
  }
  buckets.set(hour, bucket);
}
