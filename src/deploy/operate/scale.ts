import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { KubeOperationError, kubeErrorOf } from './kubeErrors';

/**
 * Sets a deployment's replica count through its `/scale` subresource, as `kubectl scale` does: RBAC can
 * grant `deployments/scale` without the right to edit the whole deployment. Resolves to the count the
 * server accepted.
 */
export async function scaleDeployment(kubeConfig: KubeConfig, namespace: string, name: string, replicas: number): Promise<number> {
  const doing = `scale deployment "${name}" to ${replicas}`;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new KubeOperationError('invalid', `Could not ${doing}: the replica count must be a whole number, 0 or more.`);
  }
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  try {
    const scale = await apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return scale.spec?.replicas ?? replicas;
  } catch (error) {
    throw kubeErrorOf(error, doing, kubeConfig.getCurrentCluster()?.server);
  }
}
