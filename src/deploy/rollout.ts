// Follows a workload's rollout (Deployment, StatefulSet, DaemonSet) the way `kubectl rollout status` judges
// it, fed by a WATCH on the workload (no polling). When a Deployment fails, the reasons come from the pods of
// the NEW ReplicaSet: those are the ones that cannot start; the old ones are still serving. A StatefulSet or
// DaemonSet replaces its pods in place, so the reasons come from the pods it owns.
import { ANNOTATION_REVISION } from '../core/deliveryKeys';
import { ServiceError, isServiceError } from '../core/errors';
import { DeployError, deployErrorOf } from './deployError';
import type { KubeClient, WatchEvent } from './kubeClient';
import { KUBERNETES } from './kubeErrors';
import type { ContainerStatus, DaemonSet, Deployment, KubeList, KubeObject, Pod, ReplicaSet, StatefulSet } from './kubeObject';
import { daemonSetState, statefulSetState } from './workloadStatus';
import type { FollowedKind } from './workloadStatus';

const DEFAULT_ROLLOUT_TIMEOUT_MS = 10 * 60_000;
const WATCH_SECONDS = 300;
const RECONNECT_DELAY_MS = 1000;

export interface RolloutProgress {
  /** The workload's name (a Deployment's, StatefulSet's or DaemonSet's). */
  deployment: string;
  updated: number;
  ready: number;
  available: number;
  desired: number;
  message: string;
}

export interface PodProblem {
  pod: string;
  container?: string;
  /** `ImagePullBackOff`, `CrashLoopBackOff`, `Unschedulable`, `NotReady`… */
  reason: string;
  message?: string;
}

export type RolloutStatus = 'complete' | 'failed' | 'timeout';

export interface RolloutResult {
  kind: FollowedKind;
  /** The workload's name (a Deployment's, StatefulSet's or DaemonSet's). */
  deployment: string;
  namespace: string;
  status: RolloutStatus;
  message: string;
  revision?: string;
  durationMs: number;
  /** Why the new pods are not available (empty when complete). */
  problems: PodProblem[];
}

export interface FollowRolloutOptions {
  /** Default: Deployment. */
  kind?: FollowedKind;
  /** Gives up after this long even when the Deployment's own progress deadline is further away. */
  timeoutMs?: number;
  onProgress?: (progress: RolloutProgress) => void;
  signal?: AbortSignal;
}

export interface RolloutState {
  done: boolean;
  /** Set when the rollout can no longer succeed by itself. */
  failed?: string;
  progress: RolloutProgress;
}

/** kubectl's rollout status rules for a Deployment, as a pure function of the object. */
export function rolloutState(deployment: Deployment): RolloutState {
  const name = deployment.metadata?.name ?? '';
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const total = status.replicas ?? 0;
  const progress = (message: string): RolloutProgress => ({ deployment: name, updated, ready, available, desired, message });
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? -1)) {
    return { done: false, progress: progress('Waiting for the deployment spec update to be observed') };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      done: false,
      failed: `Deployment "${name}" exceeded its progress deadline`,
      progress: progress(`Deployment "${name}" exceeded its progress deadline`),
    };
  }
  const rolledOut = updated >= desired && total <= updated && available >= updated && available >= desired;
  // The controller makes no new pods for a paused Deployment: waiting would only run into the timeout.
  if (deployment.spec?.paused && !rolledOut) {
    const paused = `Deployment "${name}" is paused, so the new pods will not roll out until it is resumed (kubectl rollout resume deployment/${name})`;
    return { done: false, failed: paused, progress: progress(paused) };
  }
  if (updated < desired) return { done: false, progress: progress(`${updated} of ${desired} new replicas have been updated`) };
  if (total > updated) return { done: false, progress: progress(`${total - updated} old replicas are pending termination`) };
  if (available < updated || available < desired)
    return { done: false, progress: progress(`${available} of ${desired} updated replicas are available`) };
  return { done: true, progress: progress(`Deployment "${name}" successfully rolled out`) };
}

/** The rollout state of any followed kind: a StatefulSet or DaemonSet has no deadline, so it never fails by itself. */
export function workloadRolloutState(kind: FollowedKind, object: KubeObject): RolloutState {
  if (kind === 'Deployment') return rolloutState(object);
  const { done, message, ...counts } = kind === 'StatefulSet' ? statefulSetState(object) : daemonSetState(object);
  return { done, progress: { deployment: object.metadata?.name ?? '', ...counts, message } };
}

const COLLECTIONS: Record<FollowedKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

