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
}

export interface UptimeStats {
  /** Percent of up results, undefined when there was no probe in the window. */
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

/** Uptime percent over [since, ∞) from raw results plus the hour buckets that start in the window. */
export function uptimePercent(results: readonly ProbeResult[], hours: readonly HourBucket[], since: number): number | undefined {
  let up = 0;
  let total = 0;
  for (const r of results) {
    if (r.at < since) continue;
    total++;
    if (r.ok) up++;
  }
  for (const h of hours) {
    if (h.hour < since) continue;
    total += h.total;
    up += h.up;
  }
  return total === 0 ? undefined : (up / total) * 100;
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
  for (const r of results) {
    if (r.at < since) continue;
    addToBucket(byHour, r);
  }
  const sorted = [...byHour.values()].sort((a, b) => a.hour - b.hour);
  return {
    xs: sorted.map((h) => h.hour / 1000),
    uptime: sorted.map((h) => (h.up / h.total) * 100),
    latencyMs: sorted.map((h) => (h.latencyCount ? Math.round(h.latencySumMs / h.latencyCount) : null)),
  };
}

export function addToBucket(buckets: Map<number, HourBucket>, r: ProbeResult): void {
  const hour = Math.floor(r.at / HOUR_MS) * HOUR_MS;
  const bucket = buckets.get(hour) ?? { hour, up: 0, total: 0, latencySumMs: 0, latencyCount: 0 };
  bucket.total++;
  if (r.ok) {
    bucket.up++;
    bucket.latencySumMs += r.latencyMs;
    bucket.latencyCount++;
  }
  buckets.set(hour, bucket);
}
