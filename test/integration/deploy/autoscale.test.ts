import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServiceError } from '../../../src/core/errors';
import { DeployError } from '../../../src/deploy/deployError';
import { deployRelease } from '../../../src/deploy/deployFlow';
import { describeResult } from '../../../src/deploy/deployText';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import { KubeClient, collectionPath } from '../../../src/deploy/kubeClient';
import type { Deployment, KubeList } from '../../../src/deploy/kubeObject';
import {
  autoscaleDeployment,
  autoscalerOf,
  removeAutoscaling,
  servedAutoscalingVersion,
  type HorizontalPodAutoscaler,
} from '../../../src/deploy/operate/autoscale';
import { METRICS_SERVER_INSTALL } from '../../../src/deploy/operate/autoscalerRows';
import { ClusterWatch } from '../../../src/deploy/operate/clusterWatch';
import { aReleaseToDeploy } from '../../support/builders';
import { kubeConfigFor, useKubeCluster } from '../../support/kubeCluster';
import { waitFor } from '../../support/waitFor';

const NAMESPACE = 'default';
const suffix = Math.random().toString(36).slice(2, 7);
const WEB = `as-web-${suffix}`;
// Kubernetes 1.20 serves autoscaling/v2beta2 and not v2: this cluster exercises the v2beta2 path.
const VERSION = 'autoscaling/v2beta2';
/** The HPA controller syncs every 15 s; a few syncs on a busy machine. */
const HPA_SYNCS = 120_000;

