import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import { formatAge } from '../../core/formatAge';
import { KubeClient, collectionPath } from '../kubeClient';
import { kubeErrorOf } from '../kubeErrors';
import type { KubeList } from '../kubeObject';

export interface InvolvedObject {
  /** `Pod`, `Deployment`, `ReplicaSet`… */
  kind: string;
  name: string;
}

export interface EventRow {
  /** `Normal` or `Warning`. */
  type: string;
  reason: string;
  message: string;
  count: number;
  /** When it last happened, ms since the epoch. */
  lastSeen?: number;
  age: string;
  /** Who reported it: `default-scheduler`, `kubelet`… */
  source?: string;
}

/** The events about one object, newest first (what `kubectl describe` shows at the bottom). */
export async function listEvents(
  kubeConfig: KubeConfig,
  namespace: string,
  involved: InvolvedObject,
  now = Date.now(),
): Promise<EventRow[]> {
  try {
    const list = await new KubeClient(kubeConfig).request<KubeList<CoreV1Event>>('GET', collectionPath('v1', 'events', namespace), {
      query: { fieldSelector: `involvedObject.name=${involved.name},involvedObject.kind=${involved.kind}` },
    });
    return list.items.map((event) => eventRow(event, now)).sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
  } catch (error) {
    throw kubeErrorOf(error, `list events of ${involved.kind.toLowerCase()} "${involved.name}"`);
  }
}

export function eventRow(event: CoreV1Event, now = Date.now()): EventRow {
  // Older reporters fill lastTimestamp; events.k8s.io/v1 reporters only eventTime (and series).
  const lastSeen =
    timeOf(event.series?.lastObservedTime) ??
    timeOf(event.lastTimestamp) ??
    timeOf(event.eventTime) ??
    timeOf(event.firstTimestamp) ??
    timeOf(event.metadata?.creationTimestamp);
  return {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    message: (event.message ?? '').trim(),
    count: event.series?.count ?? event.count ?? 1,
    lastSeen,
    age: lastSeen === undefined ? '' : formatAge(lastSeen, now),
    source: event.source?.component ?? event.reportingComponent ?? undefined,
  };
}

function timeOf(value: Date | string | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}
