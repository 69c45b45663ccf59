import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError } from '../../core/errors';
import { KubeClient } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import { workloadCollection } from '../rollout';
import type { WorkloadRef } from '../workloadStatus';

/** The workloads with a replica count; a DaemonSet runs one pod per node and has none. */
export type ScalableWorkload = WorkloadRef & { kind: 'Deployment' | 'StatefulSet' };

export function isScalable(workload: WorkloadRef): workload is ScalableWorkload {
  return workload.kind !== 'DaemonSet';
}

/**
 * Sets a Deployment's or StatefulSet's replica count through its `/scale` subresource, as `kubectl scale`
 * does: RBAC can grant `deployments/scale` without the right to edit the whole workload. Resolves to the
 * count the server accepted.
 */
export async function scaleWorkload(
  kubeConfig: KubeConfig,
  namespace: string,
  workload: ScalableWorkload,
  replicas: number,
): Promise<number> {
  const doing = `scale ${workload.kind.toLowerCase()} "${workload.name}" to ${replicas}`;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ServiceError(KUBERNETES, 'invalid', `Could not ${doing}: the replica count must be a whole number, 0 or more.`);
  }
  try {
    const scale = await new KubeClient(kubeConfig).request<{ spec?: { replicas?: number } }>(
      'PATCH',
      `${workloadCollection(workload.kind, namespace)}/${encodeURIComponent(workload.name)}/scale`,
      {
        body: { spec: { replicas } },
        contentType: 'application/merge-patch+json',
      },
    );
    return scale.spec?.replicas ?? replicas;
  } catch (error) {
    throw kubeErrorOf(error, doing);
  }
}
