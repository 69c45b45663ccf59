import type { KubeConfig } from '@kubernetes/client-node';
import { ServiceError } from '../../core/errors';
import { KubeClient, collectionPath } from '../kubeClient';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';
import type { Deployment } from '../kubeObject';

/** The annotation `kubectl rollout restart` sets; using the same one keeps both tools' restarts alike. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RestartResult {
  restartedAt: string;
  /** The deployment's generation after the patch: its rollout is done once observedGeneration reaches it. */
  generation?: number;
}

/**
 * Restarts every pod of a deployment through a normal rolling update, like `kubectl rollout restart`:
 * changing a pod template annotation makes a new ReplicaSet.
 */
export async function restartDeployment(kubeConfig: KubeConfig, namespace: string, name: string, now = new Date()): Promise<RestartResult> {
  const doing = `restart deployment "${name}"`;
  const client = new KubeClient(kubeConfig);
  const path = collectionPath('apps/v1', 'deployments', namespace, name);
  // kubectl writes RFC 3339 without fractions.
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const current = await client.request<Deployment>('GET', path);
    if (current.spec?.paused) {
      throw new ServiceError(KUBERNETES, 'invalid', `Could not ${doing}: its rollout is paused; resume it first.`);
    }
    const patched = await client.request<Deployment>('PATCH', path, {
      body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    return { restartedAt, generation: patched.metadata?.generation };
  } catch (error) {
    throw kubeErrorOf(error, doing);
  }
}
