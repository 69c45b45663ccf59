// Which applied objects a deploy can follow, and the rollout status of StatefulSets and DaemonSets judged
// exactly as `kubectl rollout status` judges them (kubectl's StatefulSetStatusViewer and
// DaemonSetStatusViewer). Pure functions of the objects, so every branch is tested without a cluster.
import type { DaemonSet, KubeObject, StatefulSet } from './kubeObject';

/** The kinds whose rollouts a deploy watches and can roll back. */
export type FollowedKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export const FOLLOWED_KINDS: readonly FollowedKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A workload in the deploy's namespace, as rollback and rollout name it. */
export interface WorkloadRef {
  kind: FollowedKind;
  name: string;
  /** Where a manifest put it when that is not the environment's namespace. */
  namespace?: string;
}

export function isFollowedKind(kind: string | undefined): kind is FollowedKind {
  return (FOLLOWED_KINDS as readonly string[]).includes(kind ?? '');
}

/** Built-in kinds that run pods but have no rollout status Kubernetes can report. */
const UNFOLLOWABLE_BUILT_INS = new Set(['ReplicationController', 'ReplicaSet', 'Pod', 'Job', 'CronJob']);
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'extensions']);

/**
 * Why an applied object is applied but not followed, or undefined when there is nothing to follow
 * (configuration, routing) or it is followed. Custom resources are never followed: their controller alone
 * knows what "rolled out" means.
 */
export function notFollowedReason(object: KubeObject): string | undefined {
  const kind = object.kind ?? '';
  if (kind === 'StatefulSet' || kind === 'DaemonSet') {
    const strategy = updateStrategyOf(object);
    return strategy === 'RollingUpdate' ? undefined : `${strategy} update strategy: rollout status is only available for RollingUpdate`;
  }
  if (isFollowedKind(kind)) return undefined;
  if (UNFOLLOWABLE_BUILT_INS.has(kind)) return `Kubernetes reports no rollout status for ${kind}`;
  const group = (object.apiVersion ?? '').includes('/') ? (object.apiVersion ?? '').split('/')[0] : '';
  if (kind === 'CustomResourceDefinition' || BUILT_IN_GROUPS.has(group) || group.endsWith('.k8s.io')) return undefined;
  return `${kind} is a custom resource: only its own controller knows when it is ready`;
}

/** Both kinds default to RollingUpdate when the manifest names no strategy. */
function updateStrategyOf(workload: StatefulSet | DaemonSet): string {
  return workload.spec?.updateStrategy?.type ?? 'RollingUpdate';
}

export interface WorkloadState {
  done: boolean;
  message: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

/** kubectl's StatefulSetStatusViewer (RollingUpdate; OnDelete is sorted out by notFollowedReason). */
export function statefulSetState(statefulSet: StatefulSet): WorkloadState {
  const name = statefulSet.metadata?.name ?? '';
  const status = statefulSet.status ?? {};
  const desired = statefulSet.spec?.replicas ?? 1;
  const counts = {
    desired,
    updated: status.updatedReplicas ?? 0,
    ready: status.readyReplicas ?? 0,
    // availableReplicas arrived in 1.22: before, ready is the best a StatefulSet says.
    available: status.availableReplicas ?? status.readyReplicas ?? 0,
  };
  const observed = status.observedGeneration ?? 0;
  if (observed === 0 || (statefulSet.metadata?.generation ?? 0) > observed)
    return { done: false, message: 'Waiting for statefulset spec update to be observed', ...counts };
  if (counts.ready < desired) return { done: false, message: `Waiting for ${desired - counts.ready} pods to be ready`, ...counts };
  const partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition;
  if (statefulSet.spec?.updateStrategy?.rollingUpdate) {
    // The API server defaults rollingUpdate (partition 0), so this is the branch kubectl takes in practice.
    const wanted = desired - (partition ?? 0);
    if (counts.updated < wanted)
      return {
        done: false,
        message: `Waiting for partitioned roll out to finish: ${counts.updated} out of ${wanted} new pods have been updated`,
        ...counts,
      };
    return {
      done: true,
      message: `StatefulSet "${name}": partitioned roll out complete, ${counts.updated} new pods have been updated`,
      ...counts,
    };
  }
  if (status.updateRevision !== status.currentRevision)
    return {
      done: false,
      message: `Waiting for statefulset rolling update to complete ${counts.updated} pods at revision ${status.updateRevision ?? '?'}`,
      ...counts,
    };
  return {
    done: true,
    message: `StatefulSet "${name}": rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? '?'}`,
    ...counts,
  };
}

/** kubectl's DaemonSetStatusViewer (RollingUpdate; OnDelete is sorted out by notFollowedReason). */
export function daemonSetState(daemonSet: DaemonSet): WorkloadState {
  const name = daemonSet.metadata?.name ?? '';
  const status = daemonSet.status ?? {};
  const counts = {
    desired: status.desiredNumberScheduled ?? 0,
    updated: status.updatedNumberScheduled ?? 0,
    ready: status.numberReady ?? 0,
    available: status.numberAvailable ?? 0,
  };
  if ((daemonSet.metadata?.generation ?? 0) > (status.observedGeneration ?? 0))
    return { done: false, message: 'Waiting for daemon set spec update to be observed', ...counts };
  if (counts.updated < counts.desired)
    return { done: false, message: `${counts.updated} out of ${counts.desired} new pods have been updated`, ...counts };
  if (counts.available < counts.desired)
    return { done: false, message: `${counts.available} of ${counts.desired} updated pods are available`, ...counts };
  return { done: true, message: `DaemonSet "${name}" successfully rolled out`, ...counts };
}
