import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployRelease } from '../../../src/deploy/deployFlow';
import type { DeployResult } from '../../../src/deploy/deployFlow';
import { describeResult } from '../../../src/deploy/deployText';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import { KubeClient } from '../../../src/deploy/kubeClient';
import { loadKubeConfig, withContext } from '../../../src/deploy/kubeconfigLoader';
import { ClusterWatch } from '../../../src/deploy/operate/clusterWatch';
import { RESTARTED_AT_ANNOTATION, restartWorkload } from '../../../src/deploy/operate/restart';
import { scaleWorkload } from '../../../src/deploy/operate/scale';
import type { DaemonSet, KubeList, Pod, StatefulSet } from '../../../src/deploy/kubeObject';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import { aDigest, aReleaseToDeploy } from '../../support/builders';
import { useKubeCluster } from '../../support/kubeCluster';
import { waitFor } from '../../support/waitFor';

const REPO = 'registry.example.test/team/db';
// The test agent never gets images whose reference contains `never-ready` running (ImagePullBackOff).
const NEVER_READY_REPO = 'registry.example.test/team/db-never-ready';
const digest = aDigest;
const release = (version: string, n: number, image = REPO): ReleaseToDeploy => aReleaseToDeploy(version, n, image);

const podTemplate = (app: string, image: string) => [
  '  selector:',
  `    matchLabels: {app: ${app}}`,
  '  template:',
  '    metadata:',
  `      labels: {app: ${app}}`,
  '    spec:',
  '      containers:',
  `        - name: ${app}`,
  `          image: ${image}:latest`,
];

function statefulSet(image: string): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata: {name: db}',
    'spec:',
    '  clusterIP: None',
    '  selector: {app: db}',
    '  ports: [{port: 5432}]',
    '---',
    'apiVersion: apps/v1',
    'kind: StatefulSet',
    'metadata: {name: db}',
    'spec:',
    '  serviceName: db',
    '  replicas: 2',
    ...podTemplate('db', image),
    '',
  ].join('\n');
}

function daemonSet(image: string): string {
  return ['apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: agent}', 'spec:', ...podTemplate('agent', image), ''].join('\n');
}