describe('autoscale: HorizontalPodAutoscalers (integration, real kube-apiserver and HPA controller, no metrics server)', function () {
  this.timeout(240_000);
  const cluster = useKubeCluster();
  let admin: KubeConfig;
  let client: KubeClient;
  let cache: ClusterWatch;

  const autoscalers = async (namespace = NAMESPACE) =>
    (await client.request<KubeList<HorizontalPodAutoscaler>>('GET', collectionPath(VERSION, 'horizontalpodautoscalers', namespace))).items;
  const replicasOf = async (name: string, namespace = NAMESPACE) =>
    (await client.request<Deployment>('GET', collectionPath('apps/v1', 'deployments', namespace, name))).spec?.replicas;

  before(async () => {
    admin = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-admin');
    client = new KubeClient(admin);
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: WEB, namespace: NAMESPACE },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: WEB } },
        template: {
          metadata: { labels: { app: WEB } },
          spec: { containers: [{ name: 'app', image: 'registry.local/web:1.0.0', resources: { requests: { cpu: '50m' } } }] },
        },
      },
    });
    cache = new ClusterWatch(admin, NAMESPACE, { debounceMs: 50, initialBackoffMs: 200, maxBackoffMs: 2000 });
    cache.start();
    await waitFor('the cache to connect', () => cache.state === 'connected');
  });

  after(async () => {
    cache?.dispose();
    await removeAutoscaling(admin, NAMESPACE, WEB).catch(() => undefined);
    await client.request('DELETE', collectionPath('apps/v1', 'deployments', NAMESPACE, WEB)).catch(() => undefined);
  });

  it('chooses autoscaling/v2beta2, the newest version this 1.20 cluster serves', async () => {
    assert.equal(await servedAutoscalingVersion(client), VERSION);
  });

  it('creates an HPA for the deployment, with its bounds and CPU target, in autoscaling/v2beta2', async () => {
    const stored = await autoscaleDeployment(admin, NAMESPACE, WEB, { min: 2, max: 4, targetCPU: 70 });
    assert.equal(stored.apiVersion, VERSION);
    const [live, ...others] = (await autoscalers()).filter((a) => a.spec?.scaleTargetRef?.name === WEB);
    assert.deepEqual(others, []);
    assert.equal(live.metadata?.name, WEB);
    assert.deepEqual(live.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: WEB });
    assert.equal(live.spec?.minReplicas, 2);
    assert.equal(live.spec?.maxReplicas, 4);
    assert.deepEqual(live.spec?.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
  });

  it('finds the HPA that manages the deployment (what Scale… warns about)', async () => {
    assert.equal((await autoscalerOf(admin, NAMESPACE, WEB))?.metadata?.name, WEB);
    assert.equal(await autoscalerOf(admin, NAMESPACE, `${WEB}-none`), undefined);
  });

  it('the HPA controller brings the deployment from 1 replica up to min 2, and the view shows it with the rescale event', async () => {
    await waitFor('the HPA controller to scale the deployment to 2', async () => (await replicasOf(WEB)) === 2, HPA_SYNCS);
    await waitFor('the view to show 2 desired replicas', () => cache.autoscaler(WEB)?.desired === 2);
    const row = cache.autoscaler(WEB)!;
    assert.deepEqual([row.min, row.max], [2, 4]);
    await waitFor('the SuccessfulRescale event under the autoscaler', () =>
      cache.autoscalerEvents(WEB).some((e) => e.reason === 'SuccessfulRescale'),
    );
    const rescale = cache.autoscalerEvents(WEB).find((e) => e.reason === 'SuccessfulRescale')!;
    assert.match(rescale.message, /New size: 2; reason: Current number of replicas below Spec\.MinReplicas/);
  });

  it('shows the conditions without a metrics server, explained as such', async () => {
    await waitFor(
      'ScalingActive=False (FailedGetResourceMetric) from the HPA controller',
      () => cache.autoscaler(WEB)?.metricsUnavailable !== undefined,
      HPA_SYNCS,
    );
    const row = cache.autoscaler(WEB)!;
    const active = row.conditions.find((c) => c.type === 'ScalingActive');
    assert.equal(active?.status, 'False');
    assert.equal(active?.reason, 'FailedGetResourceMetric');
    assert.match(active?.message ?? '', /metrics/);
    assert.equal(row.conditions.find((c) => c.type === 'AbleToScale')?.status, 'True');
    assert.deepEqual(row.targets, ['cpu <unknown> / 70%']);
    assert.ok(row.metricsUnavailable?.detail.includes(METRICS_SERVER_INSTALL));
  });

  it('edits the bounds of the same HPA', async () => {
    await autoscaleDeployment(admin, NAMESPACE, WEB, { min: 3, max: 6, targetCPU: 50 });
    const mine = (await autoscalers()).filter((a) => a.spec?.scaleTargetRef?.name === WEB);
    assert.equal(mine.length, 1);
    assert.deepEqual([mine[0].spec?.minReplicas, mine[0].spec?.maxReplicas], [3, 6]);
    assert.equal(mine[0].spec?.metrics?.[0].resource?.target?.averageUtilization, 50);
    await waitFor('the controller to follow the new min', async () => (await replicasOf(WEB)) === 3, HPA_SYNCS);
  });

  it('refuses with the view-only context, naming the verb and resource, and changes nothing', async () => {
    const limited = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-limited');
    await assert.rejects(autoscaleDeployment(limited, NAMESPACE, WEB, { min: 1, max: 2, targetCPU: 90 }), (error: ServiceError) => {
      assert.equal(error.kind, 'forbidden');
      assert.match(
        error.message,
        new RegExp(
          `^Could not autoscale deployment "${WEB}": user "[^"]+" is not allowed to patch horizontalpodautoscalers in namespace "default"\\.$`,
        ),
      );
      return true;
    });
    await assert.rejects(removeAutoscaling(limited, NAMESPACE, WEB), (error: ServiceError) => {
      assert.equal(error.kind, 'forbidden');
      assert.match(error.message, /is not allowed to delete horizontalpodautoscalers in namespace "default"\.$/);
      return true;
    });
    const [live] = (await autoscalers()).filter((a) => a.spec?.scaleTargetRef?.name === WEB);
    assert.deepEqual([live.spec?.minReplicas, live.spec?.maxReplicas], [3, 6]);
  });

  it('removes the HPA and leaves the deployment at its replica count', async () => {
    assert.equal(await removeAutoscaling(admin, NAMESPACE, WEB), true);
    assert.equal(await autoscalerOf(admin, NAMESPACE, WEB), undefined);
    assert.equal(await replicasOf(WEB), 3);
    await waitFor('the view to drop the autoscaler', () => cache.autoscaler(WEB) === undefined);
    assert.equal(await removeAutoscaling(admin, NAMESPACE, WEB), false);
  });

  describe('environments.<name>.autoscale on deploy', () => {
    const IMAGE = 'registry.example.test/team/web';
    const namespace = `cnv-autoscale-${suffix}`;
    let folder: string;

    before(async () => {
      folder = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-autoscale-'));
      await fs.mkdir(path.join(folder, 'k8s'));
      await fs.writeFile(
        path.join(folder, 'k8s', 'web.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: web}',
          'spec:',
          '  replicas: 1',
          '  selector: {matchLabels: {app: web}}',
          '  template:',
          '    metadata: {labels: {app: web}}',
          '    spec:',
          '      containers:',
          `        - {name: web, image: "${IMAGE}:latest"}`,
          '',
        ].join('\n'),
      );
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    });
    after(async () => {
      await fs.rm(folder, { recursive: true, force: true });
      await client.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    });

    const deployWith = (autoscale: EnvironmentDefinition['autoscale'], version: string, n: number) =>
      deployAutoscaled({ kubeconfig: cluster.get().kubeconfig, folder, image: IMAGE, namespace }, 'staging', autoscale, version, n);

    it('applies the HPA after the manifests, planned from conveyor.yml, and edits it on the next deploy', async () => {
      const first = await deployWith({ min: 2, max: 5, targetCPU: 60 }, 'v1.0.0', 1);
      assert.equal(first.ok, true, describeResult(first));
      assert.deepEqual(first.applied, ['Deployment/web', 'HorizontalPodAutoscaler/web']);
      const planned = first.plan.objects.find((o) => o.ref.kind === 'HorizontalPodAutoscaler');
      assert.deepEqual([planned?.ref.apiVersion, planned?.action, planned?.file, planned?.line], [VERSION, 'create', 'conveyor.yml', 4]);
      const [live] = await autoscalers(namespace);
      assert.deepEqual([live.spec?.scaleTargetRef?.name, live.spec?.minReplicas, live.spec?.maxReplicas], ['web', 2, 5]);
      await waitFor('the HPA controller to bring web to 2', async () => (await replicasOf('web', namespace)) === 2, HPA_SYNCS);

      const second = await deployWith({ min: 2, max: 8, targetCPU: 60 }, 'v1.1.0', 2);
      assert.equal(second.ok, true, describeResult(second));
      const edited = await autoscalers(namespace);
      assert.equal(edited.length, 1);
      assert.equal(edited[0].spec?.maxReplicas, 8);
      assert.equal(await replicasOf('web', namespace), 2, "the manifest's replicas: 1 does not undo the autoscaler's scaling");
    });

    it('refuses min above max before anything is applied, naming the key', async () => {
      await assert.rejects(deployWith({ min: 5, max: 3, targetCPU: 60 }, 'v1.2.0', 3), (error: DeployError) => {
        assert.ok(error instanceof DeployError);
        assert.equal(
          error.message,
          'conveyor.yml:4: environments.staging.autoscale: min replicas (5) is more than max replicas (3). Nothing was applied.',
        );
        return true;
      });
      const [live] = await autoscalers(namespace);
      assert.equal(live.spec?.maxReplicas, 8);
    });
  });
  describe('environments.<name>.autoscale: handing replicas over, and only the deployments named', () => {
    const IMAGE = 'registry.example.test/team/shop';
    const namespace = `cnv-handover-${suffix}`;
    let folder: string;

    before(async () => {
      folder = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-handover-'));
      await fs.mkdir(path.join(folder, 'k8s'));
      const deployment = (name: string, replicas: number, image: string) => [
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata: {name: ${name}}`,
        'spec:',
        `  replicas: ${replicas}`,
        `  selector: {matchLabels: {app: ${name}}}`,
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        '    spec:',
        '      containers:',
        `        - {name: ${name}, image: "${image}"}`,
      ];
      await fs.writeFile(
        path.join(folder, 'k8s', 'shop.yaml'),
        [...deployment('shop', 4, `${IMAGE}:latest`), '---', ...deployment('db', 1, 'registry.example.test/postgres:16'), ''].join('\n'),
      );
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    });
    after(async () => {
      await fs.rm(folder, { recursive: true, force: true });
      await client.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    });

    const deployWith = (autoscale: EnvironmentDefinition['autoscale'], version: string, n: number) =>
      deployAutoscaled({ kubeconfig: cluster.get().kubeconfig, folder, image: IMAGE, namespace }, 'production', autoscale, version, n);

    it('refuses a name in autoscale.deployments that is no Deployment of the manifests, at its line, before anything is applied', async () => {
      await assert.rejects(
        deployWith({ min: 2, max: 6, targetCPU: 60, deployments: ['shop', 'shpo'] }, 'v0.9.0', 1),
        (error: DeployError) => {
          assert.ok(error instanceof DeployError);
          assert.equal(
            error.message,
            'conveyor.yml:8: environments.production.autoscale.deployments: "shpo" is not a Deployment of the manifests (they hold "shop", "db"). Nothing was applied.',
          );
          return true;
        },
      );
      assert.equal(await replicasOf('shop', namespace).catch(() => undefined), undefined);
    });

    it('keeps the live replica count when autoscale is added (no drop to 1 before the HPA syncs), and autoscales only the deployments named', async () => {
      const before = await deployWith(undefined, 'v1.0.0', 1);
      assert.equal(before.ok, true, describeResult(before));
      assert.equal(await replicasOf('shop', namespace), 4);

      const after = await deployWith({ min: 2, max: 6, targetCPU: 60, deployments: ['shop'] }, 'v1.1.0', 2);
      assert.equal(after.ok, true, describeResult(after));
      assert.equal(await replicasOf('shop', namespace), 4, 'read right after the deploy: the apply without replicas did not reset them');
      const planned = after.plan.objects.find((o) => o.ref.kind === 'Deployment' && o.ref.name === 'shop');
      assert.ok(
        planned && !planned.changes.some((c) => c.startsWith('replicas')),
        `the plan says no replicas change: ${planned?.changes.join(', ')}`,
      );
      assert.deepEqual(after.applied, ['Deployment/shop', 'Deployment/db', 'HorizontalPodAutoscaler/shop']);
      const hpas = await autoscalers(namespace);
      assert.deepEqual(
        hpas.map((a) => a.spec?.scaleTargetRef?.name),
        ['shop'],
        'the single-instance db gets no autoscaler',
      );
      assert.equal(await replicasOf('db', namespace), 1);
    });
  });
});

/** Deploys a release of `folder` to `environment`, with `autoscale` written in its conveyor.yml (line 4 on) as the deploy reads it. */
async function deployAutoscaled(
  { kubeconfig, folder, image, namespace }: { kubeconfig: string; folder: string; image: string; namespace: string },
  environment: string,
  autoscale: EnvironmentDefinition['autoscale'],
  version: string,
  n: number,
) {
  await fs.writeFile(
    path.join(folder, 'conveyor.yml'),
    [
      'environments:',
      `  ${environment}:`,
      '    manifests: k8s',
      ...(autoscale
        ? ['    autoscale:', ...Object.entries(autoscale).map(([key, value]) => `      ${key}: ${JSON.stringify(value)}`)]
        : []),
      '',
    ].join('\n'),
  );
  return deployRelease({
    folder,
    environment: {
      name: environment,
      context: 'conveyor-admin',
      namespace,
      manifests: 'k8s',
      confirm: false,
      autoRollback: false,
      ...(autoscale ? { autoscale } : {}),
      source: 'conveyor.yml',
    },
    release: aReleaseToDeploy(version, n, image),
    kubeconfig: { kubeconfigPaths: [kubeconfig] },
    rolloutTimeoutMs: 60_000,
  });
}
