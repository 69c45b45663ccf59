// `kubectl rollout undo`: put the pod template of an earlier ReplicaSet back on the Deployment. The
// controller then scales that old ReplicaSet up again (same template hash), so the previous release comes
// back exactly, with its release annotations. StatefulSets and DaemonSets keep their history as
// ControllerRevisions instead: the same template replace, from the revision's data, as kubectl does.
import { ServiceError, isServiceError } from '../core/errors';
import { DeployError, deployErrorOf } from './deployError';
import { FIELD_MANAGER, collectionPath } from './kubeClient';
import type { KubeClient } from './kubeClient';
import { KUBERNETES } from './kubeErrors';
import type { ControllerRevision, DaemonSet, Deployment, KubeList, KubeObject, PodTemplate, ReplicaSet, StatefulSet } from './kubeObject';
import { ANNOTATION_RELEASE, ANNOTATION_REVISION, RELEASE_ANNOTATIONS } from '../core/deliveryKeys';
import { byRevision, labelSelector, ownedPods, ownedReplicaSets, workloadCollection } from './rollout';
import type { FollowedKind } from './workloadStatus';

export interface RollbackTarget {
  /** The revision being rolled back to, as `kubectl rollout history` numbers it. */
  revision: string;
  replicaSet: ReplicaSet;
  template: PodTemplate;
}

export interface RollbackResult {
  deployment: string;
  namespace: string;
  fromRevision?: string;
  toRevision: string;
  /** The release the restored template carries (its conveyor.dev/release annotation), when it has one. */
  release?: string;
  images: string[];
  /** Set when nothing was changed because the Deployment no longer runs the release to roll back from. */
  unchanged?: string;
}

/**
 * The ReplicaSet to go back to: `toRevision` when given, else the highest revision below the current one.
 * Pure, so the choice is tested without a cluster.
 */
export function rollbackTarget(deployment: Deployment, replicaSets: ReplicaSet[], toRevision?: string): RollbackTarget | undefined {
  const current = Number(deployment.metadata?.annotations?.[ANNOTATION_REVISION] ?? 0);
  const candidates = replicaSets.filter((rs) => rs.spec?.template && rs.metadata?.annotations?.[ANNOTATION_REVISION]).sort(byRevision);
  const chosen = toRevision
    ? candidates.find((rs) => rs.metadata?.annotations?.[ANNOTATION_REVISION] === toRevision)
    : candidates.filter((rs) => Number(rs.metadata?.annotations?.[ANNOTATION_REVISION]) < current).at(-1);
  if (!chosen?.spec?.template) return undefined;
  const template = structuredClone(chosen.spec.template);
  // The controller adds the hash label to its ReplicaSets' templates; the Deployment's template has none.
  if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
  return { revision: chosen.metadata!.annotations![ANNOTATION_REVISION], replicaSet: chosen, template };
}

/**
 * @param fromRelease roll back only while the Deployment runs this release (its conveyor.dev/release): an
 *   automatic rollback must not undo a deploy that came after it, nor one that never happened.
 */
