// bench/deploy: against the project's own kube-apiserver (test/support/kubeCluster.ts), the time from apply to
// rollout-complete as Conveyor does it (server-side apply, then a watch on the Deployment) against the same
// apply done with raw client-node calls and `kubectl rollout status`-style polling every 100 ms, alternating,
// same run; and the Environments view's watch cost: API requests per minute while hidden (goal 0) and visible.
import { randomBytes } from 'node:crypto';
import { AppsV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyObjects } from '../src/deploy/deployApply';
import { KubeClient } from '../src/deploy/kubeClient';
import { ClusterWatch } from '../src/deploy/operate/clusterWatch';
import { parseManifests, renderManifests } from '../src/deploy/renderManifests';
import { followRollout } from '../src/deploy/rollout';
import { startKubeCluster } from '../test/support/kubeCluster';

// Fifteen, each going first in turn: one update's rollout took 0.8–1.35 s here (the cluster's controllers and node
// agent, the same work for both sides), so the median of five moved between 0.79 and 1.04 from run to run, and that
// of nine between 0.84 and 1.05 (Conveyor's apply took 9.7 ms against 13.4 ms; the rest is the rollout).
const RUNS = 15;
const NAMESPACE = `bench-${randomBytes(3).toString('hex')}`;

const manifest = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: web
          image: registry.local/bench:dev
`;

const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function conveyorRollout(client: KubeClient, name: string): Promise<number> {
  const objects = renderManifests(parseManifests(manifest(name), 'k8s/bench.yaml'), {
    release: { version: 'bench', commit: 'bench', image: 'registry.local/bench', digest: digest() },
    namespace: NAMESPACE,
  });
  const started = performance.now();
  await applyObjects(client, objects);
  const result = await followRollout(client, NAMESPACE, name, { timeoutMs: 60_000 });
  if (result.status !== 'complete') throw new Error(`rollout of ${name}: ${result.message}`);
  return performance.now() - started;
}

async function rawRollout(config: KubeConfig, name: string): Promise<number> {
  const objects = KubernetesObjectApi.makeApiClient(config);
  const apps = config.makeApiClient(AppsV1Api);
  const body = renderManifests(parseManifests(manifest(name), 'k8s/bench.yaml'), {
    release: { version: 'bench', commit: 'bench', image: 'registry.local/bench', digest: digest() },
    namespace: NAMESPACE,
  })[0].object as KubernetesObject;
  const started = performance.now();
  await objects.patch(body, undefined, undefined, 'bench', true, PatchStrategy.ServerSideApply);
  for (;;) {
    const deployment = await apps.readNamespacedDeploymentStatus({ name, namespace: NAMESPACE });
    const s = deployment.status ?? {};
    const wanted = deployment.spec?.replicas ?? 1;
    if (
      (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
      s.updatedReplicas === wanted &&
      s.availableReplicas === wanted &&
      (s.replicas ?? 0) === wanted
    )
      break;
    await sleep(100);
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const cluster = await startKubeCluster();
  try {
    const config = new KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    const client = new KubeClient(config);
    await client
      .request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } })
      .catch(() => undefined);
    // A first rollout each, so both measure updates of an existing Deployment.
    await conveyorRollout(client, 'conveyor-web');
    await rawRollout(config, 'raw-web');
    const conveyor: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const both = [
        async () => conveyor.push(await conveyorRollout(client, 'conveyor-web')),
        async () => raw.push(await rawRollout(config, 'raw-web')),
      ];
      for (const run of i % 2 === 0 ? both : both.reverse()) await run();
    }
    console.log(`deploy: apply → rollout complete, 2 replicas, median of ${RUNS} updates`);
    console.log(`  raw client-node apply + 100 ms status polling (baseline): ${median(raw).toFixed(0)} ms`);
    console.log(`  Conveyor (server-side apply + watch)                    : ${median(conveyor).toFixed(0)} ms`);
    console.log(`  ratio                                                   : ${(median(conveyor) / median(raw)).toFixed(2)}`);

    // The Environments view's cache: counted requests (lists and watches started) per minute.
    const windowMs = 20_000;
    const watch = new ClusterWatch(config, NAMESPACE);
    await sleep(windowMs);
    const hidden = watch.requestCount;
    watch.start();
    await sleep(windowMs);
    const opening = watch.requestCount - hidden;
    await sleep(windowMs);
    const visible = watch.requestCount - hidden - opening;
    watch.stop();
    const afterStop = watch.requestCount;
    await sleep(windowMs);
    const hiddenAgain = watch.requestCount - afterStop;
    watch.dispose();
    const perMinute = (n: number) => ((n * 60_000) / windowMs).toFixed(1);
    console.log(`Environments watch, requests per minute over ${windowMs / 1000} s windows`);
    console.log(`  hidden (never started): ${perMinute(hidden)}`);
    console.log(`  visible, opening      : ${opening} requests (a list and a watch each for deployments, replica sets, pods)`);
    console.log(`  visible, steady       : ${perMinute(visible)} (watches are renewed every 5 min: ≈1.2/min on average)`);
    console.log(`  hidden again (stopped): ${perMinute(hiddenAgain)}`);
  } finally {
    await cluster.stop();
  }
}

void main();
