// Pod logs through the API server, several pods at once, each line prefixed with where
// it came from, the way `kubectl logs -l … --prefix` shows them.
import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError, isServiceError } from '../../core/errors';
import { LineSplitter } from '../../core/outputLines';
import { KubeClient, collectionPath } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import type { Pod } from '../kubeObject';

/** The annotation kubectl reads to pick a pod's container when none is named. */
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export interface LogSource {
  pod: string;
  /** The pod's default container (annotation, else the first) when omitted. */
  container?: string;
}

export interface LogLine {
  pod: string;
  container: string;
  /** With `timestamps`: the RFC 3339 time the container runtime recorded. */
  timestamp?: string;
  text: string;
  /** `[pod/container] text` */
  prefixed: string;
}

export interface StreamLogsOptions {
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** Ends every stream; streamLogs then resolves. */
  signal?: AbortSignal;
  onLine: (line: LogLine) => void;
}

export interface LogStreamOutcome {
  pod: string;
  container: string;
  /** Why this pod's log could not be (fully) read; the other pods' streams go on. */
  error?: ServiceError;
}

/** Streams the logs of `sources` until they end (or `signal` aborts); one outcome per source. */
export function streamLogs(
  kubeConfig: KubeConfig,
  namespace: string,
  sources: LogSource[],
  options: StreamLogsOptions,
): Promise<LogStreamOutcome[]> {
  const client = new KubeClient(kubeConfig);
  return Promise.all(sources.map((source) => streamOne(client, namespace, source, options)));
}

async function streamOne(client: KubeClient, namespace: string, source: LogSource, options: StreamLogsOptions): Promise<LogStreamOutcome> {
  const path = collectionPath('v1', 'pods', namespace, source.pod);
  let container = source.container ?? '';
  try {
    const pod = await client.request<Pod>('GET', path);
    container = pickContainer(pod, source.container);
    const notReady = notStartedReason(pod, container);
    if (notReady) return { pod: source.pod, container, error: new ServiceError(KUBERNETES, 'not-found', notReady) };
  } catch (error) {
    return { pod: source.pod, container, error: kubeErrorOf(error, `read the log of pod "${source.pod}"`) };
  }
  if (options.signal?.aborted) return { pod: source.pod, container };
  const splitter = new LineSplitter((raw) => options.onLine(logLine(source.pod, container, raw, options.timestamps === true)));
  const query = {
    container,
    follow: options.follow,
    tailLines: options.tailLines,
    timestamps: options.timestamps,
    sinceSeconds: options.sinceSeconds,
  };
  try {
    await client.stream(`${path}/log`, query, (chunk) => splitter.push(chunk), options.signal);
    return { pod: source.pod, container };
  } catch (error) {
    return { pod: source.pod, container, error: logError(error, source.pod, container) };
  } finally {
    splitter.end();
  }
}

function logLine(pod: string, container: string, raw: string, timestamps: boolean): LogLine {
  let text = raw;
  let timestamp: string | undefined;
  if (timestamps) {
    const space = raw.indexOf(' ');
    if (space > 0 && /^\d{4}-\d{2}-\d{2}T/.test(raw)) {
      timestamp = raw.slice(0, space);
      text = raw.slice(space + 1);
    }
  }
  return { pod, container, timestamp, text, prefixed: `[${pod}/${container}] ${text}` };
}

function pickContainer(pod: Pod, wanted: string | undefined): string {
  const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name ?? '');
  const name = wanted ?? pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION] ?? names[0];
  if (!name || !names.includes(name)) {
    throw new ServiceError(
      KUBERNETES,
      'not-found',
      `Could not read the log of pod "${pod.metadata?.name}": it has no container "${wanted ?? ''}" (it has ${names.join(', ')}).`,
    );
  }
  return name;
}

/** A log request that cannot succeed yet: say why instead of showing the kubelet's 400 or an empty 204. */
function notStartedReason(pod: Pod, container: string): string | undefined {
  const name = pod.metadata?.name ?? '';
  if (!pod.spec?.nodeName) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return `Pod "${name}" is not running yet: ${scheduled?.message ? `it cannot be scheduled (${scheduled.message.trim()})` : 'it has not been scheduled to a node'}.`;
  }
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
  const waiting = status?.state?.waiting;
  const ranBefore = (status?.restartCount ?? 0) > 0 || status?.lastState?.terminated !== undefined;
  if (waiting && !ranBefore) {
    const detail = waiting.message ? ` (${waiting.message.trim()})` : '';
    return `Container "${container}" in pod "${name}" is waiting to start: ${waiting.reason ?? 'not started'}${detail}.`;
  }
  return undefined;
}

function logError(error: unknown, pod: string, container: string): ServiceError {
  // The API server answers 204 No Content for a pod that has no node yet.
  if (isServiceError(error) && error.status === 204) {
    return new ServiceError(KUBERNETES, 'not-found', `Pod "${pod}" is not running yet: there is no log to show.`, { status: 204 });
  }
  return kubeErrorOf(error, `read the log of container "${container}" in pod "${pod}"`);
}
