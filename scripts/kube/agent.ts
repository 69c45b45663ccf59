// The test agent: a stand-in kubelet for the node `conveyor-node`, run as a child process of the test
// runner (so a busy or paused test process cannot make the node go NotReady). It registers the Node, keeps
// it Ready (Lease renewals plus status heartbeats), watches the pods the real scheduler binds to it and
// reports them through pods/status the way a kubelet would:
//   - image containing `never-ready` or `does-not-exist` → waiting ImagePullBackOff, pod Pending;
//   - image containing `crash` → waiting CrashLoopBackOff with a restart count that keeps rising;
//   - anything else → running, started and ready (imageID docker-pullable://<image>).
// Pods being deleted are removed (grace period 0) as a kubelet does once their containers stopped. It also
// serves container logs over HTTPS like the kubelet's /containerLogs, so the apiserver's pods/log proxy
// streams real bytes: one line every 200 ms per container.
// And it serves port-forward like the kubelet's /portForward/<namespace>/<pod>?port=P: the apiserver proxies
// the client's WebSocket upgrade of pods/portforward here; the agent answers with v4.channel.k8s.io (the
// newest the kubelet speaks) and runs its channels: per forwarded port i a data channel 2i and an error channel
// 2i+1, each opened by a frame carrying the port as 2 bytes little-endian. A pod has no network here, so its
// port P is whatever listens on 127.0.0.1:<L> when the pod carries the annotation `conveyor.test/forward-P: "L"`;
// without one, the error channel says so (as a kubelet reports a refused connection) and the stream closes.
// Usage: node --import tsx scripts/kube/agent.ts CONFIG.json
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { api, ApiError, apiRequest, kubeMicroTime, kubeTime, watch } from './api';
import type { ApiTarget } from './api';

export interface AgentConfig {
  server: string;
  /** A token for system:node:<nodeName> in group system:nodes: the Node authorizer decides what it may do. */
  token: string;
  caFile: string;
  nodeName: string;
  /** HTTPS port on 127.0.0.1 for /containerLogs (the node's kubeletEndpoint). */
  port: number;
  certFile: string;
  keyFile: string;
  /** The agent exits when this process is gone, so a killed test run leaves no agent behind. */
  parentPid: number;
  kubeVersion: string;
}

interface Container {
  name: string;
  image: string;
}

interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec: { nodeName?: string; containers: Container[]; initContainers?: Container[] };
  status?: { phase?: string; conditions?: { type: string; lastTransitionTime?: string }[] };
}

interface PodList {
  metadata: { resourceVersion: string };
  items: Pod[];
}

type Behaviour = 'running' | 'pull-fails' | 'crash';

/** What the agent remembers about a pod it runs, so repeated reports are identical unless something changes. */
interface PodRecord {
  pod: Pod;
  firstSeen: number;
  ip: string;
  /** Status last accepted by the apiserver (its JSON), to skip identical patches. */
  reported?: string;
  busy: boolean;
  deleting: boolean;
}

const LOG_INTERVAL_MS = 200;
/** Older lines are "rotated away", as a real node's logs are. */
const LOG_HISTORY_LINES = 1000;
const CRASH_RESTART_EVERY_MS = 3_000;
const HEARTBEAT_MS = 10_000;
/** `conveyor.test/forward-<podPort>: <local port>`: where a pod's port really listens (see the header). */
export const FORWARD_ANNOTATION_PREFIX = 'conveyor.test/forward-';
const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];

export function behaviourOf(image: string): Behaviour {
  if (image.includes('never-ready') || image.includes('does-not-exist')) {
    return 'pull-fails';
  }
  return image.includes('crash') ? 'crash' : 'running';
}

class Agent {
  private readonly target: ApiTarget;
  private readonly pods = new Map<string, PodRecord>();
  private nextIp = 2;
  private nodeUid = '';
  private readonly nodeSince = kubeTime();

  constructor(private readonly config: AgentConfig) {
    this.target = { server: config.server, token: config.token, ca: readFileSync(config.caFile, 'utf8') };
  }

  async run(): Promise<void> {
    await this.serveLogs();
    await this.retry('register node', () => this.registerNode());
    setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    void this.heartbeat();
    // A resync that retries failed reports and moves crash-looping restart counts along.
    setInterval(() => this.pods.forEach((record) => void this.reconcile(record)), 1_000);
    void this.watchPods();
  }

