// Scaling on traffic: a HorizontalPodAutoscaler per Deployment, in the API version the cluster serves
// (`autoscaling/v2` since Kubernetes 1.23, `autoscaling/v2beta2` before; both have the same shape for the CPU
// target Conveyor sets). Autoscale… and `environments.<name>.autoscale` in conveyor.yml both end here.
import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError } from '../../core/errors';
import { KubeClient, collectionPath } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import type { KubeList, KubeObject, ObjectMeta } from '../kubeObject';

/** Newest first: the first one the cluster serves is used. */
export const AUTOSCALING_VERSIONS = ['autoscaling/v2', 'autoscaling/v2beta2'] as const;
export type AutoscalingVersion = (typeof AUTOSCALING_VERSIONS)[number];

export interface AutoscaleBounds {
  min: number;
  max: number;
  /** Average CPU utilization to aim for, in % of the pods' CPU requests. */
  targetCPU: number;
}

export interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: { type?: string; averageUtilization?: number; averageValue?: string } };
  [key: string]: unknown;
}

export interface MetricStatus {
  type?: string;
  resource?: { name?: string; current?: { averageUtilization?: number; averageValue?: string } };
  [key: string]: unknown;
}

export interface HorizontalPodAutoscaler extends KubeObject {
  metadata?: ObjectMeta;
  spec?: {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
    [key: string]: unknown;
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[] | null;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

const RESOURCE = 'horizontalpodautoscalers';

/** The version to use, from the `autoscaling` group's discovery (`versions[].groupVersion`). */
export function chooseAutoscalingVersion(served: readonly string[]): AutoscalingVersion | undefined {
  return AUTOSCALING_VERSIONS.find((version) => served.includes(version));
}

/** The autoscaling version the cluster serves, or undefined when it serves neither (Kubernetes before 1.12). */
export async function servedAutoscalingVersion(client: KubeClient): Promise<AutoscalingVersion | undefined> {
  const group = await client.request<{ versions?: { groupVersion?: string }[] }>('GET', '/apis/autoscaling');
  return chooseAutoscalingVersion((group.versions ?? []).map((v) => v.groupVersion ?? ''));
}

/** Why these bounds cannot be used, in words that fit after "Could not autoscale …: ", or undefined when they can. */
export function boundsProblem(bounds: AutoscaleBounds): string | undefined {
  const whole = (value: number, least: number) => Number.isInteger(value) && value >= least;
  if (!whole(bounds.min, 1)) return `min replicas must be a whole number, 1 or more (not ${bounds.min})`;
  if (!whole(bounds.max, 1)) return `max replicas must be a whole number, 1 or more (not ${bounds.max})`;
  if (bounds.min > bounds.max) return `min replicas (${bounds.min}) is more than max replicas (${bounds.max})`;
  if (!whole(bounds.targetCPU, 1)) return `target CPU must be a whole percentage, 1 or more (not ${bounds.targetCPU})`;
  return undefined;
}

const isCpu = (metric: MetricSpec) => metric.type === 'Resource' && metric.resource?.name === 'cpu';

/**
 * The autoscaler to apply for `deployment`: the existing one's name and its other metrics (memory, custom) are
 * kept, so editing the CPU target loses nothing another tool set; a new one is named after the deployment, as
 * `kubectl autoscale` names it.
 */
export function autoscalerObject(
  version: AutoscalingVersion,
  namespace: string,
  deployment: string,
  bounds: AutoscaleBounds,
  existing?: HorizontalPodAutoscaler,
): HorizontalPodAutoscaler {
  const otherMetrics = (existing?.spec?.metrics ?? []).filter((metric) => !isCpu(metric));
  return {
    apiVersion: version,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: existing?.metadata?.name ?? deployment, namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
      minReplicas: bounds.min,
      maxReplicas: bounds.max,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: bounds.targetCPU } } },
        ...otherMetrics,
      ],
    },
  };
}

