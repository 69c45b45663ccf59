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

/** How a metric moved against the period before, for the better or the worse (unknown: a period has no value). */
export type DeliveryTrend = 'better' | 'worse' | 'same' | 'unknown';

/** One of DORA's four keys in one environment, worded by the host. */
export interface DeliveryMetric {
  /** `Deployment frequency`. */
  name: string;
  /** `0.40/day`; `–` without a value. */
  value: string;
  /** What the value counts: `12 verified of 13 deployments`. */
  detail?: string;
  /** The period before's value, worded the same way. */
  previous: string;
  trend: DeliveryTrend;
  /** Which way the value moved; empty when the trend is unknown. */
  arrow: '↑' | '↓' | '=' | '';
}

export interface DeliveryEnvironment {
  name: string;
  metrics: DeliveryMetric[];
}

/** The delivery metrics of the folder, read from its local records (git and the belt's records). */
export type DeliverySection =
  | { state: 'loading' }
  | { state: 'empty'; message: string }
  | { state: 'error'; message: string }
  | {
      state: 'metrics';
      periodDays: number;
      environments: DeliveryEnvironment[];
      /** Records that are missing and what that leaves out, a few at most. */
      gaps: string[];
    };

export type HostToDashboard =
  | { type: 'dashboard'; title: string; uptime: UptimeCard[]; goals: GoalCard[]; delivery: DeliverySection }
  | { type: 'error'; message: string };

export type DashboardToHost = { type: 'ready' } | { type: 'probeNow'; name: string } | { type: 'measureGoal'; name: string };
