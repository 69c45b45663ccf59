// What the Environments view shows for a workload (Deployment, StatefulSet, DaemonSet) and its pods, computed from the objects the watch
// cache holds. Pure functions: a row is the same whether its object came from a list (client-node models,
// Date timestamps) or a watch event (plain JSON, string timestamps).
import type {
  V1DaemonSet,
  V1Deployment,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { DaemonSet, StatefulSet } from '../kubeObject';
import { daemonSetState, statefulSetState, type FollowedKind, type WorkloadState } from '../workloadStatus';
import { formatAge } from '../../core/formatAge';

import { ANNOTATION_COMMIT, ANNOTATION_DIGEST, ANNOTATION_RELEASE, ANNOTATION_REVISION } from '../../core/deliveryKeys';

export type RolloutState = 'complete' | 'progressing' | 'failed' | 'paused';

export interface RolloutCondition {
  state: RolloutState;
  /** e.g. `2 of 3 updated replicas available`, or the Progressing condition's message when it failed. */
  message: string;
}

export interface DeploymentRow {
  kind: FollowedKind;
  name: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  images: string[];
  release?: string;
  commit?: string;
  digest?: string;
  /** `deployment.kubernetes.io/revision`: which ReplicaSet generation is current. */
  revision?: number;
  rollout: RolloutCondition;
}

export interface ReplicaSetRow {
  name: string;
  deployment?: string;
  revision?: number;
  desired: number;
  ready: number;
  images: string[];
  createdAt?: number;
}

export interface PodWaiting {
  /** ImagePullBackOff, CrashLoopBackOff, ContainerCreating, Unschedulable… */
  reason: string;
  message?: string;
  container?: string;
}

export interface PodRow {
  name: string;
  /** The workload that owns the pod: a Deployment through its ReplicaSet, a StatefulSet or DaemonSet directly. */
  deployment?: string;
  replicaSet?: string;
  phase: string;
  /** What `kubectl get pods` shows in STATUS: Running, ImagePullBackOff, Terminating, Init:0/1… */
  status: string;
  readyContainers: number;
  totalContainers: number;
  /** `1/2` */
  ready: string;
  restarts: number;
  createdAt?: number;
  age: string;
  node?: string;
  waiting?: PodWaiting;
  containers: string[];
}

export function deploymentRow(deployment: V1Deployment): DeploymentRow {
  const status = deployment.status ?? {};
  return {
    kind: 'Deployment',
    name: deployment.metadata?.name ?? '',
    desired: deployment.spec?.replicas ?? 1,
    updated: status.updatedReplicas ?? 0,
    ready: status.readyReplicas ?? 0,
    available: status.availableReplicas ?? 0,
    ...releaseOf(deployment.metadata, deployment.spec?.template),
    revision: numberOf(deployment.metadata?.annotations?.[ANNOTATION_REVISION]),
    rollout: rolloutOf(deployment),
  };
}

export function statefulSetRow(statefulSet: V1StatefulSet): DeploymentRow {
  return workloadRow('StatefulSet', statefulSet, statefulSetState(statefulSet as StatefulSet));
}

export function daemonSetRow(daemonSet: V1DaemonSet): DeploymentRow {
  return workloadRow('DaemonSet', daemonSet, daemonSetState(daemonSet as DaemonSet));
}

function workloadRow(
  kind: FollowedKind,
  workload: V1StatefulSet | V1DaemonSet,
  { done, message, ...counts }: WorkloadState,
): DeploymentRow {
  return {
    kind,
    name: workload.metadata?.name ?? '',
    ...counts,
    ...releaseOf(workload.metadata, workload.spec?.template),
    rollout: { state: done ? 'complete' : 'progressing', message },
  };
}

/** The images and release a workload runs: the release annotations on it, else on its pod template. */
function releaseOf(
  metadata: V1ObjectMeta | undefined,
  template: V1PodTemplateSpec | undefined,
): Pick<DeploymentRow, 'images' | 'release' | 'commit' | 'digest'> {
  const annotation = (key: string) => metadata?.annotations?.[key] ?? template?.metadata?.annotations?.[key];
  return {
    images: imagesOf(template?.spec),
    release: annotation(ANNOTATION_RELEASE),
    commit: annotation(ANNOTATION_COMMIT),
    digest: annotation(ANNOTATION_DIGEST),
  };
}

/** The same judgement `kubectl rollout status` makes. */
export function rolloutOf(deployment: V1Deployment): RolloutCondition {
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  if (deployment.spec?.paused) return { state: 'paused', message: 'rollout is paused' };
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'progressing', message: 'waiting for the controller to see the new spec' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: progressing.message ?? 'progress deadline exceeded' };
  }
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) return { state: 'progressing', message: `${updated} of ${desired} replicas updated` };
  if (total > updated) {
    const old = total - updated;
    return { state: 'progressing', message: `${old} old ${old === 1 ? 'replica' : 'replicas'} pending termination` };
  }
  if (available < updated) return { state: 'progressing', message: `${available} of ${updated} updated replicas available` };
  return { state: 'complete', message: `${available} of ${desired} replicas available` };
}