/** The bounds an autoscaler sets, for prefilling Autoscale…; targetCPU is undefined when it has no CPU target. */
export function boundsOf(autoscaler: HorizontalPodAutoscaler): Partial<AutoscaleBounds> {
  return {
    min: autoscaler.spec?.minReplicas ?? 1,
    max: autoscaler.spec?.maxReplicas,
    targetCPU: autoscaler.spec?.metrics?.find(isCpu)?.resource?.target?.averageUtilization,
  };
}

/** Whether the autoscaler scales that Deployment. */
export function scalesDeployment(autoscaler: HorizontalPodAutoscaler, deployment: string): boolean {
  const target = autoscaler.spec?.scaleTargetRef;
  return target?.kind === 'Deployment' && target.name === deployment;
}

/** An autoscaler in the namespace that scales `deployment`, found by its target (whatever its name). */
export async function findAutoscaler(
  client: KubeClient,
  version: AutoscalingVersion,
  namespace: string,
  deployment: string,
): Promise<HorizontalPodAutoscaler | undefined> {
  const list = await client.request<KubeList<HorizontalPodAutoscaler>>('GET', collectionPath(version, RESOURCE, namespace));
  return list.items.find((autoscaler) => scalesDeployment(autoscaler, deployment));
}

/** The autoscaler that manages `deployment`, if any: what Scale… warns about, and what Autoscale… prefills from. */
export async function autoscalerOf(
  kubeConfig: KubeConfig,
  namespace: string,
  deployment: string,
): Promise<HorizontalPodAutoscaler | undefined> {
  const client = new KubeClient(kubeConfig);
  try {
    const version = await servedAutoscalingVersion(client);
    return version && (await findAutoscaler(client, version, namespace, deployment));
  } catch (error) {
    throw kubeErrorOf(error, `read the autoscaler of deployment "${deployment}"`);
  }
}

/** The autoscaler object a deploy applies (or Autoscale… applies) for `deployment` on this cluster. */
export async function plannedAutoscaler(
  client: KubeClient,
  namespace: string,
  deployment: string,
  bounds: AutoscaleBounds,
): Promise<HorizontalPodAutoscaler> {
  const version = await requireVersion(client);
  return autoscalerObject(version, namespace, deployment, bounds, await findAutoscaler(client, version, namespace, deployment));
}

/** Creates or edits the autoscaler of `deployment` (server-side apply as `conveyor`); resolves to what the cluster stored. */
export async function autoscaleDeployment(
  kubeConfig: KubeConfig,
  namespace: string,
  deployment: string,
  bounds: AutoscaleBounds,
): Promise<HorizontalPodAutoscaler> {
  const doing = `autoscale deployment "${deployment}"`;
  const problem = boundsProblem(bounds);
  if (problem) throw new ServiceError(KUBERNETES, 'invalid', `Could not ${doing}: ${problem}.`);
  const client = new KubeClient(kubeConfig);
  try {
    return await client.apply<HorizontalPodAutoscaler>(await plannedAutoscaler(client, namespace, deployment, bounds));
  } catch (error) {
    throw kubeErrorOf(error, doing);
  }
}

/** Deletes the autoscaler of `deployment`; the deployment keeps the replica count it has. False when there was none. */
export async function removeAutoscaling(kubeConfig: KubeConfig, namespace: string, deployment: string): Promise<boolean> {
  const client = new KubeClient(kubeConfig);
  try {
    const version = await requireVersion(client);
    const autoscaler = await findAutoscaler(client, version, namespace, deployment);
    if (!autoscaler?.metadata?.name) return false;
    await client.request('DELETE', collectionPath(version, RESOURCE, namespace, autoscaler.metadata.name));
    return true;
  } catch (error) {
    throw kubeErrorOf(error, `remove the autoscaling of deployment "${deployment}"`);
  }
}

async function requireVersion(client: KubeClient): Promise<AutoscalingVersion> {
  const version = await servedAutoscalingVersion(client);
  if (version) return version;
  throw new ServiceError(
    KUBERNETES,
    'unsupported',
    `The cluster of context "${client.context}" serves neither ${AUTOSCALING_VERSIONS.join(' nor ')}: autoscaling needs Kubernetes 1.12 or later.`,
  );
}
