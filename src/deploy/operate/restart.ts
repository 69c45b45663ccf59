import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { KubeOperationError, kubeErrorOf } from './kubeErrors';

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
  const server = kubeConfig.getCurrentCluster()?.server;
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  // kubectl writes RFC 3339 without fractions.
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const current = await apps.readNamespacedDeployment({ name, namespace });
    if (current.spec?.paused) {
      throw new KubeOperationError('invalid', `Could not ${doing}: its rollout is paused; resume it first.`);
    }
    const patched = await apps.patchNamespacedDeployment(
      { name, namespace, body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    return { restartedAt, generation: patched.metadata?.generation };
  } catch (error) {
    throw kubeErrorOf(error, doing, server);
  }
}
