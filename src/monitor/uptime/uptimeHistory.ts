// Probe results per check, persisted to one JSON file per check in a directory the caller owns (the
// extension's workspace storage). Bounded: raw results for `retentionMs` and at most `maxResults` per check;
// results pushed out by the count limit are folded into hour buckets so 7-day uptime stays exact.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ProbeResult } from './probe';
import { DebouncedWriter, historyFileName, loadJsonFile } from './historyFile';
import {
  DAY_MS,
  addToBucket,
  resultCovers,
  computeStats,
  hourlySeries,
  statusOf,
  toSeries,
  type HourBucket,
  type UptimeSeries,
  type UptimeStats,
  type UptimeStatus,
} from './uptimeStats';

/** A check's identity for history: a check renamed or pointed at another URL starts a new history. */
export interface UptimeCheckRef {
  name: string;
  url: string;
}

export interface UptimeHistoryOptions {
  retentionMs?: number;
  maxResults?: number;
  debounceMs?: number;
  now?: () => number;
  /** A history file that was unreadable (moved aside) or could not be written. */
  onProblem?: (message: string) => void;
}

interface CheckRecord {
  ref: UptimeCheckRef;
  results: ProbeResult[];
  hours: HourBucket[];
  status: UptimeStatus;
  changedAt?: number;
}

/** On-disk shape: columns rather than objects, a third of the size for 10,080 results. */
interface HistoryFileV1 {
  version: 1;
  name: string;
  url: string;
  status: UptimeStatus;
  changedAt?: number;
  results: { at: number[]; ok: number[]; status: number[]; latency: number[]; reason: Record<string, string> };
  /** [hour, up, total, latencySumMs, latencyCount, upMs, coveredMs]; the last two are missing in older files. */
  hours: ([number, number, number, number, number] | [number, number, number, number, number, number, number])[];
}

export const DEFAULT_RETENTION_MS = 7 * DAY_MS;
/** A week of one-minute probes. */
export const DEFAULT_MAX_RESULTS = 10_080;

export const uptimeKey = (ref: UptimeCheckRef) => `${ref.name}\n${ref.url}`;

export class UptimeHistory {
  private readonly records = new Map<string, CheckRecord>();
  private readonly writer: DebouncedWriter;
  private readonly retentionMs: number;
  private readonly maxResults: number;
  private readonly now: () => number;

  constructor(
    private readonly dir: string,
    private readonly options: UptimeHistoryOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.maxResults = options.maxResults ?? DEFAULT_MAX_RESULTS;
    this.now = options.now ?? Date.now;
    this.writer = new DebouncedWriter(options.debounceMs ?? 5000, (file, error) =>
      options.onProblem?.(`Uptime history could not be saved to ${file}: ${error.message}`),
    );
  }

  /**
   * Reads the files of these checks (those already loaded are kept) and forgets other checks. Returns the
   * problems found (also reported through `onProblem`): a corrupt file is moved aside and its check starts empty.
   */
  async load(checks: readonly UptimeCheckRef[]): Promise<string[]> {
    const problems: string[] = [];
    const wanted = new Set(checks.map(uptimeKey));
    for (const key of [...this.records.keys()]) if (!wanted.has(key)) this.records.delete(key);
    for (const ref of checks) {
      if (this.records.has(uptimeKey(ref))) continue;
      const loaded = await loadJsonFile(this.fileOf(ref), (raw) => parseHistoryFile(raw, ref), `Uptime history of "${ref.name}"`);
      if (loaded.problem) {
        problems.push(loaded.problem);
        this.options.onProblem?.(loaded.problem);
      }
      const record = loaded.value ?? { ref, results: [], hours: [], status: 'unknown' };
      this.trim(record);
      this.records.set(uptimeKey(ref), record);
    }
    await this.removeExpiredFiles(checks);
    return problems;
  }

  record(ref: UptimeCheckRef, result: ProbeResult): void {
    const record = this.recordOf(ref);
    const { results } = record;
    if (results.length === 0 || results[results.length - 1].at <= result.at) results.push(result);
    else
      results.splice(
        results.findIndex((r) => r.at > result.at),
        0,
        result,
      );
    const status = statusOf(results[results.length - 1]);
    if (status !== record.status) {
      record.status = status;
      record.changedAt = results[results.length - 1].at;
    }
    this.trim(record);
    this.writer.schedule(this.fileOf(ref), () => JSON.stringify(toFile(record)));
  }

  results(ref: UptimeCheckRef, since = 0): ProbeResult[] {
    return (this.records.get(uptimeKey(ref))?.results ?? []).filter((r) => r.at >= since);
  }

  /** The status and time of the latest result, so a reload neither re-notifies nor forgets an outage. */
  lastKnown(ref: UptimeCheckRef): { status: UptimeStatus; at: number } | undefined {
    const last = this.records.get(uptimeKey(ref))?.results.at(-1);
    return last ? { status: statusOf(last), at: last.at } : undefined;
  }

  stats(ref: UptimeCheckRef): UptimeStats {
    const record = this.records.get(uptimeKey(ref));
    if (!record) return { probes24h: 0, lastStatus: 'unknown' };
    return computeStats(record.results, record.hours, record.status, record.changedAt, this.now());
  }

