// An environment with `kustomize:` deployed end to end: rendered by the kubectl built from Debian's kubernetes
// source next to the control plane (never the machine's /usr/bin/kubectl), then pinned, dry-run and applied to
// the real kube-apiserver. The overlay is the usual shape: a base, and a staging overlay that sets the image,
// a namespace, a name prefix, a generated ConfigMap and a patch.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireKubeTools } from '../../../scripts/kube/tools';
import { deployRelease } from '../../../src/deploy/deployFlow';
import type { DeployResult } from '../../../src/deploy/deployFlow';
import { DeployError } from '../../../src/deploy/deployError';
import { describeResult } from '../../../src/deploy/deployText';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import { KubeClient } from '../../../src/deploy/kubeClient';
import { loadKubeConfig, withContext } from '../../../src/deploy/kubeconfigLoader';
import type { Deployment, KubeList, KubeObject } from '../../../src/deploy/kubeObject';
import { aDigest, aReleaseToDeploy } from '../../support/builders';
import { useKubeCluster } from '../../support/kubeCluster';

const BASE_IMAGE = 'registry.example.test/team/web-base';
const REPO = 'registry.example.test/team/web';
const NAMESPACE = 'cnv-kustomize-staging';

const files: Record<string, string> = {
  'base/kustomization.yaml': [
    'resources:',
    '  - deployment.yaml',
    '  - service.yaml',
    'commonLabels: {app.kubernetes.io/part-of: shop}',
    '',
  ].join('\n'),
  'base/deployment.yaml': [
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
    `        - name: web`,
    `          image: ${BASE_IMAGE}:1.0`,
    '          envFrom: [{configMapRef: {name: web-settings}}]',
    '',
  ].join('\n'),
  'base/service.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata: {name: web}',
    'spec:',
    '  selector: {app: web}',
    '  ports: [{port: 80}]',
    '',
  ].join('\n'),
  'overlays/staging/kustomization.yaml': [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `namespace: ${NAMESPACE}`,
    'namePrefix: staging-',
    // `bases:`, not a directory under `resources:`: kubectl 1.20 embeds kustomize 2.0.3, which reads only files there.
    'bases:',
    '  - ../../base',
    'images:',
    `  - name: ${BASE_IMAGE}`,
    `    newName: ${REPO}`,
    '    newTag: candidate',
    'configMapGenerator:',
    '  - name: web-settings',
    '    literals: [LOG_LEVEL=debug]',
    'patchesStrategicMerge:',
    '  - replicas.yaml',
    '',
  ].join('\n'),
  'overlays/staging/replicas.yaml': ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}', 'spec:', '  replicas: 2', ''].join(
    '\n',
  ),
};

