import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeErrorOf } from './kubeErrors';

export interface DeletePodOptions {
  /** Seconds the pod gets to shut down; the pod's own terminationGracePeriodSeconds when omitted. */
  gracePeriodSeconds?: number;
}

/** Deletes one pod; its ReplicaSet (if any) starts a replacement. */
export async function deletePod(kubeConfig: KubeConfig, namespace: string, name: string, options: DeletePodOptions = {}): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: options.gracePeriodSeconds });
  } catch (error) {
    throw kubeErrorOf(error, `delete pod "${name}"`, kubeConfig.getCurrentCluster()?.server);
  }
}
