// The Environments view's picture of one namespace: Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods, autoscalers and
// their events kept current by watches while the view is visible (start) and costing nothing while it is hidden (stop).
import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1DaemonSet,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { realClock, type Clock } from '../../core/clock';
import { isServiceError, type ServiceError } from '../../core/errors';
import { KubeClient, collectionPath } from '../kubeClient';
import type { KubeList } from '../kubeObject';
import { Emitter, type Event } from '../../core/events';
import { servedAutoscalingVersion, type AutoscalingVersion, type HorizontalPodAutoscaler } from './autoscale';
import { autoscalerRow, type AutoscalerRow } from './autoscalerRows';
import { eventRow, type EventRow } from './events';
import { Reflector, backoffDelay, type OpenWatch, type ReflectorTiming, type ResourceSource, type WatchState } from './reflector';
import {
  daemonSetRow,
  deploymentRow,
  podRow,
  replicaSetRow,
  statefulSetRow,
  type DeploymentRow,
  type PodRow,
  type ReplicaSetRow,
} from './workloadRows';

export type ClusterWatchState = WatchState;

export interface ClusterWatchOptions extends Partial<ReflectorTiming> {
  clock?: Clock;
  /** Bursts of watch events (a rollout touches many objects) become one `changed`. */
  debounceMs?: number;
  /** Stands in for the client's watch (tests). */
  openWatch?: OpenWatch;
}

const DEFAULT_TIMING: ReflectorTiming = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  requestTimeoutMs: 30_000,
  // Under the apiserver's own limit (--min-request-timeout 1800 s), like client-go's 5-10 min.
  watchTimeoutSeconds: 300,
};

/** Worst first: the view shows the state of the least healthy watch. */
const STATE_ORDER: WatchState[] = ['error', 'reconnecting', 'connecting', 'connected', 'stopped'];

