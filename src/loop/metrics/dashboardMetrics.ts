// The delivery metrics as the monitoring dashboard shows them: per environment, each of the four keys with
// what it counts, the value of the period before and which way it moved. The editor loads this through the
// loop engine bundle: reading the records runs git.
import type { DeliveryEnvironment, DeliveryMetric, DeliverySection } from '../../../webviews/monitor/protocol';
import type { EnvironmentMetrics, Trend } from './deliveryMetrics';
import { percent, perDay, span } from './metricsText';
import { readDeliveryMetrics, type DeliveryMetricsReport } from './readDeliveryMetrics';

/** A tag made by hand is a gap of its own: a long list would push the metrics off the page. */
const GAPS_SHOWN = 3;

export async function readDashboardMetrics(folder: string, options: { now?: Date } = {}): Promise<DeliverySection> {
  return dashboardMetrics(await readDeliveryMetrics(folder, options));
}

export function dashboardMetrics(report: DeliveryMetricsReport): DeliverySection {
  if (report.environments.length === 0)
    return {
      state: 'empty',
      message:
        'Ship a release to see delivery metrics: “Conveyor: Ship” (or conveyor ship) records each deployment, its verification and any rollback, and the metrics are computed from those records.',
    };
  const more = report.gaps.length - GAPS_SHOWN;
  return {
    state: 'metrics',
    periodDays: report.periodDays,
    environments: report.environments.map(environmentMetrics),
    gaps: more > 0 ? [...report.gaps.slice(0, GAPS_SHOWN), `${more} more: conveyor metrics lists them all.`] : report.gaps,
  };
}

function environmentMetrics({ environment, current, previous, trend }: EnvironmentMetrics): DeliveryEnvironment {
  const deployments = (n: number) => `${n} deployment${n === 1 ? '' : 's'}`;
  return {
    name: environment,
    metrics: [
      metric('Deployment frequency', trend.deploymentFrequency, current.perDay, previous.perDay, perDay, {
        detail: `${current.succeeded} verified of ${deployments(current.deployments)}`,
      }),
      metric('Lead time for changes', trend.leadTime, current.leadTimeMs, previous.leadTimeMs, span),
      metric('Change failure rate', trend.changeFailureRate, current.changeFailureRate, previous.changeFailureRate, percent, {
        detail: `${current.failed} failed or rolled back of ${deployments(current.deployments)}`,
      }),
      metric('Time to restore', trend.timeToRestore, current.timeToRestoreMs, previous.timeToRestoreMs, span),
    ],
  };
}

function metric<T extends number | undefined>(
  name: string,
  trend: Trend,
  now: T,
  before: T,
  word: (value: T) => string,
  extra: { detail?: string } = {},
): DeliveryMetric {
  return { name, value: word(now), ...extra, previous: word(before), trend, arrow: arrowOf(trend, now, before) };
}

function arrowOf(trend: Trend, now: number | undefined, before: number | undefined): DeliveryMetric['arrow'] {
  if (trend === 'unknown' || now === undefined || before === undefined) return '';
  return now > before ? '↑' : now < before ? '↓' : '=';
}