describe('deploy: every workload kind (integration, real kube-apiserver)', function () {
  this.timeout(240_000);
  const cluster = useKubeCluster();
  let tmp: string;
  let admin: KubeClient;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-workloads-'));
    const { config } = await loadKubeConfig({ kubeconfigPaths: [cluster.get().kubeconfig] });
    admin = new KubeClient(withContext(config, 'conveyor-admin'));
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  async function workspace(name: string, files: Record<string, string>): Promise<string> {
    const folder = path.join(tmp, name);
    await fs.rm(path.join(folder, 'k8s'), { recursive: true, force: true });
    await fs.mkdir(path.join(folder, 'k8s'), { recursive: true });
    for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(folder, 'k8s', file), text);
    return folder;
  }

  async function environment(namespace: string, autoRollback = false): Promise<EnvironmentDefinition> {
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return {
      name: 'staging',
      context: 'conveyor-admin',
      namespace,
      manifests: 'k8s',
      confirm: false,
      autoRollback,
      source: 'conveyor.yml',
    };
  }

  function deploy(folder: string, env: EnvironmentDefinition, rel: ReleaseToDeploy, rolloutTimeoutMs = 60_000): Promise<DeployResult> {
    return deployRelease({
      folder,
      environment: env,
      release: rel,
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      rolloutTimeoutMs,
    });
  }

  async function podImages(namespace: string, app: string): Promise<string[]> {
    const pods = await admin.request<KubeList<Pod>>('GET', `/api/v1/namespaces/${namespace}/pods`, {
      query: { labelSelector: `app=${app}` },
    });
    return pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.spec?.containers?.[0].image ?? '');
  }

  it('follows a StatefulSet rollout to completion, twice (create, then a new release)', async () => {
    const env = await environment('cnv-sts-ok');
    const folder = await workspace('sts-ok', { 'db.yaml': statefulSet(REPO) });
    const first = await deploy(folder, env, release('v1.0.0', 1));
    assert.equal(first.ok, true, describeResult(first));
    assert.deepEqual(
      first.rollouts.map((r) => [r.kind, r.deployment, r.status]),
      [['StatefulSet', 'db', 'complete']],
    );
    assert.deepEqual(first.notFollowed, []);
    const second = await deploy(folder, env, release('v1.1.0', 2));
    assert.equal(second.ok, true, describeResult(second));
    const live = await admin.request<StatefulSet>('GET', `/apis/apps/v1/namespaces/${env.namespace}/statefulsets/db`);
    assert.equal(live.status?.updatedReplicas, 2, 'both pods replaced before the rollout was called complete');
    assert.equal(live.status?.readyReplicas, 2);
    assert.equal(live.metadata?.annotations?.['conveyor.dev/release'], 'v1.1.0');
    assert.deepEqual(await podImages(env.namespace!, 'db'), [`${REPO}@${digest(2)}`, `${REPO}@${digest(2)}`]);
  });

  it('follows a DaemonSet rollout to completion', async () => {
    const env = await environment('cnv-ds-ok');
    const folder = await workspace('ds-ok', { 'agent.yaml': daemonSet(REPO) });
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    const second = await deploy(folder, env, release('v1.1.0', 2));
    assert.equal(second.ok, true, describeResult(second));
    assert.deepEqual(
      second.rollouts.map((r) => [r.kind, r.deployment, r.status]),
      [['DaemonSet', 'agent', 'complete']],
    );
    const live = await admin.request<DaemonSet>('GET', `/apis/apps/v1/namespaces/${env.namespace}/daemonsets/agent`);
    assert.ok((live.status?.desiredNumberScheduled ?? 0) >= 1, 'the DaemonSet runs on the test node');
    assert.equal(live.status?.numberAvailable, live.status?.desiredNumberScheduled);
    assert.deepEqual(await podImages(env.namespace!, 'agent'), [`${REPO}@${digest(2)}`]);
  });

  it('the Environments view lists StatefulSets and DaemonSets with their pods, like Deployments', async () => {
    const env = await environment('cnv-workload-rows');
    const folder = await workspace('rows', { 'db.yaml': statefulSet(REPO), 'agent.yaml': daemonSet(REPO) });
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    const watch = new ClusterWatch(admin.config, env.namespace!, { debounceMs: 50 });
    watch.start();
    try {
      await until(() => watch.state === 'connected' && watch.workloads().length === 2);
      assert.deepEqual(
        watch.workloads().map((w) => [w.kind, w.name, w.release, `${w.ready}/${w.desired}`, w.rollout.state]),
        [
          ['DaemonSet', 'agent', 'v1.0.0', '1/1', 'complete'],
          ['StatefulSet', 'db', 'v1.0.0', '2/2', 'complete'],
        ],
      );
      assert.deepEqual(
        watch.pods('db').map((p) => [p.name, p.status, p.ready]),
        [
          ['db-0', 'Running', '1/1'],
          ['db-1', 'Running', '1/1'],
        ],
      );
      assert.equal(watch.pods('agent').length, 1);
    } finally {
      watch.dispose();
    }
  });

  it("a StatefulSet row's Scale goes through its /scale subresource; Restart rolls a StatefulSet's and a DaemonSet's pods", async () => {
    const env = await environment('cnv-workload-ops');
    const folder = await workspace('ops', { 'db.yaml': statefulSet(REPO), 'agent.yaml': daemonSet(REPO) });
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    const namespace = env.namespace!;
    const livePods = async (app: string) =>
      (
        await admin.request<KubeList<Pod>>('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: `app=${app}` } })
      ).items.filter((p) => !p.metadata?.deletionTimestamp);

    assert.equal(await scaleWorkload(admin.config, namespace, { kind: 'StatefulSet', name: 'db' }, 3), 3);
    await waitFor(
      'db scaled to 3 ready replicas',
      async () =>
        (await admin.request<StatefulSet>('GET', `/apis/apps/v1/namespaces/${namespace}/statefulsets/db`)).status?.readyReplicas === 3,
    );
    assert.deepEqual((await livePods('db')).map((p) => p.metadata?.name).sort(), ['db-0', 'db-1', 'db-2']);

    const restarted = new Date('2026-12-04T05:00:00Z');
    for (const [kind, name, app] of [
      ['StatefulSet', 'db', 'db'],
      ['DaemonSet', 'agent', 'agent'],
    ] as const) {
      const result = await restartWorkload(admin.config, namespace, { kind, name }, restarted);
      assert.equal(result.restartedAt, '2026-12-04T05:00:00Z');
      // Every pod is replaced by one from the restarted template: the controller's own rolling update.
      await waitFor(`every ${kind} pod restarted`, async () => {
        const pods = await livePods(app);
        return pods.length > 0 && pods.every((p) => p.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === result.restartedAt);
      });
    }
    await assert.rejects(scaleWorkload(admin.config, namespace, { kind: 'StatefulSet', name: 'nope' }, 1), /statefulset "nope"/);
  });

  for (const [kind, name, app, manifest] of [
    ['StatefulSet', 'db', 'db', statefulSet],
    ['DaemonSet', 'agent', 'agent', daemonSet],
  ] as const) {
    it(`a ${kind} rollout that never becomes ready is rolled back to the previous release (autoRollback)`, async () => {
      const env = await environment(`cnv-${app}-fail`, true);
      const folder = await workspace(`${app}-fail`, { [`${app}.yaml`]: manifest(REPO) });
      assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);

      await workspace(`${app}-fail`, { [`${app}.yaml`]: manifest(NEVER_READY_REPO) });
      // A StatefulSet or DaemonSet has no progress deadline: the deploy's own timeout decides.
      const result = await deploy(folder, env, release('v1.1.0', 3, NEVER_READY_REPO), 15_000);
      assert.equal(result.ok, false);
      assert.equal(result.failure?.kind, 'timeout');
      assert.match(result.failure?.message ?? '', new RegExp(`${kind} "${name}" did not finish rolling out`));
      assert.ok(
        result.failure?.problems.some((p) => p.reason === 'ImagePullBackOff' && p.container === app),
        JSON.stringify(result.failure?.problems),
      );

      const [rolledBack] = result.rolledBack ?? [];
      assert.equal(rolledBack?.error, undefined);
      assert.equal(rolledBack?.kind, kind);
      assert.equal(rolledBack?.result?.release, 'v1.0.0');
      assert.deepEqual(rolledBack?.result?.images, [`${REPO}@${digest(1)}`]);
      assert.equal(rolledBack?.rollout?.status, 'complete', rolledBack?.rollout?.message);
      const path = `/apis/apps/v1/namespaces/${env.namespace}/${kind.toLowerCase()}s/${name}`;
      const live = await admin.request<StatefulSet | DaemonSet>('GET', path);
      assert.equal(live.spec?.template?.spec?.containers?.[0].image, `${REPO}@${digest(1)}`);
      assert.equal(live.metadata?.annotations?.['conveyor.dev/release'], 'v1.0.0');
      assert.ok(
        (await podImages(env.namespace!, app)).every((image) => image === `${REPO}@${digest(1)}`),
        'no pod of the failed release is left',
      );
      assert.match(describeResult(result), new RegExp(`↩ ${name} rolled back to revision \\d+ \\(v1\\.0\\.0\\)`));
    });
  }

  it('a ReplicationController, and a custom resource whose CRD comes in the same folder, are applied and reported "applied, not followed"', async () => {
    const env = await environment('cnv-not-followed');
    const folder = await workspace('not-followed', {
      'legacy.yaml': [
        'apiVersion: v1',
        'kind: ReplicationController',
        'metadata: {name: legacy}',
        'spec:',
        '  replicas: 1',
        '  selector: {app: legacy}',
        '  template:',
        '    metadata:',
        '      labels: {app: legacy}',
        '    spec:',
        '      containers:',
        `        - {name: legacy, image: "${REPO}:latest"}`,
        '',
      ].join('\n'),
      'config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {A: b}\n',
      // The custom resource sorts before its CRD's file: apply order, not file order, must bring the CRD first.
      'a-widget.yaml': 'apiVersion: example.test/v1\nkind: Widget\nmetadata: {name: bar}\nspec: {size: 3}\n',
      'crd.yaml': [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata: {name: widgets.example.test}',
        'spec:',
        '  group: example.test',
        '  scope: Namespaced',
        '  names: {plural: widgets, singular: widget, kind: Widget}',
        '  versions:',
        '    - name: v1',
        '      served: true',
        '      storage: true',
        '      schema:',
        '        openAPIV3Schema:',
        '          type: object',
        '          properties:',
        '            spec: {type: object, properties: {size: {type: integer}}}',
        '',
      ].join('\n'),
    });
    const result = await deploy(folder, env, release('v1.0.0', 1));
    assert.equal(result.ok, true, describeResult(result));
    assert.deepEqual(result.applied, [
      'CustomResourceDefinition/widgets.example.test',
      'ConfigMap/settings',
      'Widget/bar',
      'ReplicationController/legacy',
    ]);
    assert.deepEqual(
      result.plan.objects.filter((o) => o.ref.kind === 'Widget').map((o) => [o.ref.namespace, o.action]),
      [[env.namespace, 'create']],
      'planned as created in the environment namespace (scope read from the CRD) before the cluster knows the kind',
    );
    assert.deepEqual(
      result.notFollowed.map((n) => n.object),
      ['Widget/bar', 'ReplicationController/legacy'],
    );
    assert.deepEqual(result.rollouts, []);
    assert.match(describeResult(result), /^applied, not followed: Widget\/bar, ReplicationController\/legacy$/m);
    assert.ok(await admin.getOptional(`/api/v1/namespaces/${env.namespace}/replicationcontrollers/legacy`), 'it was applied');
    const widget = await admin.getOptional<{ spec?: { size?: number } }>(`/apis/example.test/v1/namespaces/${env.namespace}/widgets/bar`);
    assert.equal(widget?.spec?.size, 3);

    // A second deploy knows the kind: the widget is dry-run like any object and unchanged.
    const again = await deploy(folder, env, release('v1.0.0', 1));
    assert.equal(again.ok, true, describeResult(again));
    assert.equal(again.plan.objects.find((o) => o.ref.kind === 'Widget')?.action, 'unchanged');
  });

  it('a StatefulSet with the OnDelete strategy is applied and said to be not followed, with why', async () => {
    const env = await environment('cnv-sts-ondelete');
    const folder = await workspace('sts-ondelete', {
      'db.yaml': statefulSet(REPO).replace('  replicas: 2', '  replicas: 1\n  updateStrategy: {type: OnDelete}'),
    });
    const result = await deploy(folder, env, release('v1.0.0', 1));
    assert.equal(result.ok, true);
    assert.deepEqual(result.rollouts, []);
    assert.deepEqual(result.notFollowed, [
      { object: 'StatefulSet/db', reason: 'OnDelete update strategy: rollout status is only available for RollingUpdate' },
    ]);
  });
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
