// The delivery metrics as `conveyor metrics` prints them: per environment, the four keys for the last period
// and how they moved since the one before.
import type { EnvironmentMetrics, PeriodMetrics, Trend } from './deliveryMetrics';
import type { DeliveryMetricsReport } from './readDeliveryMetrics';

const ARROW: Record<Trend, string> = { better: '↑ better', worse: '↓ worse', same: '= same', unknown: '' };

export function metricsText(report: DeliveryMetricsReport): string {
  const lines = [`Delivery metrics, the last ${report.periodDays} days against the ${report.periodDays} before (until ${report.now})`];
  if (report.environments.length === 0) lines.push('No deployments on record.');
  for (const env of report.environments) lines.push(...environmentLines(env));
  if (report.gaps.length > 0) lines.push('Missing:', ...report.gaps.map((g) => `  - ${g}`));
  return `${lines.join('\n')}\n`;
}

function environmentLines({ environment, current, previous, trend }: EnvironmentMetrics): string[] {
  const row = (name: string, now: string, before: string, t: Trend) =>
    `  ${name.padEnd(22)}${now.padEnd(30)}${`(before: ${before})`.padEnd(32)}${ARROW[t]}`.trimEnd();
  return [
    `${environment}:`,
    row('deployment frequency', frequency(current), frequency(previous), trend.deploymentFrequency),
    row('lead time for changes', span(current.leadTimeMs), span(previous.leadTimeMs), trend.leadTime),
    row('change failure rate', rate(current), rate(previous), trend.changeFailureRate),
    row('time to restore', span(current.timeToRestoreMs), span(previous.timeToRestoreMs), trend.timeToRestore),
  ];
}

function frequency(p: PeriodMetrics): string {
  return `${perDay(p.perDay)} (${p.succeeded} of ${p.deployments})`;
}

function rate(p: PeriodMetrics): string {
  return p.changeFailureRate === undefined ? '–' : `${percent(p.changeFailureRate)} (${p.failed} of ${p.deployments})`;
}

/** `0.40/day`. */
export function perDay(value: number): string {
  return `${value.toFixed(2)}/day`;
}

/** `8%` for 0.08; `–` for no value. */
export function percent(value: number | undefined): string {
  return value === undefined ? '–' : `${Math.round(value * 100)}%`;
}

/** `3 d 4 h`, `5 h 12 min`, `7 min 30 s`, `40 s`; `–` for no value. */
export function span(ms: number | undefined): string {
  if (ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}