export class ClusterWatch {
  private readonly deploymentCache: Reflector<V1Deployment>;
  private readonly statefulSetCache: Reflector<V1StatefulSet>;
  private readonly daemonSetCache: Reflector<V1DaemonSet>;
  private readonly replicaSetCache: Reflector<V1ReplicaSet>;
  private readonly podCache: Reflector<V1Pod>;
  private readonly autoscalerEventCache: Reflector<CoreV1Event>;
  /** Made once discovery said which autoscaling version the cluster serves (none on a cluster serving neither). */
  private autoscalerCache?: Reflector<V2HorizontalPodAutoscaler>;
  private autoscalingVersion?: Promise<AutoscalingVersion | undefined>;
  private discoveryFailures = 0;
  private discoveryTimer?: unknown;
  private readonly timing: ReflectorTiming;
  private running = false;
  private readonly client: KubeClient;
  private readonly make: <T extends KubernetesObject>(path: string, noun: string, query?: Record<string, string>) => Reflector<T>;
  private readonly changed = new Emitter();
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private pending?: unknown;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
    options: ClusterWatchOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.debounceMs = options.debounceMs ?? 300;
    const timing: ReflectorTiming = (this.timing = {
      initialBackoffMs: options.initialBackoffMs ?? DEFAULT_TIMING.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_TIMING.maxBackoffMs,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMING.requestTimeoutMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? DEFAULT_TIMING.watchTimeoutSeconds,
    });
    const client = (this.client = new KubeClient(kubeConfig));
    const openWatch: OpenWatch =
      options.openWatch ??
      ((path, query, onEvent, onDone) => client.watch(path, query, (event) => onEvent(event.type, event.object), onDone));
    const make = (this.make = <T extends KubernetesObject>(path: string, noun: string, query?: Record<string, string>) => {
      const source: ResourceSource<T> = {
        path,
        query,
        noun: `${noun} in namespace "${namespace}"`,
        list: async () => listed(await client.request<KubeList<T>>('GET', path, { query })),
      };
      return new Reflector<T>(source, openWatch, this.clock, timing, () => this.scheduleChanged(), client.server);
    });
    this.deploymentCache = make<V1Deployment>(collectionPath('apps/v1', 'deployments', namespace), 'deployments');
    this.statefulSetCache = make<V1StatefulSet>(collectionPath('apps/v1', 'statefulsets', namespace), 'stateful sets');
    this.daemonSetCache = make<V1DaemonSet>(collectionPath('apps/v1', 'daemonsets', namespace), 'daemon sets');
    this.replicaSetCache = make<V1ReplicaSet>(collectionPath('apps/v1', 'replicasets', namespace), 'replica sets');
    this.podCache = make<V1Pod>(collectionPath('v1', 'pods', namespace), 'pods');
    // Only the autoscalers' events (SuccessfulRescale…): a namespace's other events would be most of the traffic.
    this.autoscalerEventCache = make<CoreV1Event>(collectionPath('v1', 'events', namespace), 'autoscaler events', {
      fieldSelector: 'involvedObject.kind=HorizontalPodAutoscaler',
    });
  }

  /** Call when the view becomes visible. */
  start(): void {
    this.running = true;
    for (const cache of this.allCaches()) cache.start();
    this.startAutoscalers();
  }

  /** Call when the view is hidden: closes the watches and makes no further requests. */
  stop(): void {
    this.running = false;
    for (const cache of this.allCaches()) cache.stop();
    if (this.pending !== undefined) this.clock.clearTimeout(this.pending);
    this.pending = undefined;
    this.cancelDiscoveryRetry();
  }

  /** Retry now rather than at the end of the back-off. */
  refresh(): void {
    for (const cache of this.allCaches()) cache.retryNow();
    if (this.discoveryTimer !== undefined) {
      this.cancelDiscoveryRetry();
      this.startAutoscalers();
    }
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }

  get state(): ClusterWatchState {
    const states = this.caches().map((c) => c.state);
    return STATE_ORDER.find((s) => states.includes(s)) ?? 'stopped';
  }

  get error(): ServiceError | undefined {
    return this.caches().find((c) => c.error)?.error;
  }

  get errorMessage(): string | undefined {
    return this.error?.message;
  }

  /** Fires (debounced) when objects or the connection state changed. */
  readonly onChanged: Event<void> = this.changed.event;

  /** List and watch requests made so far: a stopped cache must not add any. */
  get requestCount(): number {
    return this.allCaches().reduce((sum, c) => sum + c.requests.lists + c.requests.watches, 0);
  }

  deployments(): DeploymentRow[] {
    return this.deploymentCache
      .list()
      .map(deploymentRow)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deployments, StatefulSets and DaemonSets, by name. */
  workloads(): DeploymentRow[] {
    return [
      ...this.deploymentCache.list().map(deploymentRow),
      ...this.statefulSetCache.list().map(statefulSetRow),
      ...this.daemonSetCache.list().map(daemonSetRow),
    ].sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  }

  /** The pods of one workload (owned through its ReplicaSets), or every pod of the namespace. */
  pods(deployment?: string, now = this.clock.now()): PodRow[] {
    const owners = new Map(this.replicaSetCache.list().map((rs) => [rs.metadata?.name ?? '', replicaSetRow(rs).deployment]));
    return this.podCache
      .list()
      .map((pod) => podRow(pod, (rs) => owners.get(rs), now))
      .filter((row) => deployment === undefined || row.deployment === deployment)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Newest revision first. */
  replicaSets(deployment?: string): ReplicaSetRow[] {
    return this.replicaSetCache
      .list()
      .map(replicaSetRow)
      .filter((row) => deployment === undefined || row.deployment === deployment)
      .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
  }

  /** The autoscaler that scales this Deployment, if any. */
  autoscaler(deployment: string): AutoscalerRow | undefined {
    // v2beta2 objects have v2's shape in every field the row reads.
    return (this.autoscalerCache?.list() ?? [])
      .map((autoscaler) => autoscalerRow(autoscaler as HorizontalPodAutoscaler))
      .find((row) => row.deployment === deployment);
  }

  /** What an autoscaler reported (rescales, failures to read metrics), newest first. */
  autoscalerEvents(autoscaler: string, now = this.clock.now()): EventRow[] {
    return this.autoscalerEventCache
      .list()
      .filter((event) => event.involvedObject?.name === autoscaler)
      .map((event) => eventRow(event, now))
      .sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
  }

  private startAutoscalers(): void {
    this.autoscalingVersion ??= servedAutoscalingVersion(this.client).then(
      (version) => {
        this.discoveryFailures = 0;
        return version;
      },
      (error: unknown) => {
        // A 404: the cluster has no autoscaling API, so no autoscaler rows. Anything else (a slow or restarting
        // API server) is asked again after a back-off, as the watches are, rather than only on the next start.
        if (isServiceError(error) && error.kind === 'not-found') return undefined;
        this.autoscalingVersion = undefined;
        if (this.running)
          this.discoveryTimer = this.clock.setTimeout(
            () => {
              this.discoveryTimer = undefined;
              if (this.running) this.startAutoscalers();
            },
            backoffDelay(this.timing, ++this.discoveryFailures),
          );
        return undefined;
      },
    );
    void this.autoscalingVersion.then((version) => {
      if (!version || !this.running) return;
      this.autoscalerCache ??= this.make<V2HorizontalPodAutoscaler>(
        collectionPath(version, 'horizontalpodautoscalers', this.namespace),
        'autoscalers',
      );
      this.autoscalerCache.start();
    });
  }

  private cancelDiscoveryRetry(): void {
    if (this.discoveryTimer !== undefined) this.clock.clearTimeout(this.discoveryTimer);
    this.discoveryTimer = undefined;
  }

  /** The workloads and pods: their state and errors are the environment's. */
  private caches(): Reflector<KubernetesObject>[] {
    return [
      this.deploymentCache,
      this.statefulSetCache,
      this.daemonSetCache,
      this.replicaSetCache,
      this.podCache,
    ] as Reflector<KubernetesObject>[];
  }

  /**
   * Plus the autoscalers and their events, which are optional: a Role that covers only deployments and pods
   * (403 on these) leaves the environment usable, without autoscaler rows.
   */
  private allCaches(): Reflector<KubernetesObject>[] {
    return [
      ...this.caches(),
      this.autoscalerEventCache,
      ...(this.autoscalerCache ? [this.autoscalerCache] : []),
    ] as Reflector<KubernetesObject>[];
  }

  private scheduleChanged(): void {
    if (this.pending !== undefined) return;
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      this.changed.fire();
    }, this.debounceMs);
  }
}

function listed<T>(list: KubeList<T>): { items: T[]; resourceVersion: string } {
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
}