export function workloadCollection(kind: FollowedKind, namespace: string): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${COLLECTIONS[kind]}`;
}

/**
 * Resolves when the rollout is complete, failed (progress deadline exceeded) or out of time; rejects only
 * for errors that say nothing about the rollout (forbidden, not found, cancelled).
 */
export async function followRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  options: FollowRolloutOptions = {},
): Promise<RolloutResult> {
  const started = performance.now();
  const kind = options.kind ?? 'Deployment';
  const collection = workloadCollection(kind, namespace);
  const where = { context: client.context, action: `follow the rollout of ${kind}/${name}` };
  const timeoutMs = options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  let latest: KubeObject | undefined;

  const outcome = await new Promise<{ status: RolloutStatus; message: string } | { error: DeployError | ServiceError }>((resolve) => {
    let settled = false;
    let watcher: AbortController | undefined;
    let resourceVersion: string | undefined;
    let lastProgress = '';
    let reconnectError: unknown;
    const finish = (result: { status: RolloutStatus; message: string } | { error: DeployError | ServiceError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      watcher?.abort();
      resolve(result);
    };
    const deadline = setTimeout(() => {
      const suffix = reconnectError ? ` (the watch kept failing: ${deployErrorOf(reconnectError, where).message})` : '';
      finish({
        status: 'timeout',
        message: `${kind} "${name}" did not finish rolling out within ${Math.round(timeoutMs / 1000)} s${suffix}`,
      });
    }, timeoutMs);
    const onAbort = () => finish({ error: new DeployError('timeout', `Stopped following the rollout of ${kind} "${name}".`) });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const judge = (workload: KubeObject) => {
      latest = workload;
      resourceVersion = workload.metadata?.resourceVersion ?? resourceVersion;
      const state = workloadRolloutState(kind, workload);
      const key = JSON.stringify(state.progress);
      if (key !== lastProgress) options.onProgress?.(state.progress);
      lastProgress = key;
      if (state.failed) finish({ status: 'failed', message: state.failed });
      else if (state.done) finish({ status: 'complete', message: state.progress.message });
    };

    // (Re)list then watch from the list's resourceVersion: the start, and the recovery from 410 Gone.
    const listAndWatch = async (): Promise<void> => {
      try {
        const current = await client.request<KubeObject>('GET', `${collection}/${encodeURIComponent(name)}`);
        reconnectError = undefined;
        judge(current);
        if (!settled) await startWatch();
      } catch (error) {
        const status = isServiceError(error) ? error.status : undefined;
        if (status === 404)
          return finish({
            error: new ServiceError(KUBERNETES, 'not-found', `${kind} "${name}" does not exist in namespace "${namespace}".`, {
              status,
              cause: error,
            }),
          });
        if (status !== undefined && status < 500) return finish({ error: deployErrorOf(error, where) });
        reconnectError = error;
        retryLater(listAndWatch);
      }
    };
    const retryLater = (next: () => Promise<void>) => {
      if (!settled) setTimeout(() => void next(), RECONNECT_DELAY_MS);
    };
    const startWatch = async (): Promise<void> => {
      let restartFromList = false;
      watcher = await client.watch<KubeObject>(
        collection,
        { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
        (event: WatchEvent<KubeObject>) => {
          if (settled) return;
          if (event.type === 'ERROR') {
            // 410 Gone: the resourceVersion is older than the server keeps; start over from a fresh list.
            restartFromList = true;
            return;
          }
          if (event.type === 'BOOKMARK') resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          else if (event.type === 'DELETED')
            finish({ error: new ServiceError(KUBERNETES, 'not-found', `${kind} "${name}" was deleted during its rollout.`) });
          else judge(event.object);
        },
        (error: unknown) => {
          if (settled) return;
          const status = isServiceError(error) ? error.status : undefined;
          if (restartFromList || status === 410) return void listAndWatch();
          if (status === 401 || status === 403) return finish({ error: deployErrorOf(error, where) });
          if (error) {
            reconnectError = error;
            return retryLater(listAndWatch);
          }
          // The server ended the watch (timeoutSeconds): carry on from where it stopped.
          void startWatch().catch((e: unknown) => {
            reconnectError = e;
            retryLater(listAndWatch);
          });
        },
      );
    };
    void listAndWatch();
  });

  const durationMs = Math.round(performance.now() - started);
  if ('error' in outcome) throw outcome.error;
  const revision = latest?.metadata?.annotations?.[ANNOTATION_REVISION];
  const problems = outcome.status === 'complete' || !latest ? [] : await rolloutProblems(client, kind, latest).catch(() => []);
  return {
    kind,
    deployment: name,
    namespace,
    status: outcome.status,
    message: outcome.message,
    ...(revision ? { revision } : {}),
    durationMs,
    problems,
  };
}

function rolloutProblems(client: KubeClient, kind: FollowedKind, workload: KubeObject): Promise<PodProblem[]> {
  return kind === 'Deployment' ? newReplicaSetProblems(client, workload) : ownedPodProblems(client, workload);
}

/** The pods a StatefulSet or DaemonSet owns (by owner reference: its labels may select others' pods too). */
export async function ownedPods(client: KubeClient, workload: StatefulSet | DaemonSet): Promise<Pod[]> {
  const namespace = workload.metadata?.namespace ?? 'default';
  const pods = await client.request<KubeList<Pod>>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    query: { labelSelector: labelSelector(workload.spec?.selector?.matchLabels) },
  });
  return pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === workload.metadata?.uid));
}

async function ownedPodProblems(client: KubeClient, workload: StatefulSet | DaemonSet): Promise<PodProblem[]> {
  return (await ownedPods(client, workload)).flatMap(podProblems);
}

/** The ReplicaSets a Deployment owns (by owner reference, not only by labels, which others may share). */
export async function ownedReplicaSets(client: KubeClient, deployment: Deployment): Promise<ReplicaSet[]> {
  const namespace = deployment.metadata?.namespace ?? 'default';
  const list = await client.request<KubeList<ReplicaSet>>('GET', `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`, {
    query: { labelSelector: labelSelector(deployment.spec?.selector?.matchLabels) },
  });
  return list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid));
}

/** Why the pods of the Deployment's current (newest) ReplicaSet are not available. */
export async function newReplicaSetProblems(client: KubeClient, deployment: Deployment): Promise<PodProblem[]> {
  const revision = deployment.metadata?.annotations?.[ANNOTATION_REVISION];
  const replicaSets = await ownedReplicaSets(client, deployment);
  const newest =
    replicaSets.find((rs) => rs.metadata?.annotations?.[ANNOTATION_REVISION] === revision) ?? replicaSets.sort(byRevision).at(-1);
  if (!newest) return [];
  const namespace = newest.metadata?.namespace ?? 'default';
  const hash = newest.metadata?.labels?.['pod-template-hash'];
  const pods = await client.request<KubeList<Pod>>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    query: { labelSelector: labelSelector({ ...deployment.spec?.selector?.matchLabels, ...(hash ? { 'pod-template-hash': hash } : {}) }) },
  });
  const owned = pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === newest.metadata?.uid));
  const problems = owned.flatMap(podProblems);
  if (owned.length === 0) {
    // No pod at all: the ReplicaSet could not create them (quota, admission, missing service account).
    const failure = newest.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    if (failure)
      problems.push({
        pod: `(ReplicaSet ${newest.metadata?.name ?? ''})`,
        reason: failure.reason ?? 'ReplicaFailure',
        ...(failure.message ? { message: failure.message } : {}),
      });
  }
  return problems;
}

const STARTING_REASONS = new Set(['ContainerCreating', 'PodInitializing']);

/** Why one pod is not available: waiting reasons (ImagePullBackOff, CrashLoopBackOff…), unschedulable, not ready. */
export function podProblems(pod: Pod): PodProblem[] {
  const name = pod.metadata?.name ?? '';
  const status = pod.status ?? {};
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (status.phase === 'Pending' && scheduled?.status === 'False') {
    return [{ pod: name, reason: scheduled.reason ?? 'Unschedulable', ...(scheduled.message ? { message: scheduled.message } : {}) }];
  }
  const problems: PodProblem[] = [];
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const problem = containerProblem(container);
    if (problem) problems.push({ pod: name, ...problem });
  }
  if (problems.length === 0 && status.phase === 'Failed')
    problems.push({ pod: name, reason: status.reason ?? 'Failed', ...(status.message ? { message: status.message } : {}) });
  return problems;
}

function containerProblem(container: ContainerStatus): Omit<PodProblem, 'pod'> | undefined {
  const base = container.name ? { container: container.name } : {};
  const waiting = container.state?.waiting;
  const lastExit = container.lastState?.terminated;
  if (waiting?.reason && !STARTING_REASONS.has(waiting.reason)) {
    const exit = lastExit ? `last exit code ${lastExit.exitCode ?? '?'}${lastExit.reason ? ` (${lastExit.reason})` : ''}` : undefined;
    const message = [waiting.message, waiting.reason === 'CrashLoopBackOff' ? exit : undefined].filter(Boolean).join('; ');
    return { ...base, reason: waiting.reason, ...(message ? { message } : {}) };
  }
  const terminated = container.state?.terminated;
  if (terminated && terminated.exitCode !== 0) {
    return {
      ...base,
      reason: terminated.reason ?? 'Error',
      message: [terminated.message, `exit code ${terminated.exitCode ?? '?'}`].filter(Boolean).join('; '),
    };
  }
  if (container.state?.running && container.ready === false)
    return { ...base, reason: 'NotReady', message: 'running but not passing its readiness probe' };
  return undefined;
}

export function labelSelector(labels: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(labels ?? {});
  return entries.length > 0 ? entries.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
}

export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return Number(a.metadata?.annotations?.[ANNOTATION_REVISION] ?? 0) - Number(b.metadata?.annotations?.[ANNOTATION_REVISION] ?? 0);
}