export async function rollbackDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  toRevision?: string,
  fromRelease?: string,
): Promise<RollbackResult> {
  const where = { context: client.context, action: `roll back Deployment/${name}` };
  try {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
    const deployment = await observedWorkload<Deployment>(client, path);
    if (!deployment)
      throw new ServiceError(
        KUBERNETES,
        'not-found',
        `Deployment "${name}" does not exist in namespace "${namespace}" (context "${client.context}").`,
        { status: 404 },
      );
    const running = deployment.metadata?.annotations?.[ANNOTATION_RELEASE];
    if (fromRelease !== undefined && running !== fromRelease) {
      const revision = deployment.metadata?.annotations?.[ANNOTATION_REVISION] ?? '';
      return {
        deployment: name,
        namespace,
        toRevision: revision,
        ...(running ? { release: running } : {}),
        images: [],
        unchanged: `${name} runs ${running ?? 'no Conveyor release'}, not ${fromRelease}: left as it is`,
      };
    }
    const target = rollbackTarget(deployment, await ownedReplicaSets(client, deployment), toRevision);
    if (!target) {
      throw new DeployError(
        'not-found',
        toRevision
          ? `Deployment "${name}" has no revision ${toRevision} to roll back to.`
          : `Deployment "${name}" has no earlier revision to roll back to.`,
      );
    }
    // JSON Patch replaces the template wholesale: a merge would keep keys only the new template has, and
    // the template would no longer match the old ReplicaSet.
    const previousAnnotations = target.replicaSet.metadata?.annotations ?? {};
    const operations: unknown[] = [{ op: 'replace', path: '/spec/template', value: target.template }];
    operations.push(...restoreReleaseAnnotations(deployment, previousAnnotations));
    await client.request('PATCH', path, {
      body: operations,
      contentType: 'application/json-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
    const images = (target.template.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean);
    const fromRevision = deployment.metadata?.annotations?.[ANNOTATION_REVISION];
    const release = previousAnnotations[ANNOTATION_RELEASE];
    return {
      deployment: name,
      namespace,
      ...(fromRevision ? { fromRevision } : {}),
      toRevision: target.revision,
      ...(release ? { release } : {}),
      images,
    };
  } catch (error) {
    throw deployErrorOf(error, where);
  }
}

/** How long a rollback waits for the controller to take in the Deployment's last change. */
const OBSERVE_TIMEOUT_MS = 30_000;

/**
 * The workload once its controller has observed its latest spec. Right after an apply (a deploy stopped at
 * once), the revision annotation and the ReplicaSets still describe the revision before it, and "the
 * previous revision" would be one too far back.
 */
async function observedWorkload<T extends KubeObject & { status?: { observedGeneration?: number } }>(
  client: KubeClient,
  path: string,
): Promise<T | undefined> {
  const deadline = Date.now() + OBSERVE_TIMEOUT_MS;
  for (;;) {
    const deployment = await client.getOptional<T>(path);
    if (!deployment || (deployment.status?.observedGeneration ?? -1) >= (deployment.metadata?.generation ?? 0)) return deployment;
    if (Date.now() > deadline) {
      throw new ServiceError(
        KUBERNETES,
        'timeout',
        `${deployment.kind ?? 'The workload'} "${deployment.metadata?.name}" has a change its controller has not taken in after ${OBSERVE_TIMEOUT_MS / 1000} s: roll back once it has (is kube-controller-manager running?).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** JSON Patch operations that set the release annotations a workload had at an earlier revision. */
function restoreReleaseAnnotations(workload: KubeObject, previous: Record<string, string>): unknown[] {
  const operations: unknown[] = workload.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }];
  for (const key of RELEASE_ANNOTATIONS) {
    const pointer = `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (previous[key] !== undefined) operations.push({ op: 'add', path: pointer, value: previous[key] });
    else if (workload.metadata?.annotations?.[key] !== undefined) operations.push({ op: 'remove', path: pointer });
  }
  return operations;
}

export interface HistoryTarget {
  revision: number;
  controllerRevision: ControllerRevision;
  template: PodTemplate;
}

/**
 * The ControllerRevision to go back to: `toRevision` when given, else the highest below the current one (a
 * StatefulSet names its current one in status.updateRevision; a DaemonSet's is its newest). Pure.
 */
export function historyTarget(
  workload: StatefulSet | DaemonSet,
  revisions: ControllerRevision[],
  toRevision?: string,
): HistoryTarget | undefined {
  const candidates = revisions.filter((r) => r.data?.spec?.template && r.revision !== undefined).sort((a, b) => a.revision! - b.revision!);
  const current = currentRevision(workload, candidates) ?? 0;
  const chosen = toRevision
    ? candidates.find((r) => String(r.revision) === toRevision)
    : candidates.filter((r) => r.revision! < current).at(-1);
  if (!chosen) return undefined;
  // The revision's data is a strategic merge patch that replaces the template; JSON Patch says so itself.
  const template = structuredClone(chosen.data!.spec!.template!);
  delete template.$patch;
  return { revision: chosen.revision!, controllerRevision: chosen, template };
}

/** The revision running now: a StatefulSet names it in status.updateRevision; a DaemonSet's is its newest. */
export function currentRevision(workload: StatefulSet | DaemonSet, revisions: ControllerRevision[]): number | undefined {
  const status = workload.status ?? {};
  const updateRevision = 'updateRevision' in status ? status.updateRevision : undefined;
  const named = revisions.find((r) => updateRevision !== undefined && r.metadata?.name === updateRevision);
  return (named?.revision ?? Math.max(...revisions.map((r) => r.revision ?? 0), 0)) || undefined;
}

/**
 * `kubectl rollout undo` for a StatefulSet or DaemonSet. A StatefulSet does not replace a pod that never
 * became ready (Kubernetes' "forced rollback"): those pods of the failed revision are deleted so the
 * controller recreates them from the restored one.
 */
export async function rollbackFromHistory(
  client: KubeClient,
  namespace: string,
  kind: Exclude<FollowedKind, 'Deployment'>,
  name: string,
  toRevision?: string,
  fromRelease?: string,
): Promise<RollbackResult> {
  const where = { context: client.context, action: `roll back ${kind}/${name}` };
  try {
    const path = `${workloadCollection(kind, namespace)}/${encodeURIComponent(name)}`;
    const workload = await observedWorkload<StatefulSet | DaemonSet>(client, path);
    if (!workload)
      throw new ServiceError(
        KUBERNETES,
        'not-found',
        `${kind} "${name}" does not exist in namespace "${namespace}" (context "${client.context}").`,
        {
          status: 404,
        },
      );
    const running = workload.metadata?.annotations?.[ANNOTATION_RELEASE];
    const revisions = await ownedControllerRevisions(client, workload);
    const fromRevision = currentRevision(workload, revisions);
    if (fromRelease !== undefined && running !== fromRelease) {
      return {
        deployment: name,
        namespace,
        toRevision: String(fromRevision ?? ''),
        ...(running ? { release: running } : {}),
        images: [],
        unchanged: `${name} runs ${running ?? 'no Conveyor release'}, not ${fromRelease}: left as it is`,
      };
    }
    const target = historyTarget(workload, revisions, toRevision);
    if (!target)
      throw new DeployError(
        'not-found',
        toRevision
          ? `${kind} "${name}" has no revision ${toRevision} to roll back to.`
          : `${kind} "${name}" has no earlier revision to roll back to.`,
      );
    const previousAnnotations = target.template.metadata?.annotations ?? {};
    await client.request('PATCH', path, {
      body: [
        { op: 'replace', path: '/spec/template', value: target.template },
        ...restoreReleaseAnnotations(workload, previousAnnotations),
      ],
      contentType: 'application/json-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
    if (kind === 'StatefulSet') await deleteStuckPods(client, workload, target.controllerRevision);
    const release = previousAnnotations[ANNOTATION_RELEASE];
    return {
      deployment: name,
      namespace,
      ...(fromRevision !== undefined ? { fromRevision: String(fromRevision) } : {}),
      toRevision: String(target.revision),
      ...(release ? { release } : {}),
      images: (target.template.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean),
    };
  } catch (error) {
    throw deployErrorOf(error, where);
  }
}

async function ownedControllerRevisions(client: KubeClient, workload: StatefulSet | DaemonSet): Promise<ControllerRevision[]> {
  const namespace = workload.metadata?.namespace ?? 'default';
  const list = await client.request<KubeList<ControllerRevision>>(
    'GET',
    `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/controllerrevisions`,
    { query: { labelSelector: labelSelector(workload.spec?.selector?.matchLabels) } },
  );
  return list.items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === workload.metadata?.uid));
}

/** Pods not at the restored revision that are not ready: the StatefulSet would wait for them forever. */
async function deleteStuckPods(client: KubeClient, statefulSet: StatefulSet, restored: ControllerRevision): Promise<void> {
  const restoredHash = restored.metadata?.name;
  for (const pod of await ownedPods(client, statefulSet)) {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready || pod.metadata?.labels?.['controller-revision-hash'] === restoredHash) continue;
    const path = collectionPath('v1', 'pods', pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
    // Gone already (the controller or someone else deleted it): that is what was wanted.
    await client.request('DELETE', path).catch((error: unknown) => {
      if (!isServiceError(error) || error.status !== 404) throw error;
    });
  }
}