  private log(message: string): void {
    console.log(`${new Date().toISOString()} ${message}`);
  }

  private async retry(what: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (error) {
        if (attempt % 10 === 1) {
          this.log(`${what} failed (attempt ${attempt}): ${(error as Error).message}`);
        }
        await sleep(500);
      }
    }
  }

  // ---- Node and Lease ----

  private nodeStatus(): object {
    const now = kubeTime();
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.nodeSince,
    });
    const resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '20Gi' };
    return {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'conveyor test agent has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'conveyor test agent has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'conveyor test agent has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'conveyor test agent is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: this.config.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.config.port } },
      nodeInfo: {
        machineID: 'conveyor-test-agent',
        systemUUID: 'conveyor-test-agent',
        bootID: `conveyor-${process.pid}`,
        kernelVersion: 'conveyor',
        osImage: 'Conveyor test agent',
        containerRuntimeVersion: 'docker://20.10.0',
        kubeletVersion: this.config.kubeVersion,
        kubeProxyVersion: this.config.kubeVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private async registerNode(): Promise<void> {
    const name = this.config.nodeName;
    const existing = await api<{ metadata: { uid: string } }>(this.target, 'GET', `/api/v1/nodes/${name}`, undefined, { allow: [404] });
    if (existing.status === 404) {
      const created = await api<{ metadata: { uid: string } }>(this.target, 'POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
        spec: {},
        // Nodes may carry their status on create (a kubelet registers that way); it is patched below anyway.
        status: this.nodeStatus(),
      });
      this.nodeUid = created.body.metadata.uid;
      this.log(`registered node ${name}`);
    } else {
      this.nodeUid = existing.body.metadata.uid;
    }
    await this.postNodeStatus();
  }

  private async postNodeStatus(): Promise<void> {
    await api(this.target, 'PATCH', `/api/v1/nodes/${this.config.nodeName}/status`, { status: this.nodeStatus() }, { patch: 'strategic' });
  }

  /** Lease renewal is what the node lifecycle controller watches; the status heartbeat also restores Ready after an outage. */
  private async heartbeat(): Promise<void> {
    try {
      await this.renewLease();
      await this.postNodeStatus();
    } catch (error) {
      this.log(`heartbeat failed: ${(error as Error).message}`);
      if (error instanceof ApiError && error.status === 404) {
        // Someone deleted the Node: register again, as a kubelet would after a restart.
        await this.registerNode().catch(() => undefined);
      }
    }
  }

  private async renewLease(): Promise<void> {
    const name = this.config.nodeName;
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
    const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: kubeMicroTime() };
    const existing = await api(this.target, 'GET', leasePath, undefined, { allow: [404] });
    if (existing.status === 404) {
      await api(this.target, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: this.nodeUid }] },
        spec,
      });
    } else {
      await api(this.target, 'PATCH', leasePath, { spec }, { patch: 'merge' });
    }
  }

  // ---- Pods ----

  private async watchPods(): Promise<void> {
    const selector = `fieldSelector=${encodeURIComponent(`spec.nodeName=${this.config.nodeName}`)}`;
    for (;;) {
      try {
        const list = await api<PodList>(this.target, 'GET', `/api/v1/pods?${selector}`);
        const seen = new Set<string>();
        for (const pod of list.body.items) {
          seen.add(pod.metadata.uid);
          this.observe(pod);
        }
        for (const uid of [...this.pods.keys()].filter((uid) => !seen.has(uid))) {
          this.pods.delete(uid);
        }
        let resourceVersion = list.body.metadata.resourceVersion;
        const stream = watch<Pod & { code?: number }>(
          this.target,
          `/api/v1/pods?${selector}&watch=true&allowWatchBookmarks=true&timeoutSeconds=240&resourceVersion=${resourceVersion}`,
          (event) => {
            if (event.type === 'ERROR') {
              // Usually 410 Gone: the version is too old; the stream ends and we list again.
              this.log(`watch error: ${JSON.stringify(event.object)}`);
              return;
            }
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            if (event.type === 'DELETED') {
              this.pods.delete(event.object.metadata.uid);
            } else if (event.type !== 'BOOKMARK') {
              this.observe(event.object);
            }
          },
        );
        await stream.done;
      } catch (error) {
        this.log(`pod watch: ${(error as Error).message}`);
      }
      await sleep(500);
    }
  }

  private observe(pod: Pod): void {
    const uid = pod.metadata.uid;
    let record = this.pods.get(uid);
    if (!record) {
      record = { pod, firstSeen: Date.now(), ip: `10.244.0.${this.nextIp}`, busy: false, deleting: false };
      this.nextIp = this.nextIp >= 254 ? 2 : this.nextIp + 1;
      this.pods.set(uid, record);
    }
    record.pod = pod;
    void this.reconcile(record);
  }

  private async reconcile(record: PodRecord): Promise<void> {
    const { pod } = record;
    if (record.busy || pod.spec.nodeName !== this.config.nodeName || ['Succeeded', 'Failed'].includes(pod.status?.phase ?? '')) {
      return;
    }
    record.busy = true;
    try {
      if (pod.metadata.deletionTimestamp) {
        await this.finishDeletion(record);
        return;
      }
      const status = this.podStatus(record);
      const json = JSON.stringify(status);
      if (json !== record.reported) {
        const podPath = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
        // A merge patch replaces the lists (conditions, containerStatuses) and keeps what we do not set (qosClass).
        await api(this.target, 'PATCH', podPath, { status }, { patch: 'merge' });
        record.reported = json;
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) {
        this.log(`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(error as Error).message}`);
      }
    } finally {
      record.busy = false;
    }
  }

  /** The containers "stopped" at once; the kubelet's last step is deleting the pod with grace period 0. */
  private async finishDeletion(record: PodRecord): Promise<void> {
    if (record.deleting) {
      return;
    }
    record.deleting = true;
    const { metadata } = record.pod;
    const response = await apiRequest(this.target, 'DELETE', `/api/v1/namespaces/${metadata.namespace}/pods/${metadata.name}`, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: metadata.uid },
    });
    if (response.status >= 300 && response.status !== 404 && response.status !== 409) {
      record.deleting = false;
      throw new ApiError(response.status, 'DELETE', metadata.name, response.text);
    }
  }

  private podStatus(record: PodRecord): object {
    const { pod, firstSeen } = record;
    const started = kubeTime(firstSeen);
    const containerStatuses = pod.spec.containers.map((container) => this.containerStatus(record, container));
    const unready = containerStatuses.filter((status) => !status.ready).map((status) => status.name);
    const pullFails = pod.spec.containers.some((container) => behaviourOf(container.image) === 'pull-fails');
    const ready = unready.length === 0;
    const scheduledAt = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled')?.lastTransitionTime ?? started;
    const notReady = { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
    return {
      phase: pullFails ? 'Pending' : 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: started, ...(ready ? {} : notReady) },
        {
          type: 'ContainersReady',
          status: ready ? 'True' : 'False',
          lastProbeTime: null,
          lastTransitionTime: started,
          ...(ready ? {} : notReady),
        },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: scheduledAt },
      ],
      hostIP: '127.0.0.1',
      podIP: record.ip,
      podIPs: [{ ip: record.ip }],
      startTime: started,
      initContainerStatuses: (pod.spec.initContainers ?? []).map((container) => ({
        name: container.name,
        state: {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: started,
            finishedAt: started,
            containerID: containerId(pod, container),
          },
        },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: container.image,
        imageID: `docker-pullable://${container.image}`,
        containerID: containerId(pod, container),
      })),
      containerStatuses,
    };
  }

  private containerStatus(record: PodRecord, container: Container): { name: string; ready: boolean } & Record<string, unknown> {
    const { pod, firstSeen } = record;
    const base = { name: container.name, image: container.image };
    switch (behaviourOf(container.image)) {
      case 'pull-fails':
        return {
          ...base,
          state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` } },
          lastState: {},
          ready: false,
          restartCount: 0,
          imageID: '',
          started: false,
        };
      case 'crash': {
        const restarts = Math.floor((Date.now() - firstSeen) / CRASH_RESTART_EVERY_MS) + 1;
        const lastStart = firstSeen + (restarts - 1) * CRASH_RESTART_EVERY_MS;
        return {
          ...base,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 10s restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: kubeTime(lastStart),
              finishedAt: kubeTime(lastStart + 1_000),
              containerID: containerId(pod, container),
            },
          },
          ready: false,
          restartCount: restarts,
          imageID: `docker-pullable://${container.image}`,
          containerID: containerId(pod, container),
          started: false,
        };
      }
      default:
        return {
          ...base,
          state: { running: { startedAt: kubeTime(firstSeen) } },
          lastState: {},
          ready: true,
          restartCount: 0,
          imageID: `docker-pullable://${container.image}`,
          containerID: containerId(pod, container),
          started: true,
        };
    }
  }

  // ---- Logs ----

  private serveLogs(): Promise<void> {
    const server = createServer({ cert: readFileSync(this.config.certFile), key: readFileSync(this.config.keyFile) }, (req, res) => {
      try {
        this.handleLogs(req, res);
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end((error as Error).message);
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, '127.0.0.1', () => {
        this.log(`serving container logs on https://127.0.0.1:${this.config.port}`);
        resolve();
      });
      const sockets = new WebSocketServer({
        noServer: true,
        handleProtocols: (offered) => PORT_FORWARD_PROTOCOLS.find((p) => offered.has(p)) ?? false,
      });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(sockets, req, socket, head));
    });
  }

  // ---- Port forward ----

  private handleUpgrade(sockets: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    this.log(`upgrade ${req.method ?? ''} ${req.url ?? ''} (protocols: ${String(req.headers['sec-websocket-protocol'] ?? '')})`);
    const match = /^\/portForward\/([^/]+)\/([^/]+)(?:\/[^/]+)?$/.exec(url.pathname);
    // The apiserver 1.20 turns the client's `ports` into the kubelet's `port`.
    const ports = ['port', 'ports']
      .flatMap((key) => url.searchParams.getAll(key))
      .flatMap((p) => p.split(','))
      .map(Number);
    const record =
      match &&
      [...this.pods.values()].find(
        ({ pod }) => pod.metadata.namespace === decodeURIComponent(match[1]) && pod.metadata.name === decodeURIComponent(match[2]),
      );
    const refuse = (status: string, message: string) =>
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}`);
    if (!match) return void refuse('404 Not Found', '404 page not found');
    if (!record) return void refuse('404 Not Found', `pod "${match[2]}" not found`);
    if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      return void refuse('400 Bad Request', 'query parameter "port" is required and must be valid port numbers');
    }
    sockets.handleUpgrade(req, socket, head, (ws) => this.forwardPorts(ws, record.pod, ports));
  }

  private forwardPorts(ws: WebSocket, pod: Pod, ports: number[]): void {
    const frame = (channel: number, data: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([channel]), data]));
    const connections: Socket[] = [];
    let open = ports.length;
    const done = () => {
      if (--open === 0) ws.close();
    };
    ports.forEach((port, index) => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16LE(port);
      frame(2 * index, prefix);
      frame(2 * index + 1, prefix);
      let finished = false;
      const finish = () => {
        if (!finished) done();
        finished = true;
      };
      const fail = (reason: string) => {
        if (!finished)
          frame(
            2 * index + 1,
            Buffer.from(`error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: ${reason}`),
          );
        finish();
      };
      const local = Number(pod.metadata.annotations?.[`${FORWARD_ANNOTATION_PREFIX}${port}`]);
      if (!Number.isInteger(local) || local <= 0)
        return fail(`nothing listens on port ${port} in the pod (no ${FORWARD_ANNOTATION_PREFIX}${port} annotation)`);
      const connection = connect(local, '127.0.0.1');
      connections[index] = connection;
      connection.on('data', (chunk: Buffer) => frame(2 * index, chunk));
      connection.on('error', (error) => fail(error.message));
      connection.on('close', finish);
    });
    ws.on('message', (data: Buffer) => {
      const connection = connections[Math.floor(data[0] / 2)];
      if (data.length > 1 && data[0] % 2 === 0 && connection && !connection.destroyed) connection.write(data.subarray(1));
    });
    ws.on('close', () => connections.forEach((connection) => connection.destroy()));
  }

  private handleLogs(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!match || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
      return;
    }
    const [namespace, podName, containerName] = match.slice(1).map(decodeURIComponent) as [string, string, string];
    const record = [...this.pods.values()].find(({ pod }) => pod.metadata.namespace === namespace && pod.metadata.name === podName);
    const container = record?.pod.spec.containers.find((candidate) => candidate.name === containerName);
    if (!record || !container) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end(`pod "${podName}" or container "${containerName}" not found in namespace "${namespace}"`);
      return;
    }
    const behaviour = behaviourOf(container.image);
    // The kubelet's own words, which the apiserver passes on as the error message.
    if (behaviour === 'pull-fails') {
      res
        .writeHead(400, { 'Content-Type': 'text/plain' })
        .end(`container "${containerName}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      return;
    }
    if (url.searchParams.get('previous') === 'true' && behaviour !== 'crash') {
      res
        .writeHead(400, { 'Content-Type': 'text/plain' })
        .end(`previous terminated container "${containerName}" in pod "${podName}" not found`);
      return;
    }
    const timestamps = url.searchParams.get('timestamps') === 'true';
    const follow = url.searchParams.get('follow') === 'true' && behaviour === 'running';
    const line = (index: number) => {
      const at = record.firstSeen + index * LOG_INTERVAL_MS;
      const text = `${containerName} ${index}: ${container.image} handled request ${index} in ${(index % 7) + 1} ms`;
      return `${timestamps ? `${nanoTime(at)} ` : ''}${text}\n`;
    };
    const lineCount = () => Math.floor((Date.now() - record.firstSeen) / LOG_INTERVAL_MS);
    let last = lineCount();
    let first = Math.max(1, last - LOG_HISTORY_LINES + 1);
    const tail = url.searchParams.get('tailLines');
    if (tail !== null && Number.isFinite(Number(tail)) && Number(tail) >= 0) {
      first = Math.max(first, last - Number(tail) + 1);
    }
    const sinceSeconds = Number(url.searchParams.get('sinceSeconds') ?? '');
    const sinceTime = Date.parse(url.searchParams.get('sinceTime') ?? '');
    const since = sinceSeconds > 0 ? Date.now() - sinceSeconds * 1000 : Number.isFinite(sinceTime) ? sinceTime : 0;
    if (since > 0) {
      first = Math.max(first, Math.ceil((since - record.firstSeen) / LOG_INTERVAL_MS));
    }
    let budget = Number(url.searchParams.get('limitBytes') ?? '') || Infinity;
    // false once limitBytes is used up.
    const write = (text: string): boolean => {
      const bytes = Buffer.from(text);
      if (bytes.length >= budget) {
        res.end(bytes.subarray(0, budget));
        budget = 0;
        return false;
      }
      budget -= bytes.length;
      res.write(bytes);
      return true;
    };
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    for (let index = first; index <= last; index++) {
      if (!write(line(index))) {
        return;
      }
    }
    if (!follow) {
      res.end();
      return;
    }
    res.flushHeaders();
    const timer = setInterval(() => {
      const now = lineCount();
      for (; last < now;) {
        last++;
        if (!write(line(last))) {
          clearInterval(timer);
          return;
        }
      }
      if (!this.pods.has(record.pod.metadata.uid)) {
        clearInterval(timer);
        res.end();
      }
    }, LOG_INTERVAL_MS);
    res.on('close', () => clearInterval(timer));
  }
}

function containerId(pod: Pod, container: Container): string {
  const seed = `${pod.metadata.uid}/${container.name}`;
  let hex = '';
  for (let i = 0; hex.length < 64; i++) {
    hex += ((seed.charCodeAt(i % seed.length) * 2654435761 + i * 40503) >>> 0).toString(16).padStart(8, '0');
  }
  return `docker://${hex.slice(0, 64)}`;
}

/** RFC 3339 with nanoseconds, as the kubelet's `timestamps=true` prefixes lines. */
function nanoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d+)Z$/, (_, fraction: string) => `.${fraction.padEnd(9, '0')}Z`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function watchParent(parentPid: number): void {
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      console.log(`${new Date().toISOString()} parent ${parentPid} is gone: exiting`);
      process.exit(0);
    }
  }, 2_000);
}

if (process.argv[1] && /agent\.[cm]?[jt]s$/.test(process.argv[1]) && process.argv[2]) {
  const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as AgentConfig;
  watchParent(config.parentPid);
  process.on('SIGTERM', () => process.exit(0));
  new Agent(config).run().catch((error: unknown) => {
    console.error(`agent failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}
