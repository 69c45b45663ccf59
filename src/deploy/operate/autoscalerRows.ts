// What the Environments view shows for an autoscaled Deployment, computed from the HorizontalPodAutoscaler the
// watch cache holds. Pure functions, like workloadRows.ts.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from './autoscale';

export const METRICS_SERVER_INSTALL =
  'kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml';

export interface AutoscalerCondition {
  /** AbleToScale, ScalingActive, ScalingLimited. */
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface AutoscalerRow {
  name: string;
  /** The Deployment it scales. */
  deployment?: string;
  min: number;
  max: number;
  current: number;
  desired: number;
  /** One per metric: `cpu 35% / 70%`, `cpu <unknown> / 70%`. */
  targets: string[];
  conditions: AutoscalerCondition[];
  /** Set when the HPA cannot read metrics: why, and what to do. */
  metricsUnavailable?: { summary: string; detail: string };
}

export function autoscalerRow(autoscaler: HorizontalPodAutoscaler): AutoscalerRow {
  const spec = autoscaler.spec ?? {};
  const status = autoscaler.status ?? {};
  const target = spec.scaleTargetRef;
  const conditions = (status.conditions ?? []).map((c) => ({
    type: c.type ?? '',
    status: c.status ?? 'Unknown',
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  }));
  return {
    name: autoscaler.metadata?.name ?? '',
    deployment: target?.kind === 'Deployment' ? target.name : undefined,
    min: spec.minReplicas ?? 1,
    max: spec.maxReplicas ?? 0,
    current: status.currentReplicas ?? 0,
    desired: status.desiredReplicas ?? 0,
    targets: (spec.metrics ?? []).map((metric) => targetText(metric, status.currentMetrics ?? [])),
    conditions,
    metricsUnavailable: metricsProblem(conditions),
  };
}

/** `cpu 35% / 70%` (current / target), as `kubectl get hpa` shows it. */
function targetText(metric: MetricSpec, current: MetricStatus[]): string {
  if (metric.type !== 'Resource' || !metric.resource?.name) return metric.type ?? 'metric';
  const name = metric.resource.name;
  const target = metric.resource.target;
  const now = current.find((m) => m.type === 'Resource' && m.resource?.name === name)?.resource?.current;
  if (target?.averageUtilization !== undefined) {
    const value = now?.averageUtilization;
    return `${name} ${value === undefined ? '<unknown>' : `${value}%`} / ${target.averageUtilization}%`;
  }
  return `${name} ${now?.averageValue ?? '<unknown>'} / ${target?.averageValue ?? '?'}`;
}

// The HPA controller says FailedGetResourceMetric when the resource metrics API (metrics.k8s.io, served by
// metrics-server) is missing or has no data yet; the words are the controller's, the remedy ours.
function metricsProblem(conditions: AutoscalerCondition[]): AutoscalerRow['metricsUnavailable'] {
  const active = conditions.find((c) => c.type === 'ScalingActive');
  const missingApi = /metrics\.k8s\.io|resource metrics API/i.test(active?.message ?? '');
  if (active?.status !== 'False' || (active.reason !== 'FailedGetResourceMetric' && !missingApi)) return undefined;
  return {
    summary: 'Metrics unavailable: no metrics server in the cluster?',
    detail: [
      'The autoscaler cannot read CPU usage, so it keeps the replica count between min and max but does not scale on load.',
      'The cluster needs metrics-server (it serves metrics.k8s.io). Install it with:',
      METRICS_SERVER_INSTALL,
      'If it is installed, the pods may lack CPU requests, or metrics-server is still starting.',
      active.message ? `The autoscaler says: ${active.message}` : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}