export function replicaSetRow(replicaSet: V1ReplicaSet): ReplicaSetRow {
  return {
    name: replicaSet.metadata?.name ?? '',
    deployment: controllerOf(replicaSet.metadata?.ownerReferences, 'Deployment'),
    revision: numberOf(replicaSet.metadata?.annotations?.[ANNOTATION_REVISION]),
    desired: replicaSet.spec?.replicas ?? 1,
    ready: replicaSet.status?.readyReplicas ?? 0,
    images: imagesOf(replicaSet.spec?.template?.spec),
    createdAt: timeOf(replicaSet.metadata?.creationTimestamp),
  };
}

/**
 * `deploymentOfReplicaSet` resolves the pod's ReplicaSet to its Deployment (from the cache); a StatefulSet's or
 * DaemonSet's pod names its workload itself.
 */
export function podRow(pod: V1Pod, deploymentOfReplicaSet: (replicaSet: string) => string | undefined, now = Date.now()): PodRow {
  const containers = pod.spec?.containers ?? [];
  const statuses = pod.status?.containerStatuses ?? [];
  const replicaSet = controllerOf(pod.metadata?.ownerReferences, 'ReplicaSet');
  const createdAt = timeOf(pod.metadata?.creationTimestamp);
  const readyContainers = statuses.filter((s) => s.ready).length;
  const waiting = waitingOf(pod);
  return {
    name: pod.metadata?.name ?? '',
    deployment: replicaSet
      ? deploymentOfReplicaSet(replicaSet)
      : (controllerOf(pod.metadata?.ownerReferences, 'StatefulSet') ?? controllerOf(pod.metadata?.ownerReferences, 'DaemonSet')),
    replicaSet,
    phase: pod.status?.phase ?? 'Unknown',
    status: displayStatus(pod, waiting),
    readyContainers,
    totalContainers: containers.length,
    ready: `${readyContainers}/${containers.length}`,
    restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
    createdAt,
    age: createdAt === undefined ? '' : formatAge(createdAt, now),
    node: pod.spec?.nodeName || undefined,
    waiting,
    containers: containers.map((c) => c.name),
  };
}

/** Why the pod is not running (yet): a waiting container, else an unschedulable pod. */
function waitingOf(pod: V1Pod): PodWaiting | undefined {
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      return { reason: waiting.reason, message: waiting.message || undefined, container: status.name };
    }
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return { reason: scheduled.reason ?? 'Unschedulable', message: scheduled.message || undefined };
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason) return { reason: waiting.reason, message: waiting.message || undefined, container: status.name };
  }
  return undefined;
}

function displayStatus(pod: V1Pod, waiting: PodWaiting | undefined): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  const initPending = initStatuses.findIndex((s) => !(s.state?.terminated?.exitCode === 0));
  if (initPending !== -1 && initStatuses.length > 0) {
    const reason = initStatuses[initPending].state?.waiting?.reason;
    return reason && reason !== 'PodInitializing' ? `Init:${reason}` : `Init:${initPending}/${initStatuses.length}`;
  }
  if (waiting && waiting.reason !== 'Unschedulable') return waiting.reason;
  for (const status of pod.status?.containerStatuses ?? []) {
    const terminated = status.state?.terminated;
    if (terminated) return terminated.reason ?? (terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`);
  }
  return pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
}

function imagesOf(spec: V1PodSpec | undefined): string[] {
  return (spec?.containers ?? []).map((c) => c.image ?? '').filter((image) => image !== '');
}

function controllerOf(owners: V1OwnerReference[] | undefined, kind: string): string | undefined {
  const owner = owners?.find((o) => o.kind === kind && o.controller !== false);
  return owner?.name;
}

function numberOf(text: string | undefined): number | undefined {
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Timestamps are Dates in listed objects and RFC 3339 strings in watched ones. */
function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
