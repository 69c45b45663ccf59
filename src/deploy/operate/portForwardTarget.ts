// Which pod and port a port-forward reaches, from what the user picked in the Environments view: a pod
// directly, a workload (Deployment, StatefulSet, DaemonSet) through its selector, a Service through its
// selector and targetPort (a number, or the name of a container port, as kube-proxy resolves it). Pure
// functions over the objects the API server sent.
import { ServiceError } from '../../core/errors';
import { KUBERNETES } from '../kubeErrors';
import type { Pod, Service } from '../kubeObject';

/** A pod, a workload (through its selector) or a Service. */
export type ForwardTargetKind = 'pod' | 'deployment' | 'statefulset' | 'daemonset' | 'service';

export interface ForwardTarget {
  kind: ForwardTargetKind;
  name: string;
}

/** A port the user may forward, with where it comes from (`app/http`, `service port 80 → http`). */
export interface PortChoice {
  port: number;
  label: string;
}

/** A label selector (matchLabels, matchExpressions) as the `labelSelector` query parameter. */
export function selectorQuery(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  const expressions = (selector.matchExpressions ?? []).map(({ key, operator, values = [] }) => {
    if (operator === 'Exists') return key;
    if (operator === 'DoesNotExist') return `!${key}`;
    return `${key} ${operator === 'NotIn' ? 'notin' : 'in'} (${values.join(',')})`;
  });
  return [...labels, ...expressions].join(',');
}

/** Ready, running and not being deleted: a pod that can take a forwarded connection now. */
export function isPodReady(pod: Pod): boolean {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return pod.status?.phase === 'Running' && ready && !pod.metadata?.deletionTimestamp;
}

/** The newest ready pod (a rollout's new pods before the old ones), or undefined. */
export function pickReadyPod(pods: Pod[]): Pod | undefined {
  const created = (pod: Pod) => Date.parse(typeof pod.metadata?.creationTimestamp === 'string' ? pod.metadata.creationTimestamp : '') || 0;
  return pods
    .filter(isPodReady)
    .sort((a, b) => created(b) - created(a) || (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? ''))[0];
}

/** The container ports of a pod, for the remote-port prompt. */
export function containerPorts(pod: Pod): PortChoice[] {
  return (pod.spec?.containers ?? []).flatMap((container) =>
    (container.ports ?? [])
      .filter((p) => (p.protocol ?? 'TCP') === 'TCP' && p.containerPort)
      .map((p) => ({ port: p.containerPort!, label: `${container.name ?? ''}${p.name ? `/${p.name}` : ''}` })),
  );
}

/** A port number, or a named container port of the pod. */
export function resolvePodPort(pod: Pod, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === port);
  if (!found?.containerPort) {
    throw new ServiceError(KUBERNETES, 'not-found', `Pod "${pod.metadata?.name ?? ''}" has no container port named "${port}".`);
  }
  return found.containerPort;
}

/** The ports a Service offers, for the remote-port prompt. */
export function servicePorts(service: Service): PortChoice[] {
  return (service.spec?.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP' && p.port)
    .map((p) => ({
      port: p.port!,
      label: `service port ${p.port}${p.name ? ` (${p.name})` : ''} → ${String(p.targetPort ?? p.port)}`,
    }));
}

/** The label selector of a Service, or a clear error when it has none (its endpoints are managed by hand). */
export function serviceSelector(service: Service): string {
  const selector = service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) {
    throw new ServiceError(
      KUBERNETES,
      'invalid',
      `Service "${service.metadata?.name ?? ''}" has no selector, so no pod stands behind it: forward to a pod instead.`,
    );
  }
  return selectorQuery({ matchLabels: selector });
}

/** The pod port a Service's `port` reaches on `pod`: its targetPort, named ports resolved against the pod. */
export function serviceTargetPort(service: Service, port: number, pod: Pod): number {
  const name = service.metadata?.name ?? '';
  const servicePort = (service.spec?.ports ?? []).find((p) => p.port === port);
  if (!servicePort) {
    const offered = (service.spec?.ports ?? []).map((p) => p.port).join(', ');
    throw new ServiceError(KUBERNETES, 'not-found', `Service "${name}" has no port ${port} (it has ${offered || 'none'}).`);
  }
  return resolvePodPort(pod, servicePort.targetPort ?? port);
}
