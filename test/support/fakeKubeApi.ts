// A small in-process Kubernetes API server for what a real one cannot easily be made to do on cue: answer a
// patch with 409 or 403, expire a watch with 410 Gone (as HTTP 410 or as an ERROR event), keep a watch open
// without a word, or drop every connection and come back. Plain HTTP on 127.0.0.1; `kubeConfig()` points
// client-node at it.
import type * as http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { FaultScript, StubServer } from './stubServer';
import type { Fault, StubExchange } from './stubServer';

export type FakeResource = 'deployments' | 'statefulsets' | 'daemonsets' | 'replicasets' | 'pods' | 'events' | 'horizontalpodautoscalers';

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    deletionTimestamp?: string;
  };
  [field: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: unknown;
}

interface Watcher {
  resource: FakeResource;
  res: http.ServerResponse;
}

interface HistoryEntry {
  rv: number;
  resource: FakeResource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakeObject;
}

const ROUTES: { pattern: RegExp; resource: FakeResource }[] = [
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?(\/scale)?$/, resource: 'deployments' },
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/statefulsets(?:\/([^/]+))?()$/, resource: 'statefulsets' },
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/daemonsets(?:\/([^/]+))?()$/, resource: 'daemonsets' },
  { pattern: /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets(?:\/([^/]+))?()$/, resource: 'replicasets' },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(\/log)?$/, resource: 'pods' },
  { pattern: /^\/api\/v1\/namespaces\/([^/]+)\/events(?:\/([^/]+))?()$/, resource: 'events' },
  {
    pattern: /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers(?:\/([^/]+))?()$/,
    resource: 'horizontalpodautoscalers',
  },
];

export class FakeKubeApi {
  /** How a watch from a compacted resourceVersion is refused: the apiserver does both, depending on path. */
  goneAs: 'event' | 'http' = 'event';
  /** Watches are accepted and then never written to (a quiet namespace, or a stuck proxy). */
  silentWatches = false;
  /** Every request is refused with this Status (401 for expired credentials). */
  refuseAll?: { status: number; body: object };
  /** Requests to a matching path are refused with this Status (403 for a Role that does not cover a resource). */
  readonly refusePaths: { path: RegExp; status: number; body: object }[] = [];
  /** Log text per pod; served in small chunks so lines and UTF-8 characters straddle them. */
  readonly logs = new Map<string, string>();
  /** Serves the autoscaling API group (autoscaling/v2); without it, /apis/autoscaling is 404 as on a cluster without it. */
  autoscaling = false;
  /** With follow=true, one more line per pod this often. */
  followIntervalMs = 50;

  private readonly faults = new FaultScript<Fault>();
  private readonly objects = new Map<FakeResource, Map<string, FakeObject>>();
  private readonly watchers = new Set<Watcher>();
  private history: HistoryEntry[] = [];
  private rv = 100;
  private compactedBefore = 0;
  private uid = 0;

  private constructor(private readonly server: StubServer<RecordedRequest>) {}

