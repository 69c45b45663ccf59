// Messages between the monitor dashboard webview and the extension host. Both sides import this file only.

/** Chart data in uPlot's shape: x in seconds since the epoch. */
export interface UptimeSeriesData {
  xs: number[];
  /** null where the probe failed (no latency to plot). */
  latencyMs: (number | null)[];
  /** 1 up, 0 down. */
  up: number[];
}

export interface UptimeCard {
  name: string;
  url: string;
  status: 'up' | 'down' | 'unknown';
  uptime24h?: number;
  uptime7d?: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  /** Why the last probe failed, when it did. */
  reason?: string;
  series: UptimeSeriesData;
}

export interface GoalCard {
  name: string;
  /** What the value counts: `score`, `ms`, `users`… */
  unit?: string;
  value?: number;
  target?: number;
  direction: 'up' | 'down';
  met?: boolean;
  error?: string;
  /** x in seconds since the epoch. */
  series: { xs: number[]; values: number[] };
}

export type HostToDashboard =
  { type: 'dashboard'; title: string; uptime: UptimeCard[]; goals: GoalCard[] } | { type: 'error'; message: string };

export type DashboardToHost = { type: 'ready' } | { type: 'probeNow'; name: string } | { type: 'measureGoal'; name: string };