  /** Every result of the last `sinceMs` (default 24 h) as uPlot series. */
  series(ref: UptimeCheckRef, sinceMs = DAY_MS): UptimeSeries {
    return toSeries(this.records.get(uptimeKey(ref))?.results ?? [], this.now() - sinceMs);
  }

  /** Hourly uptime percent and mean latency over the retention window (7 days by default). */
  hourly(ref: UptimeCheckRef): ReturnType<typeof hourlySeries> {
    const record = this.records.get(uptimeKey(ref));
    return hourlySeries(record?.results ?? [], record?.hours ?? [], this.now() - this.retentionMs);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  private recordOf(ref: UptimeCheckRef): CheckRecord {
    const key = uptimeKey(ref);
    let record = this.records.get(key);
    if (!record) {
      record = { ref, results: [], hours: [], status: 'unknown' };
      this.records.set(key, record);
    }
    return record;
  }

  private trim(record: CheckRecord): void {
    const cutoff = this.now() - this.retentionMs;
    const expired = record.results.findIndex((r) => r.at >= cutoff);
    if (expired !== 0) record.results.splice(0, expired === -1 ? record.results.length : expired);
    const excess = record.results.length - this.maxResults;
    if (excess > 0) {
      const buckets = new Map(record.hours.map((h) => [h.hour, h]));
      const folded = record.results.splice(0, excess);
      const covers = resultCovers(folded, record.results[0]);
      folded.forEach((r, i) => addToBucket(buckets, r, covers[i]));
      record.hours = [...buckets.values()].sort((a, b) => a.hour - b.hour);
    }
    if (record.hours.length > 0 && record.hours[0].hour < cutoff) record.hours = record.hours.filter((h) => h.hour >= cutoff);
  }

  private fileOf(ref: UptimeCheckRef): string {
    return path.join(this.dir, historyFileName(ref.name, uptimeKey(ref)));
  }

  /** Files of checks no longer configured are deleted once they hold nothing inside the retention window. */
  private async removeExpiredFiles(keep: readonly UptimeCheckRef[]): Promise<void> {
    const kept = new Set(keep.map((ref) => path.basename(this.fileOf(ref))));
    const entries = await fs.readdir(this.dir).catch(() => [] as string[]);
    const cutoff = this.now() - this.retentionMs;
    for (const entry of entries) {
      if (!entry.endsWith('.json') || kept.has(entry)) continue;
      const file = path.join(this.dir, entry);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(file, { force: true });
    }
  }
}

function toFile(record: CheckRecord): HistoryFileV1 {
  const results: HistoryFileV1['results'] = { at: [], ok: [], status: [], latency: [], reason: {} };
  record.results.forEach((r, i) => {
    results.at.push(r.at);
    results.ok.push(r.ok ? 1 : 0);
    results.status.push(r.status ?? 0);
    results.latency.push(r.latencyMs);
    if (r.reason) results.reason[i] = r.reason;
  });
  return {
    version: 1,
    name: record.ref.name,
    url: record.ref.url,
    status: record.status,
    ...(record.changedAt !== undefined ? { changedAt: record.changedAt } : {}),
    results,
    hours: record.hours.map((h) =>
      h.coveredMs !== undefined
        ? [h.hour, h.up, h.total, h.latencySumMs, h.latencyCount, h.upMs ?? 0, h.coveredMs]
        : [h.hour, h.up, h.total, h.latencySumMs, h.latencyCount],
    ),
  };
}

function parseHistoryFile(raw: unknown, ref: UptimeCheckRef): CheckRecord {
  const file = raw as Partial<HistoryFileV1> | null;
  if (!file || typeof file !== 'object' || file.version !== 1) throw new Error('not an uptime history file, version 1');
  const columns = file.results;
  const numbers = (xs: unknown) => Array.isArray(xs) && xs.every((x) => typeof x === 'number');
  if (!columns || !numbers(columns.at) || !numbers(columns.ok) || !numbers(columns.status) || !numbers(columns.latency)) {
    throw new Error('results are missing or not numbers');
  }
  const n = columns.at.length;
  if (columns.ok.length !== n || columns.status.length !== n || columns.latency.length !== n)
    throw new Error('result columns differ in length');
  const results: ProbeResult[] = columns.at.map((at, i) => {
    const reason = columns.reason?.[i];
    return {
      at,
      ok: columns.ok[i] === 1,
      ...(columns.status[i] ? { status: columns.status[i] } : {}),
      latencyMs: columns.latency[i],
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  });
  const hours = (Array.isArray(file.hours) ? file.hours : []).filter((h) => numbers(h) && (h.length === 5 || h.length === 7));
  const status = file.status === 'up' || file.status === 'down' ? file.status : 'unknown';
  return {
    ref,
    results,
    hours: hours.map(([hour, up, total, latencySumMs, latencyCount, upMs, coveredMs]) => ({
      hour,
      up,
      total,
      latencySumMs,
      latencyCount,
      ...(coveredMs !== undefined ? { upMs, coveredMs } : {}),
    })),
    status,
    ...(typeof file.changedAt === 'number' ? { changedAt: file.changedAt } : {}),
  };
}
