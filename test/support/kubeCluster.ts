// The project's own Kubernetes for tests: a real kube-apiserver, controller manager, scheduler and etcd
// (built from Debian's kubernetes source by scripts/kube/setup.ts) and a test agent standing in for the
// kubelet of one node. One cluster per test process: started by the first caller, reused by the others,
// stopped when the process exits. Fails loudly (never skips) when it cannot start.
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '../../scripts/kube/cluster';
import { onProcessEnd } from '../../scripts/processEnd';
import type { KubeControlPlane } from '../../scripts/kube/cluster';

export interface KubeCluster {
  /** https://127.0.0.1:PORT */
  server: string;
  /** A kubeconfig file written for this cluster with contexts: 'conveyor-admin' (cluster-admin token, default namespace 'default'), 'conveyor-limited' (a user bound by RBAC to read-only `view` in namespace 'default' — create/patch of deployments is forbidden), 'conveyor-expired' (a token the apiserver rejects → 401). Current context: conveyor-admin. Embeds the CA data. */
  kubeconfig: string;
  /** Admin bearer token (for raw requests in tests). */
  token: string;
  caData: string; // PEM
  /** Make the apiserver unreachable and reachable again (stop/start the apiserver process only), for "cluster goes away" tests. */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

let starting: Promise<KubeControlPlane> | undefined;

/** Starts (once per process; later calls reuse it) the control plane + agent; fails loudly with the reason if it cannot. */
export async function startKubeCluster(): Promise<KubeCluster> {
  starting ??= (async () => {
    const begin = performance.now();
    const plane = await startControlPlane();
    // Synchronous last resort when nobody called stop(): the daemons must not outlive the test run.
    onProcessEnd(() => plane.killNow());
    console.log(
      `      [kube] cluster ${plane.server} up in ${((performance.now() - begin) / 1000).toFixed(1)} s ${JSON.stringify(plane.timings)} (logs: ${plane.dir})`,
    );
    return plane;
  })().catch((error: unknown) => {
    throw new Error(`Could not start the test Kubernetes cluster: ${(error as Error).message}`, { cause: error });
  });
  const plane = await starting;
  return {
    server: plane.server,
    kubeconfig: plane.kubeconfig,
    token: plane.token,
    caData: plane.caData,
    stopApiServer: () => plane.stopApiServer(),
    startApiServer: () => plane.startApiServer(),
    stop: async () => {
      await plane.stop();
      // A later caller gets a fresh cluster rather than a stopped one.
      if (starting && (await starting) === plane) {
        starting = undefined;
      }
    },
  };
}

/** mocha helper: `const cluster = useKubeCluster();` in a describe → before() starts/reuses, process exit stops it. */
export function useKubeCluster(): { get(): KubeCluster } {
  let cluster: KubeCluster | undefined;
  before(async function () {
    // A cold start is ≈10-20 s; generous for a busy shared machine.
    this.timeout(180_000);
    cluster = await startKubeCluster();
  });
  return {
    get(): KubeCluster {
      if (!cluster) {
        throw new Error('useKubeCluster().get() called before its before() hook ran');
      }
      return cluster;
    },
  };
}

/** The cluster's kubeconfig file with one of its contexts current (conveyor-admin, conveyor-limited, conveyor-expired). */
export function kubeConfigFor(file: string, context: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(file);
  kubeConfig.setCurrentContext(context);
  return kubeConfig;
}
