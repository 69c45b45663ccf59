// Port-forwards through the API server, as `kubectl port-forward` does: a local server on 127.0.0.1 whose every
// accepted connection opens one pods/portforward WebSocket (client-node's PortForward) to a pod. A forward of a
// deployment or service re-resolves its pod when the pod it used is gone or no longer ready, so it follows a
// rollout; a forward of one pod ends when that pod goes away.
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { ServiceError, isServiceError, messageOf } from '../../core/errors';
import { KubeClient, collectionPath } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import type { Deployment, KubeList, Pod, Service } from '../kubeObject';
import {
  containerPorts,
  isPodReady,
  pickReadyPod,
  resolvePodPort,
  selectorQuery,
  serviceSelector,
  servicePorts,
  serviceTargetPort,
  type ForwardTarget,
  type PortChoice,
} from './portForwardTarget';

export interface ForwardRequest {
  namespace: string;
  target: ForwardTarget;
  /** A service's port, else the pod's port: a number or a container port's name. */
  remotePort: number | string;
  /** 0 or absent: a free port. */
  localPort?: number;
  /** Where the forward shows in the view (the environment's name); the manager only keeps it. */
  environment?: string;
}

export type ForwardState = 'active' | 'ended';

/** One forward as the view and the status bar show it. */
export interface ForwardInfo {
  id: string;
  environment?: string;
  namespace: string;
  target: ForwardTarget;
  remotePort: number | string;
  localPort: number;
  /** The pod connections go to now, and its port. */
  pod: string;
  podPort: number;
  state: ForwardState;
  /** Open connections. */
  connections: number;
  /** Why the forward ended, or the last connection failed (the pod's error channel, the API server's refusal). */
  message?: string;
  /** `http://127.0.0.1:<localPort>` */
  url: string;
}

export interface PortForwardsOptions {
  /** Anything changed: a forward started, stopped, ended, re-attached, a connection opened or closed. */
  onChange?: () => void;
  /** A connection could not be forwarded, or a pod forward ended: the message says why. */
  onProblem?: (forward: ForwardInfo, message: string) => void;
}

interface Forward {
  info: ForwardInfo;
  config: KubeConfig;
  client: KubeClient;
  server: net.Server;
  sockets: Set<net.Socket>;
}

/** The ports a target offers, for the prompt: its pod's container ports, or a service's ports. */
export async function forwardPortChoices(config: KubeConfig, namespace: string, target: ForwardTarget): Promise<PortChoice[]> {
  const client = new KubeClient(config);
  if (target.kind === 'service') return servicePorts(await readObject<Service>(client, namespace, target, 'services'));
  return containerPorts(await resolvePod(client, namespace, target));
}

/** The Services of a namespace that select pods (those a forward can reach), by name. */
export async function forwardableServices(config: KubeConfig, namespace: string): Promise<string[]> {
  const services = await new KubeClient(config)
    .request<KubeList<Service>>('GET', collectionPath('v1', 'services', namespace))
    .catch((error: unknown) => {
      throw kubeErrorOf(error, `list the services of namespace "${namespace}"`);
    });
  return services.items
    .filter((service) => Object.keys(service.spec?.selector ?? {}).length > 0)
    .map((service) => service.metadata?.name ?? '')
    .sort();
}

export class PortForwards {
  private readonly forwards = new Map<string, Forward>();
  private nextId = 1;

  constructor(private readonly options: PortForwardsOptions = {}) {}

  list(): ForwardInfo[] {
    return [...this.forwards.values()].map((f) => ({ ...f.info }));
  }

  /** Resolves the pod and port, then listens; fails with a message the user can act on, nothing left behind. */
  async start(config: KubeConfig, request: ForwardRequest): Promise<ForwardInfo> {
    const client = new KubeClient(config);
    const { pod, podPort } = await resolveEndpoint(client, request);
    const server = net.createServer();
    const localPort = await listen(server, request.localPort ?? 0);
    const id = `forward-${this.nextId++}`;
    const forward: Forward = {
      config,
      client,
      server,
      sockets: new Set(),
      info: {
        id,
        environment: request.environment,
        namespace: request.namespace,
        target: request.target,
        remotePort: request.remotePort,
        localPort,
        pod,
        podPort,
        state: 'active',
        connections: 0,
        url: `http://127.0.0.1:${localPort}`,
      },
    };
    server.on('connection', (socket) => void this.accept(forward, request, socket));
    this.forwards.set(id, forward);
    this.changed();
    return { ...forward.info };
  }