describe('deploy: kustomize environments (integration, real kube-apiserver, kubectl kustomize built from Debian source)', function () {
  this.timeout(240_000);
  const cluster = useKubeCluster();
  let tmp: string;
  let folder: string;
  let admin: KubeClient;
  let toolsPath: string;

  before(async () => {
    toolsPath = requireKubeTools().binDir;
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-kustomize-'));
    folder = path.join(tmp, 'shop');
    for (const [file, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(folder, file)), { recursive: true });
      await fs.writeFile(path.join(folder, file), text);
    }
    const { config } = await loadKubeConfig({ kubeconfigPaths: [cluster.get().kubeconfig] });
    admin = new KubeClient(withContext(config, 'conveyor-admin'));
    // The overlay's namespace is the cluster admin's to create (kustomize 2's namePrefix would rename a Namespace object too).
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  const environment = (kustomize: string): EnvironmentDefinition => ({
    name: 'staging',
    context: 'conveyor-admin',
    kustomize,
    confirm: false,
    autoRollback: false,
    source: 'conveyor.yml',
  });

  function deploy(kustomize: string, n: number, pathForTools = toolsPath): Promise<DeployResult> {
    return deployRelease({
      folder,
      environment: environment(kustomize),
      release: aReleaseToDeploy(`v1.${n}.0`, n, REPO),
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      rolloutTimeoutMs: 60_000,
      toolsPath: pathForTools,
    });
  }

  it('renders the overlay and deploys it: the overlay image pinned to the release digest, its namespace, prefix, generated ConfigMap and patch', async () => {
    const progress: string[] = [];
    const result = await deployRelease({
      folder,
      environment: environment('overlays/staging'),
      release: aReleaseToDeploy('v1.1.0', 1, REPO),
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      rolloutTimeoutMs: 60_000,
      toolsPath,
      onProgress: (p) => progress.push(p.message),
    });
    assert.equal(result.ok, true, describeResult(result));
    assert.ok(progress.includes('Rendering kustomization overlays/staging'), progress.join('\n'));
    assert.ok(
      result.plan.objects.every((o) => o.ref.namespace === NAMESPACE),
      'every object in the overlay namespace, not the context default',
    );
    assert.ok(result.applied.includes('Service/staging-web'), result.applied.join(', '));
    const configMap = result.applied.find((a) => a.startsWith('ConfigMap/staging-web-settings-'));
    assert.ok(configMap, `the generated ConfigMap with its hash suffix: ${result.applied.join(', ')}`);
    assert.deepEqual(
      result.rollouts.map((r) => [r.deployment, r.status]),
      [['staging-web', 'complete']],
    );

    const live = await admin.request<Deployment>('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/staging-web`);
    assert.equal(live.spec?.replicas, 2, 'the overlay patch');
    const container = live.spec?.template?.spec?.containers?.[0];
    assert.equal(container?.image, `${REPO}@${aDigest(1)}`, 'the image the overlay set, pinned to the release digest');
    assert.equal(
      (container as { envFrom?: { configMapRef?: { name?: string } }[] } | undefined)?.envFrom?.[0]?.configMapRef?.name,
      configMap.slice('ConfigMap/'.length),
      "kustomize's name reference to the generated ConfigMap",
    );
    assert.equal(live.metadata?.labels?.['app.kubernetes.io/part-of'], 'shop', "the base's common label");
    assert.equal(live.metadata?.annotations?.['conveyor.dev/release'], 'v1.1.0');
    const settings = await admin.request<KubeList<KubeObject & { data?: Record<string, string> }>>(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/configmaps`,
    );
    assert.ok(settings.items.some((c) => c.data?.LOG_LEVEL === 'debug'));
  });

  it('the next release through the same overlay changes only the image', async () => {
    const result = await deploy('overlays/staging', 2);
    assert.equal(result.ok, true, describeResult(result));
    const deployment = result.plan.objects.find((o) => o.ref.kind === 'Deployment');
    assert.equal(deployment?.action, 'update');
    assert.ok(
      deployment?.changes.some((c) => c.startsWith('image web:')),
      deployment?.changes.join('; '),
    );
    assert.deepEqual(
      result.plan.objects.filter((o) => o.ref.kind !== 'Deployment').map((o) => o.action),
      result.plan.objects.filter((o) => o.ref.kind !== 'Deployment').map(() => 'unchanged'),
    );
  });

  it("kustomize's own error stops the deploy with the kustomization file named, before anything is applied", async () => {
    await fs.mkdir(path.join(folder, 'overlays/broken'), { recursive: true });
    await fs.writeFile(path.join(folder, 'overlays/broken/kustomization.yaml'), 'resources:\n  - ../../missing-base\n');
    const error = await deploy('overlays/broken', 3).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeployError, String(error));
    assert.equal(error.kind, 'invalid-manifest');
    assert.match(error.message, /^overlays\/broken\/kustomization\.yaml: kubectl kustomize failed: .*missing-base/);
    assert.match(error.message, /Nothing was applied\.$/);
  });

  it('says what to install when neither kustomize nor kubectl is on PATH, and names a directory that is not a kustomization', async () => {
    const empty = path.join(tmp, 'no-tools');
    await fs.mkdir(empty, { recursive: true });
    await assert.rejects(deploy('overlays/staging', 4, empty), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.equal(error.kind, 'unsupported');
      assert.match(error.message, /^Rendering overlays\/staging needs kustomize or kubectl on PATH/);
      return true;
    });
    await assert.rejects(deploy('overlays', 4), /The kustomize directory overlays has no kustomization\.yaml/);
    await assert.rejects(deploy('overlays/none', 4), /The kustomize directory overlays\/none does not exist/);
  });
});
