import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, Log, PatchStrategy } from '@kubernetes/client-node';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { useKubeCluster } from '../../support/kubeCluster';

const FIELD_MANAGER = 'conveyor';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function client(kubeconfig: string, context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(context);
  return kc;
}

function deployment(namespace: string, name: string, image: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
      },
    },
  };
}

/** Polls `probe` until it returns a value; the last thing it saw goes into the failure message. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** The HTTP status of a client-node ApiException, or the system error code of a failed connection. */
function failureOf(error: unknown): string {
  const e = error as { code?: number | string; cause?: { code?: string }; message?: string };
  return String(e.code ?? e.cause?.code ?? e.message);
}

async function rejection(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('Kubernetes control plane built from Debian source (integration, real kube-apiserver)', function () {
  this.timeout(180_000);
  const cluster = useKubeCluster();
  const namespace = `conveyor-it-${randomBytes(3).toString('hex')}`;
  let admin: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    admin = client(cluster.get().kubeconfig, 'conveyor-admin');
    core = admin.makeApiClient(CoreV1Api);
    apps = admin.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    // Not awaited to completion: the namespace controller and the agent finish it in the background.
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const podsOf = async (app: string): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
  const apply = (object: V1Deployment) =>
    KubernetesObjectApi.makeApiClient(admin).patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);

  it('applies a Deployment server-side; the scheduler binds its pods to the node and the agent makes them Ready', async () => {
    const image = `registry.local/shop@${DIGEST}`;
    const applied = await apply(deployment(namespace, 'shop', image, 2));
    assert.ok(
      applied.metadata?.managedFields?.some((entry) => entry.manager === FIELD_MANAGER && entry.operation === 'Apply'),
      'the field manager owns the applied fields',
    );

    const available = await eventually('shop to be available', async () => {
      const current = await apps.readNamespacedDeployment({ name: 'shop', namespace });
      return current.status?.availableReplicas === 2 ? current : undefined;
    });
    assert.equal(available.status?.readyReplicas, 2);
    assert.equal(available.status?.updatedReplicas, 2);

    const pods = await podsOf('shop');
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(pod.spec?.nodeName, 'conveyor-node', 'bound by the scheduler');
      assert.equal(pod.status?.phase, 'Running');
      const [status] = pod.status?.containerStatuses ?? [];
      assert.equal(status?.ready, true);
      assert.equal(status?.started, true);
      assert.equal(status?.restartCount, 0);
      assert.equal(status?.imageID, `docker-pullable://${image}`);
    }
  });

  it('keeps a Deployment whose image never pulls unavailable, its pod waiting in ImagePullBackOff', async () => {
    await apply(deployment(namespace, 'stuck', 'registry.local/never-ready:1', 1));
    const waiting = await eventually('the stuck pod to report ImagePullBackOff', async () => {
      const [pod] = await podsOf('stuck');
      return pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? pod : undefined;
    });
    assert.equal(waiting.status?.phase, 'Pending');
    assert.match(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /registry\.local\/never-ready:1/);

    const current = await eventually('the Available condition', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace });
      return d.status?.conditions?.some((condition) => condition.type === 'Available') ? d : undefined;
    });
    assert.ok(!current.status?.availableReplicas, 'no replica is available');
    assert.equal(current.status?.conditions?.find((condition) => condition.type === 'Available')?.status, 'False');
  });

  it('reports a crashing container in CrashLoopBackOff with a rising restart count', async () => {
    await apply(deployment(namespace, 'crasher', 'registry.local/crash-on-start:1', 1));
    const first = await eventually('CrashLoopBackOff', async () => {
      const [pod] = await podsOf('crasher');
      const status = pod?.status?.containerStatuses?.[0];
      return status?.state?.waiting?.reason === 'CrashLoopBackOff' ? status.restartCount : undefined;
    });
    await eventually(
      'the restart count to rise',
      async () => {
        const [pod] = await podsOf('crasher');
        return (pod?.status?.containerStatuses?.[0]?.restartCount ?? 0) > first ? true : undefined;
      },
      20_000,
    );
  });

  it("streams a running pod's log through the apiserver (Log with follow)", async () => {
    const [pod] = await podsOf('shop');
    assert.ok(pod?.metadata?.name, 'the shop deployment has a pod');
    const lines: string[] = [];
    let buffered = '';
    let gotThree: () => void = () => {};
    const three = new Promise<void>((resolve) => (gotThree = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        buffered += chunk.toString('utf8');
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        lines.push(...parts);
        if (lines.length >= 3) {
          gotThree();
        }
        callback();
      },
    });
    const started = Date.now();
    const abort = await new Log(admin).log(namespace, pod.metadata.name, 'app', sink, { follow: true, tailLines: 1, timestamps: true });
    try {
      await Promise.race([
        three,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${lines.length} log lines in 15 s`)), 15_000)),
      ]);
    } finally {
      abort.abort();
    }
    const [first, second, third] = lines;
    assert.match(first ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z app \d+: registry\.local\/shop@sha256:[0-9a-f]{64} /);
    const index = (line?: string) => Number(/ app (\d+):/.exec(line ?? '')?.[1]);
    assert.deepEqual(
      [index(second), index(third)],
      [index(first) + 1, index(first) + 2],
      'consecutive lines, the later ones streamed as they were written',
    );
    assert.ok(Date.now() - started >= 300, 'follow streamed lines over time rather than returning a finished log');
  });

  it('forbids the limited context to create a Deployment (403) while it may read', async () => {
    const limited = client(cluster.get().kubeconfig, 'conveyor-limited');
    const limitedApps = limited.makeApiClient(AppsV1Api);
    await limitedApps.listNamespacedDeployment({ namespace: 'default' });
    const error = await rejection(() =>
      limitedApps.createNamespacedDeployment({
        namespace: 'default',
        body: deployment('default', 'not-allowed', `registry.local/shop@${DIGEST}`, 1),
      }),
    );
    assert.equal(failureOf(error), '403');
  });

  it('rejects the expired context (401)', async () => {
    const expired = client(cluster.get().kubeconfig, 'conveyor-expired').makeApiClient(CoreV1Api);
    const error = await rejection(() => expired.listNamespacedPod({ namespace: 'default' }));
    assert.equal(failureOf(error), '401');
  });

  it('refuses connections while the apiserver is stopped and answers again once it is back', async () => {
    await cluster.get().stopApiServer();
    try {
      const error = await rejection(() => core.readNamespace({ name: namespace }));
      assert.equal(failureOf(error), 'ECONNREFUSED', String(error));
    } finally {
      await cluster.get().startApiServer();
    }
    const back = await core.readNamespace({ name: namespace });
    assert.equal(back.metadata?.name, namespace);
    // The rest of the cluster reconnects too: a new Deployment still becomes available.
    await apply(deployment(namespace, 'after-restart', `registry.local/shop@${DIGEST}`, 1));
    await eventually('after-restart to be available', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'after-restart', namespace });
      return d.status?.availableReplicas === 1 ? true : undefined;
    });
  });
});