  /** Stops listening and closes its connections; the local port refuses connections afterwards. */
  stop(id: string): void {
    const forward = this.forwards.get(id);
    if (!forward) return;
    this.forwards.delete(id);
    close(forward);
    this.changed();
  }

  dispose(): void {
    for (const forward of this.forwards.values()) close(forward);
    this.forwards.clear();
  }

  private async accept(forward: Forward, request: ForwardRequest, socket: net.Socket): Promise<void> {
    forward.sockets.add(socket);
    forward.info.connections++;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      forward.sockets.delete(socket);
      forward.info.connections--;
      this.changed();
    });
    this.changed();
    try {
      await this.tunnelWithReattach(forward, request, socket);
    } catch (error) {
      socket.destroy();
      if (forward.info.state === 'active' && this.forwards.has(forward.info.id)) this.problem(forward, messageOf(error));
    }
  }

  /** A deployment's or service's pod that went away is replaced by a ready one, and the connection tried once more. */
  private async tunnelWithReattach(forward: Forward, request: ForwardRequest, socket: net.Socket): Promise<void> {
    const reattach = request.target.kind !== 'pod';
    const current = await this.currentPod(forward, request);
    try {
      await tunnel(forward, current, socket, (message) => this.problem(forward, message));
    } catch (error) {
      if (!isServiceError(error, 'not-found')) throw error;
      // The pod went away between the check and the upgrade.
      if (!reattach) return this.end(forward, `Pod "${current}" is gone: the port-forward to it ended.`);
      await this.reattach(forward, request);
      await tunnel(forward, forward.info.pod, socket, (message) => this.problem(forward, message));
    }
  }

  /** The pod to use now: the one in use while it is ready, else (deployment, service) a ready one; a pod forward ends. */
  private async currentPod(forward: Forward, request: ForwardRequest): Promise<string> {
    const path = collectionPath('v1', 'pods', request.namespace, forward.info.pod);
    const pod = await forward.client.getOptional<Pod>(path).catch((error: unknown) => {
      throw kubeErrorOf(error, `read pod "${forward.info.pod}"`);
    });
    if (pod && isPodReady(pod)) return forward.info.pod;
    if (request.target.kind === 'pod') {
      this.end(forward, `Pod "${forward.info.pod}" ${pod ? 'is no longer ready' : 'is gone'}: the port-forward to it ended.`);
      throw new ServiceError(KUBERNETES, 'not-found', forward.info.message ?? '');
    }
    await this.reattach(forward, request);
    return forward.info.pod;
  }

  private async reattach(forward: Forward, request: ForwardRequest): Promise<void> {
    const { pod, podPort } = await resolveEndpoint(forward.client, request);
    forward.info.pod = pod;
    forward.info.podPort = podPort;
    this.changed();
  }

  private end(forward: Forward, message: string): void {
    if (forward.info.state === 'ended') return;
    forward.info.state = 'ended';
    forward.info.message = message;
    close(forward);
    this.options.onProblem?.({ ...forward.info }, message);
    this.changed();
  }

  private problem(forward: Forward, message: string): void {
    if (forward.info.state === 'ended') return;
    forward.info.message = message;
    this.options.onProblem?.({ ...forward.info }, message);
    this.changed();
  }

  private changed(): void {
    this.options.onChange?.();
  }
}

/** The pod a request reaches now, and the pod port its remote port stands for. */
async function resolveEndpoint(client: KubeClient, request: ForwardRequest): Promise<{ pod: string; podPort: number }> {
  const { namespace, target, remotePort } = request;
  const pod = await resolvePod(client, namespace, target);
  const name = pod.metadata?.name ?? '';
  if (target.kind !== 'service') return { pod: name, podPort: resolvePodPort(pod, remotePort) };
  const service = await readObject<Service>(client, namespace, target, 'services');
  return { pod: name, podPort: serviceTargetPort(service, Number(remotePort), pod) };
}