  static async start(): Promise<FakeKubeApi> {
    let api: FakeKubeApi | undefined;
    const server = await StubServer.start<RecordedRequest>({
      jsonType: 'application/json',
      record: (e) => {
        const body = e.readJson();
        return {
          method: e.method,
          path: e.url.pathname,
          query: e.url.searchParams,
          contentType: e.headers['content-type'],
          body: body.ok ? body.value : undefined,
        };
      },
      handle: (e, request) => api?.handle(e, request),
    });
    return (api = new FakeKubeApi(server));
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  kubeConfig(namespace = 'default'): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake-user', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake-user', namespace }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  /** Requests whose path matches, e.g. `requestsTo(/deployments/)`. */
  requestsTo(path: RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => path.test(r.path) && (!method || r.method === method));
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Creates or replaces an object and tells the watchers. */
  put(resource: FakeResource, object: FakeObject): FakeObject {
    const store = this.store(resource);
    const existing = store.get(object.metadata.name);
    const stored: FakeObject = structuredClone(object);
    stored.metadata.uid = existing?.metadata.uid ?? object.metadata.uid ?? `uid-${++this.uid}`;
    stored.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ?? object.metadata.creationTimestamp ?? new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.rv);
    store.set(stored.metadata.name, stored);
    this.record(resource, existing ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  get(resource: FakeResource, name: string): FakeObject | undefined {
    return this.store(resource).get(name);
  }

  remove(resource: FakeResource, name: string): FakeObject | undefined {
    const existing = this.store(resource).get(name);
    if (!existing) return undefined;
    this.store(resource).delete(name);
    const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } };
    this.record(resource, 'DELETED', gone);
    return gone;
  }

  /** The next request matching `method` and `path` gets `status` with `body` (a Status object). */
  failNext(method: string, path: RegExp, status: number, body: object): void {
    this.faults.next({ status, json: body }, { matches: (e) => e.method === method && path.test(e.url.pathname) });
  }

  /**
   * Forgets the watch history (as etcd compaction does), so resuming from any resourceVersion seen so far is
   * 410 Gone; open watches are ended the same way (`goneAs`).
   */
  expireWatches(): void {
    this.compactedBefore = this.rv;
    this.history = [];
    for (const watcher of [...this.watchers]) {
      if (this.goneAs === 'event') this.writeEvent(watcher.res, 'ERROR', goneStatus());
      watcher.res.end();
      this.watchers.delete(watcher);
    }
  }

  /** Stops accepting connections and cuts every open one, as a crashed or unreachable server would. */
  async dropConnections(): Promise<void> {
    this.watchers.clear();
    await this.server.dropConnections();
  }

  resume(): Promise<void> {
    return this.server.resume();
  }

  stop(): Promise<void> {
    return this.dropConnections();
  }

  private store(resource: FakeResource): Map<string, FakeObject> {
    let store = this.objects.get(resource);
    if (!store) this.objects.set(resource, (store = new Map<string, FakeObject>()));
    return store;
  }

  private record(resource: FakeResource, type: HistoryEntry['type'], object: FakeObject): void {
    this.history.push({ rv: Number(object.metadata.resourceVersion), resource, type, object });
    if (this.silentWatches) return;
    for (const watcher of this.watchers) {
      if (watcher.resource === resource) this.writeEvent(watcher.res, type, object);
    }
  }

  private writeEvent(res: http.ServerResponse, type: string, object: object): void {
    res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private handle(exchange: StubExchange, request: RecordedRequest): void {
    const { url, res } = exchange;
    const sendJson = (code: number, body: unknown) => exchange.sendJson(code, body);
    if (this.refuseAll) return exchange.sendJson(this.refuseAll.status, this.refuseAll.body);
    const refused = this.refusePaths.find((r) => r.path.test(url.pathname));
    if (refused) return exchange.sendJson(refused.status, refused.body);
    const fault = this.faults.take(exchange);
    if (fault) return exchange.fault(fault);
    if (url.pathname === '/apis/autoscaling' && this.autoscaling) return sendJson(200, AUTOSCALING_GROUP);
    const route = ROUTES.map((r) => ({ ...r, match: r.pattern.exec(url.pathname) })).find((r) => r.match);
    if (!route?.match) return sendJson(404, status(404, 'NotFound', `the server could not find the requested resource`));
    const [, , name, sub] = route.match;
    const resource = route.resource;
    if (!name && request.method === 'GET') {
      return url.searchParams.get('watch') === 'true'
        ? this.watch(resource, url.searchParams, exchange)
        : this.list(resource, url.searchParams, exchange);
    }
    const object = name ? this.get(resource, name) : undefined;
    if (!object)
      return sendJson(404, status(404, 'NotFound', `${resource}${groupSuffix(resource)} "${name}" not found`, { name, kind: resource }));
    if (sub === '/log' && request.method === 'GET') return this.serveLog(object, url.searchParams, res);
    if (sub === '/scale' && request.method === 'PATCH') return this.patchScale(object, request, exchange);
    if (request.method === 'PATCH') return this.patch(resource, object, request, exchange);
    if (request.method === 'DELETE') {
      this.remove(resource, object.metadata.name);
      return sendJson(200, object);
    }
    return sendJson(200, object);
  }

  private list(resource: FakeResource, query: URLSearchParams, exchange: StubExchange): void {
    let items = [...this.store(resource).values()];
    const fieldSelector = query.get('fieldSelector');
    if (fieldSelector) {
      const wanted = Object.fromEntries(fieldSelector.split(',').map((pair) => pair.split('=') as [string, string]));
      items = items.filter((item) => Object.entries(wanted).every(([field, value]) => fieldOf(item, field) === value));
    }
    exchange.sendJson(200, { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private watch(resource: FakeResource, query: URLSearchParams, exchange: StubExchange): void {
    const { res } = exchange;
    const from = Number(query.get('resourceVersion') || '0');
    if (from > 0 && from < this.compactedBefore) {
      if (this.goneAs === 'http') return exchange.sendJson(410, goneStatus());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      this.writeEvent(res, 'ERROR', goneStatus());
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (!this.silentWatches) {
      for (const entry of this.history) {
        if (entry.resource === resource && entry.rv > from) this.writeEvent(res, entry.type, entry.object);
      }
    }
    const watcher: Watcher = { resource, res };
    this.watchers.add(watcher);
    const timeout = Number(query.get('timeoutSeconds') || '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }

  private patchScale(object: FakeObject, request: RecordedRequest, exchange: StubExchange): void {
    if (request.contentType !== 'application/merge-patch+json')
      return exchange.sendJson(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`));
    const replicas = (request.body as { spec?: { replicas?: number } }).spec?.replicas ?? 0;
    const spec = { ...(object.spec as object), replicas };
    this.put('deployments', { ...object, spec });
    exchange.sendJson(200, {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
      spec: { replicas },
      status: { replicas },
    });
  }

  private patch(resource: FakeResource, object: FakeObject, request: RecordedRequest, exchange: StubExchange): void {
    const merged = deepMerge(object, request.body) as FakeObject;
    merged.metadata.generation = (object.metadata.generation ?? 1) + 1;
    exchange.sendJson(200, this.put(resource, merged));
  }

  private serveLog(pod: FakeObject, query: URLSearchParams, res: http.ServerResponse): void {
    if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
      res.writeHead(204).end();
      return;
    }
    let text = this.logs.get(pod.metadata.name) ?? '';
    const tail = Number(query.get('tailLines') || '0');
    if (tail > 0)
      text = text
        .split(/(?<=\n)/)
        .slice(-tail)
        .join('');
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    // Odd-sized byte chunks: lines and multi-byte characters are cut in the middle.
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 7) res.write(bytes.subarray(i, i + 7));
    if (query.get('follow') !== 'true') {
      res.end();
      return;
    }
    let tick = 0;
    const timer = setInterval(() => res.write(`${pod.metadata.name} tick ${++tick}\n`), this.followIntervalMs);
    res.on('close', () => clearInterval(timer));
  }
}

// --- builders of real-shaped objects --------------------------------------------------------------------

export function deploymentObject(
  name: string,
  options: { replicas?: number; image?: string; annotations?: Record<string, string>; revision?: number; ready?: number } = {},
): FakeObject {
  const replicas = options.replicas ?? 1;
  const ready = options.ready ?? replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'default',
      generation: 1,
      annotations: { 'deployment.kubernetes.io/revision': String(options.revision ?? 1), ...options.annotations },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: options.image ?? `registry.local/${name}:1.0.0` }] },
      },
    },
    status: {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${name}-abc" has successfully progressed.`,
        },
      ],
    },
  };
}

export function replicaSetObject(name: string, deployment: FakeObject, revision = 1): FakeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name, uid: deployment.metadata.uid ?? '', controller: true },
      ],
    },
    spec: { replicas: (deployment.spec as { replicas: number }).replicas, template: (deployment.spec as { template: unknown }).template },
    status: { replicas: 1, readyReplicas: 1 },
  };
}

