import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError } from '../../core/errors';
import { KubeClient, collectionPath } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';

/**
 * Sets a deployment's replica count through its `/scale` subresource, as `kubectl scale` does: RBAC can
 * grant `deployments/scale` without the right to edit the whole deployment. Resolves to the count the
 * server accepted.
 */
export async function scaleDeployment(kubeConfig: KubeConfig, namespace: string, name: string, replicas: number): Promise<number> {
  const doing = `scale deployment "${name}" to ${replicas}`;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ServiceError(KUBERNETES, 'invalid', `Could not ${doing}: the replica count must be a whole number, 0 or more.`);
  }
  try {
    const scale = await new KubeClient(kubeConfig).request<{ spec?: { replicas?: number } }>(
      'PATCH',
      `${collectionPath('apps/v1', 'deployments', namespace, name)}/scale`,
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