async function resolvePod(client: KubeClient, namespace: string, target: ForwardTarget): Promise<Pod> {
  if (target.kind === 'pod') {
    const pod = await readObject<Pod>(client, namespace, target, 'pods');
    if (!isPodReady(pod)) {
      throw new ServiceError(
        KUBERNETES,
        'invalid',
        `Pod "${target.name}" is not ready (${pod.status?.phase ?? 'unknown phase'}): nothing to forward to yet.`,
      );
    }
    return pod;
  }
  const selector =
    target.kind === 'service'
      ? serviceSelector(await readObject<Service>(client, namespace, target, 'services'))
      : selectorQuery((await readObject<Deployment>(client, namespace, target, `${target.kind}s`)).spec?.selector ?? {});
  const pods = await client
    .request<KubeList<Pod>>('GET', collectionPath('v1', 'pods', namespace), { query: { labelSelector: selector } })
    .catch((error: unknown) => {
      throw kubeErrorOf(error, `list the pods of ${target.kind} "${target.name}"`);
    });
  const pod = pickReadyPod(pods.items);
  if (!pod) {
    throw new ServiceError(KUBERNETES, 'not-found', `${KIND_NAMES[target.kind]} "${target.name}" has no ready pod to forward to.`);
  }
  return pod;
}

async function readObject<T>(client: KubeClient, namespace: string, target: ForwardTarget, resource: string): Promise<T> {
  const apiVersion = resource === 'pods' || resource === 'services' ? 'v1' : 'apps/v1';
  return client.request<T>('GET', collectionPath(apiVersion, resource, namespace, target.name)).catch((error: unknown) => {
    throw kubeErrorOf(error, `read ${KIND_NAMES[target.kind]} "${target.name}"`);
  });
}

/**
 * One connection through pods/portforward. Resolves once the WebSocket is open; a refusal of the upgrade
 * (404: the pod is gone) rejects. What the pod's error channel says goes to `onError`, and closes the connection.
 */
async function tunnel(forward: Forward, pod: string, socket: net.Socket, onError: (message: string) => void): Promise<void> {
  const { namespace } = forward.info;
  const port = forward.info.podPort;
  const errors: Buffer[] = [];
  const errorChannel = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      errors.push(chunk);
      callback();
    },
  });
  const opened = await new PortForward(forward.config)
    .portForward(namespace, pod, [port], socket, errorChannel, socket)
    .catch((error: unknown) => {
      throw upgradeError(error, pod, port, namespace);
    });
  // Without retries client-node hands back the socket itself (with retries, a getter).
  const ws = typeof opened === 'function' ? opened() : opened;
  if (!ws) throw new ServiceError(KUBERNETES, 'unreachable', `Could not forward port ${port} of pod "${pod}": no connection.`);
  const stop = () => ws.close();
  socket.once('close', stop);
  ws.onclose = () => {
    socket.off('close', stop);
    const message = Buffer.concat(errors).toString('utf8').trim();
    if (message) {
      onError(`Could not forward port ${port} of pod "${pod}": ${message}`);
      socket.destroy();
    } else socket.end();
  };
}

/** client-node rejects with the WebSocket's error event: "Unexpected server response: 404" and the like. */
function upgradeError(error: unknown, pod: string, port: number, namespace: string): ServiceError {
  const event = error as { message?: string; error?: unknown } | undefined;
  const text = event?.message ?? messageOf(event?.error ?? error);
  const status = Number(/Unexpected server response: (\d+)/.exec(text)?.[1] ?? NaN);
  const doing = `Could not forward port ${port} of pod "${pod}"`;
  if (status === 404) return new ServiceError(KUBERNETES, 'not-found', `${doing}: the pod is gone.`, { status });
  if (status === 403) {
    return new ServiceError(
      KUBERNETES,
      'forbidden',
      `${doing}: you are not allowed to create pods/portforward in namespace "${namespace}".`,
      {
        status,
      },
    );
  }
  if (status === 401)
    return new ServiceError(KUBERNETES, 'unauthorized', `${doing}: the API server rejected the credentials (401).`, { status });
  return new ServiceError(KUBERNETES, Number.isFinite(status) ? 'invalid' : 'unreachable', `${doing}: ${text}.`, { cause: error });
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? `local port ${port} is in use: pick another, or leave it empty for a free one`
          : error.code === 'EACCES'
            ? `local port ${port} needs privileges: pick one above 1023`
            : error.message;
      reject(new ServiceError(KUBERNETES, 'invalid', `Could not listen on 127.0.0.1:${port}: ${why}.`));
    });
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function close(forward: Forward): void {
  forward.server.close();
  for (const socket of forward.sockets) socket.destroy();
}

/** Kinds as Kubernetes spells them, for messages. */
const KIND_NAMES: Record<ForwardTarget['kind'], string> = {
  pod: 'Pod',
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  service: 'Service',
};
