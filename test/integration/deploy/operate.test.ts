import * as assert from 'node:assert/strict';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { ClusterWatch } from '../../../src/deploy/operate/clusterWatch';
import { deletePod } from '../../../src/deploy/operate/deletePod';
import { listEvents } from '../../../src/deploy/operate/events';
import type { ServiceError } from '../../../src/core/errors';
import { streamLogs, type LogLine } from '../../../src/deploy/operate/logs';
import { restartWorkload } from '../../../src/deploy/operate/restart';
import { scaleWorkload } from '../../../src/deploy/operate/scale';
import { kubeConfigFor, useKubeCluster } from '../../support/kubeCluster';
import { waitFor } from '../../support/waitFor';

const NAMESPACE = 'default';
const suffix = Math.random().toString(36).slice(2, 7);
const WEB = `op-web-${suffix}`;
const BROKEN = `op-broken-${suffix}`;

function deployment(name: string, image: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NAMESPACE,
      annotations: { 'conveyor.dev/release': '1.4.2', 'conveyor.dev/commit': 'abc1234', 'conveyor.dev/digest': 'sha256:feedbeef' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('operate: watch cache and operations (integration, real kube-apiserver)', function () {
  this.timeout(180_000);
  const cluster = useKubeCluster();
  let admin: KubeConfig;
  let cache: ClusterWatch;

  before(async () => {
    admin = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-admin');
    cache = new ClusterWatch(admin, NAMESPACE, { debounceMs: 50, initialBackoffMs: 200, maxBackoffMs: 2000 });
    cache.start();
    await waitFor('the cache to connect', () => cache.state === 'connected');
  });

  after(async () => {
    cache?.dispose();
    const objects = KubernetesObjectApi.makeApiClient(admin);
    for (const name of [WEB, BROKEN]) {
      await objects.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NAMESPACE } }).catch(() => undefined);
    }
  });

  it('shows a deployment created by server-side apply, with its pods Ready', async () => {
    const objects = KubernetesObjectApi.makeApiClient(admin);
    await objects.patch(
      deployment(WEB, 'registry.local/web:1.0.0', 1),
      undefined,
      undefined,
      'conveyor-test',
      true,
      PatchStrategy.ServerSideApply,
    );
    await waitFor('the deployment to be ready in the cache', () => {
      const row = cache.deployments().find((d) => d.name === WEB);
      return row?.ready === 1 && row.rollout.state === 'complete';
    });
    const row = cache.deployments().find((d) => d.name === WEB)!;
    assert.equal(row.release, '1.4.2');
    assert.equal(row.commit, 'abc1234');
    assert.equal(row.digest, 'sha256:feedbeef');
    assert.deepEqual(row.images, ['registry.local/web:1.0.0']);
    assert.equal(row.revision, 1);
    await waitFor('its pod to be Running and ready', () => cache.pods(WEB).some((p) => p.status === 'Running' && p.ready === '1/1'));
    const [pod] = cache.pods(WEB);
    assert.equal(pod.deployment, WEB);
    assert.ok(pod.node, 'bound to a node');
  });

  it('scales 1 → 3 and shows 3 ready pods', async () => {
    assert.equal(await scaleWorkload(admin, NAMESPACE, { kind: 'Deployment', name: WEB }, 3), 3);
    await waitFor('3 ready pods', () => cache.pods(WEB).filter((p) => p.ready === '1/1').length === 3);
    await waitFor('the deployment row to say 3/3', () => {
      const row = cache.deployments().find((d) => d.name === WEB);
      return row?.desired === 3 && row.ready === 3 && row.rollout.state === 'complete';
    });
  });

  it('restarts: a new ReplicaSet takes over and the rollout completes', async () => {
    const before = cache.replicaSets(WEB).map((rs) => rs.name);
    await restartWorkload(admin, NAMESPACE, { kind: 'Deployment', name: WEB });
    await waitFor('a second ReplicaSet', () => cache.replicaSets(WEB).length === 2);
    const [newest] = cache.replicaSets(WEB);
    assert.ok(!before.includes(newest.name));
    assert.equal(newest.revision, 2);
    await waitFor(
      'the rollout to complete on the new ReplicaSet',
      () => {
        const row = cache.deployments().find((d) => d.name === WEB);
        const pods = cache.pods(WEB);
        return (
          row?.rollout.state === 'complete' &&
          row.revision === 2 &&
          pods.length === 3 &&
          pods.every((p) => p.replicaSet === newest.name && p.ready === '1/1')
        );
      },
      120_000,
    );
  });

  it('streams logs of two pods, each line prefixed with its pod and container', async () => {
    const pods = cache
      .pods(WEB)
      .slice(0, 2)
      .map((p) => p.name);
    const lines: LogLine[] = [];
    const abort = new AbortController();
    // tailLines 1: at least two of the three lines per pod must arrive by following the stream.
    const done = streamLogs(
      admin,
      NAMESPACE,
      pods.map((pod) => ({ pod })),
      { follow: true, tailLines: 1, timestamps: true, signal: abort.signal, onLine: (l) => lines.push(l) },
    );
    await waitFor('3 lines from each pod', () => pods.every((pod) => lines.filter((l) => l.pod === pod).length >= 3), 30_000);
    abort.abort();
    const outcomes = await done;
    assert.deepEqual(
      outcomes.map((o) => o.error),
      [undefined, undefined],
    );
    for (const line of lines) {
      assert.equal(line.prefixed, `[${line.pod}/app] ${line.text}`);
      assert.ok(line.text.length > 0 && !line.text.includes('\n'));
      assert.ok(line.timestamp && !Number.isNaN(Date.parse(line.timestamp)), `timestamp of ${line.prefixed}`);
    }
  });

  it('lists the events of a pod that never gets ready, with reasons', async () => {
    const objects = KubernetesObjectApi.makeApiClient(admin);
    await objects.patch(
      deployment(BROKEN, 'registry.local/never-ready:1.0.0', 1),
      undefined,
      undefined,
      'conveyor-test',
      true,
      PatchStrategy.ServerSideApply,
    );
    await waitFor('an ImagePullBackOff pod', () => cache.pods(BROKEN).some((p) => p.waiting?.reason === 'ImagePullBackOff'));
    const [pod] = cache.pods(BROKEN);
    assert.equal(pod.status, 'ImagePullBackOff');
    assert.equal(cache.deployments().find((d) => d.name === BROKEN)?.rollout.state, 'progressing');
    let events: Awaited<ReturnType<typeof listEvents>> = [];
    for (let i = 0; i < 60 && events.length === 0; i++) {
      events = await listEvents(admin, NAMESPACE, { kind: 'Pod', name: pod.name });
      if (events.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(events.length > 0, 'the scheduler at least reports Scheduled');
    assert.ok(events.every((e) => e.reason !== '' && e.count >= 1));
    assert.ok(
      events.some((e) => e.reason === 'Scheduled'),
      events.map((e) => e.reason).join(', '),
    );
    const outcomes = await streamLogs(admin, NAMESPACE, [{ pod: pod.name }], { onLine: () => undefined });
    assert.match(outcomes[0].error?.message ?? '', /is waiting to start: ImagePullBackOff/);
  });

  it('deletes a pod and a replacement appears', async () => {
    const victim = cache.pods(WEB)[0].name;
    await deletePod(admin, NAMESPACE, victim);
    await waitFor('a replacement pod, ready', () => {
      const pods = cache.pods(WEB);
      return !pods.some((p) => p.name === victim) && pods.filter((p) => p.ready === '1/1').length === 3;
    });
  });

  it('refuses to scale with the view-only context, saying why', async () => {
    const limited = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-limited');
    await assert.rejects(scaleWorkload(limited, NAMESPACE, { kind: 'Deployment', name: WEB }, 5), (error: ServiceError) => {
      assert.equal(error.kind, 'forbidden');
      assert.match(
        error.message,
        new RegExp(
          `^Could not scale deployment "${WEB}" to 5: user "[^"]+" is not allowed to patch deployments/scale in namespace "default"\\.$`,
        ),
      );
      return true;
    });
  });

  it('reports an expired token as an error state', async () => {
    const expired = new ClusterWatch(kubeConfigFor(cluster.get().kubeconfig, 'conveyor-expired'), NAMESPACE, { debounceMs: 50 });
    expired.start();
    try {
      await waitFor('error', () => expired.state === 'error', 20_000);
      assert.equal(expired.error?.kind, 'unauthorized');
      assert.match(expired.errorMessage ?? '', /401 Unauthorized/);
    } finally {
      expired.dispose();
    }
  });

  it('makes no list or watch request while stopped, and catches up when started again', async () => {
    cache.stop();
    const requests = cache.requestCount;
    await scaleWorkload(admin, NAMESPACE, { kind: 'Deployment', name: WEB }, 2);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(cache.requestCount, requests);
    assert.equal(cache.state, 'stopped');
    cache.start();
    await waitFor('the scale-down made while hidden', () => cache.deployments().find((d) => d.name === WEB)?.desired === 2);
    await waitFor('connected', () => cache.state === 'connected');
  });

  it('goes reconnecting when the API server goes away and recovers when it is back', async () => {
    await cluster.get().stopApiServer();
    try {
      await waitFor('reconnecting', () => cache.state === 'reconnecting', 30_000);
      assert.match(cache.errorMessage ?? '', /unreachable/);
    } finally {
      await cluster.get().startApiServer();
    }
    await waitFor('connected again', () => cache.state === 'connected', 90_000);
    await scaleWorkload(admin, NAMESPACE, { kind: 'Deployment', name: WEB }, 1);
    await waitFor('a change made after recovery', () => cache.deployments().find((d) => d.name === WEB)?.desired === 1);
  });
});
