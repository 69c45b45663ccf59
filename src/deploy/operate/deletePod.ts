import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, collectionPath } from '../kubeClient';
import { kubeErrorOf } from '../kubeErrors';

export interface DeletePodOptions {
  /** Seconds the pod gets to shut down; the pod's own terminationGracePeriodSeconds when omitted. */
  gracePeriodSeconds?: number;
}

/** Deletes one pod; its ReplicaSet (if any) starts a replacement. */
export async function deletePod(kubeConfig: KubeConfig, namespace: string, name: string, options: DeletePodOptions = {}): Promise<void> {
  try {
    await new KubeClient(kubeConfig).request('DELETE', collectionPath('v1', 'pods', namespace, name), {
      query: { gracePeriodSeconds: options.gracePeriodSeconds },
    });
  } catch (error) {
    throw kubeErrorOf(error, `delete pod "${name}"`);
  }
}
