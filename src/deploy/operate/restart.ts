import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError } from '../../core/errors';
import { KubeClient } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import type { DaemonSet, Deployment, KubeObject, StatefulSet } from '../kubeObject';
import { workloadCollection } from '../rollout';
import type { WorkloadRef } from '../workloadStatus';

/** The annotation `kubectl rollout restart` sets; using the same one keeps both tools' restarts alike. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RestartResult {
  restartedAt: string;
  /** The workload's generation after the patch: its rollout is done once observedGeneration reaches it. */
  generation?: number;
}

/**
 * Restarts every pod of a Deployment, StatefulSet or DaemonSet through its normal rolling update, like
 * `kubectl rollout restart`: changing a pod template annotation makes a new revision.
 */
export async function restartWorkload(
  kubeConfig: KubeConfig,
  namespace: string,
  workload: WorkloadRef,
  now = new Date(),
): Promise<RestartResult> {
  const doing = `restart ${workload.kind.toLowerCase()} "${workload.name}"`;
  const client = new KubeClient(kubeConfig);
  const path = `${workloadCollection(workload.kind, namespace)}/${encodeURIComponent(workload.name)}`;
  // kubectl writes RFC 3339 without fractions.
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const current = await client.request<Deployment | StatefulSet | DaemonSet>('GET', path);
    if (current.spec && 'paused' in current.spec && current.spec.paused) {
      throw new ServiceError(KUBERNETES, 'invalid', `Could not ${doing}: its rollout is paused; resume it first.`);
    }
    const patched = await client.request<KubeObject>('PATCH', path, {
      body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    return { restartedAt, generation: patched.metadata?.generation };
  } catch (error) {
    throw kubeErrorOf(error, doing);
  }
}