export function podObject(
  name: string,
  replicaSet: FakeObject | undefined,
  options: { node?: string; waiting?: { reason: string; message: string }; restarts?: number } = {},
): FakeObject {
  const running = !options.waiting;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: replicaSet
        ? [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: replicaSet.metadata.name,
              uid: replicaSet.metadata.uid ?? '',
              controller: true,
            },
          ]
        : undefined,
    },
    spec: { nodeName: options.node, containers: [{ name: 'app', image: 'registry.local/app:1.0.0' }] },
    status: {
      phase: options.node && running ? 'Running' : 'Pending',
      conditions: options.node
        ? [{ type: 'PodScheduled', status: 'True' }]
        : [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }],
      containerStatuses: options.node
        ? [
            {
              name: 'app',
              ready: running,
              restartCount: options.restarts ?? 0,
              image: 'registry.local/app:1.0.0',
              imageID: '',
              state: running ? { running: { startedAt: new Date().toISOString() } } : { waiting: options.waiting },
            },
          ]
        : undefined,
    },
  };
}

export function eventObject(
  name: string,
  involved: { kind: string; name: string },
  fields: { type: string; reason: string; message: string; count?: number; lastTimestamp: string },
): FakeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: involved.kind, name: involved.name, namespace: 'default' },
    type: fields.type,
    reason: fields.reason,
    message: fields.message,
    count: fields.count ?? 1,
    firstTimestamp: fields.lastTimestamp,
    lastTimestamp: fields.lastTimestamp,
    source: { component: 'kubelet' },
  };
}

/** An autoscaling/v2 HorizontalPodAutoscaler of a Deployment, on CPU, as `kubectl autoscale` makes it. */
export function autoscalerFakeObject(deployment: string, bounds: { min: number; max: number; targetCPU: number }): FakeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: deployment, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
      minReplicas: bounds.min,
      maxReplicas: bounds.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: bounds.targetCPU } } }],
    },
    status: { currentReplicas: bounds.min, desiredReplicas: bounds.min },
  };
}

/** A Status body as the apiserver writes it. */
export function status(code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

function goneStatus(): object {
  return status(410, 'Expired', 'too old resource version: 101 (205)');
}

function groupSuffix(resource: FakeResource): string {
  if (resource === 'horizontalpodautoscalers') return '.autoscaling';
  return ['deployments', 'statefulsets', 'daemonsets', 'replicasets'].includes(resource) ? '.apps' : '';
}

/** The APIGroup document of GET /apis/autoscaling, as a 1.23+ API server answers it. */
const AUTOSCALING_GROUP = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: 'autoscaling',
  versions: [
    { groupVersion: 'autoscaling/v2', version: 'v2' },
    { groupVersion: 'autoscaling/v1', version: 'v1' },
  ],
  preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
};

function fieldOf(object: FakeObject, field: string): unknown {
  return field.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);
}

function deepMerge(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch) || typeof target !== 'object' || target === null) return patch;
  const result: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) result[key] = deepMerge(result[key], value);
  return result;
}
