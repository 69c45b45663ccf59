import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeployError } from '../../../src/deploy/deployError';
import { resolveDeploySetup } from '../../../src/deploy/environmentDefinition';
import type { KubeObject, PodSpec } from '../../../src/deploy/kubeObject';
import {
  normalizeRepository,
  parseManifests,
  readManifestFolder,
  renderManifests,
  stripTagAndDigest,
} from '../../../src/deploy/renderManifests';
import type { ReleaseToDeploy, RenderedObject } from '../../../src/deploy/renderManifests';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'deploy');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const RELEASE: ReleaseToDeploy = {
  version: 'v1.2.0',
  commit: '0123456789abcdef0123456789abcdef01234567',
  image: 'registry.example.test/team/web',
  digest: DIGEST,
};

function find(rendered: RenderedObject[], kind: string, name: string): KubeObject {
  const found = rendered.find((r) => r.ref.kind === kind && r.ref.name === name);
  assert.ok(found, `${kind}/${name} rendered`);
  return found.object;
}

function podSpec(deployment: KubeObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function invalid(work: () => unknown): DeployError {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof DeployError, `a DeployError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a DeployError');
}

describe('deploy: rendering manifests (unit)', () => {
  it('reads every document of every file in the folder, sorted, with file and line', async () => {
    const docs = await readManifestFolder(path.join(FIXTURES, 'app'), 'k8s');
    assert.deepEqual(
      docs.map((d) => `${d.file}:${d.line} ${d.object.kind}/${d.object.metadata?.name}`),
      ['k8s/00-config.yaml:2 ConfigMap/web-settings', 'k8s/10-web.yaml:1 Service/web', 'k8s/10-web.yaml:12 Deployment/web'],
    );
  });

  it('pins only containers (and init containers) of the release repository to its digest', async () => {
    const rendered = renderManifests(await readManifestFolder(path.join(FIXTURES, 'app'), 'k8s'), {
      release: RELEASE,
      namespace: 'staging',
    });
    const spec = podSpec(find(rendered, 'Deployment', 'web'));
    assert.equal(spec.containers?.[0].image, `registry.example.test/team/web@${DIGEST}`);
    assert.equal(spec.initContainers?.[0].image, `registry.example.test/team/web@${DIGEST}`);
    assert.equal(spec.containers?.[1].image, 'docker.io/library/nginx:1.25', 'another repository keeps its image');
    assert.deepEqual(rendered.find((r) => r.ref.kind === 'Deployment')?.pinnedImages, [
      `migrate: registry.example.test/team/web:latest → registry.example.test/team/web@${DIGEST}`,
      `web: registry.example.test/team/web:1.0.0 → registry.example.test/team/web@${DIGEST}`,
    ]);
  });

  it('matches repositories the way Docker resolves them, not by prefix', () => {
    assert.equal(normalizeRepository('nginx'), 'docker.io/library/nginx');
    assert.equal(normalizeRepository('docker.io/nginx:1'), 'docker.io/library/nginx');
    assert.equal(normalizeRepository('index.docker.io/team/app@sha256:00'), 'docker.io/team/app');
    assert.equal(normalizeRepository('127.0.0.1:5000/app:1.0.0'), '127.0.0.1:5000/app');
    assert.equal(normalizeRepository('localhost/app'), 'localhost/app');
    assert.equal(stripTagAndDigest('127.0.0.1:5000/app'), '127.0.0.1:5000/app');
    const docs = parseManifests(
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: p}',
        'spec:',
        '  containers:',
        '    - {name: a, image: "registry.example.test/team/web-admin:1"}',
        '    - {name: b, image: "registry.example.test/team/web:2"}',
      ].join('\n'),
      'pod.yaml',
    );
    const [pod] = renderManifests(docs, { release: RELEASE, namespace: 'default' });
    assert.deepEqual(
      (pod.object.spec as PodSpec).containers?.map((c) => c.image),
      ['registry.example.test/team/web-admin:1', `registry.example.test/team/web@${DIGEST}`],
    );
  });

  it('records the release on the Deployment and its pod template, with a change-cause', async () => {
    const rendered = renderManifests(await readManifestFolder(path.join(FIXTURES, 'app'), 'k8s'), {
      release: RELEASE,
      namespace: 'staging',
    });
    const deployment = find(rendered, 'Deployment', 'web');
    assert.deepEqual(deployment.metadata?.annotations, {
      'conveyor.dev/release': 'v1.2.0',
      'conveyor.dev/commit': RELEASE.commit,
      'conveyor.dev/digest': DIGEST,
      'kubernetes.io/change-cause': `conveyor deploy v1.2.0 (commit 0123456, ${DIGEST.slice(0, 19)})`,
    });
    const template = (deployment.spec as { template: { metadata: KubeObject['metadata'] } }).template;
    assert.equal(template.metadata?.annotations?.['conveyor.dev/release'], 'v1.2.0');
    assert.equal(template.metadata?.annotations?.['conveyor.dev/digest'], DIGEST);
    assert.deepEqual(template.metadata?.labels, { app: 'web' }, 'labels untouched');
    assert.equal(find(rendered, 'ConfigMap', 'web-settings').metadata?.annotations, undefined, 'only Deployments are annotated');
  });

  it("refuses a namespaced object naming another namespace when conveyor.yml fixes the environment's, as kubectl --namespace does", () => {
    const docs = parseManifests(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}',
      ].join('\n---\n'),
      'all.yaml',
    );
    assert.throws(
      () => renderManifests(docs, { release: RELEASE, namespace: 'shop', namespaceFixed: true }),
      (error: unknown) =>
        error instanceof DeployError &&
        error.kind === 'invalid-manifest' &&
        error.message.startsWith('all.yaml:9: ConfigMap b names namespace "other", but this environment deploys into "shop"'),
    );
    // The namespace's own object and the one naming the environment's namespace pass; without a fixed namespace all do.
    assert.equal(renderManifests(docs.slice(0, 2), { release: RELEASE, namespace: 'shop', namespaceFixed: true }).length, 2);
    assert.deepEqual(
      renderManifests(docs, { release: RELEASE, namespace: 'shop' }).map((r) => r.ref.namespace),
      [undefined, 'shop', 'other'],
    );
  });

  it('sets the namespace on namespaced objects without one, never on cluster-scoped ones or over an explicit one', () => {
    const docs = parseManifests(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}',
      ].join('\n---\n'),
      'all.yaml',
    );
    const rendered = renderManifests(docs, { release: RELEASE, namespace: 'shop' });
    assert.deepEqual(
      rendered.map((r) => r.ref.namespace),
      [undefined, 'shop', 'other', undefined],
    );
    const custom = renderManifests(docs, { release: RELEASE, namespace: 'shop', isNamespaced: (_v, kind) => kind === 'ClusterRole' });
    assert.deepEqual(
      custom.map((r) => r.ref.namespace),
      [undefined, undefined, 'other', 'shop'],
      'the cluster decides when asked',
    );
  });

  it('adds protocol TCP to Service and container ports that have none (1.20 server-side apply)', async () => {
    const rendered = renderManifests(await readManifestFolder(path.join(FIXTURES, 'app'), 'k8s'), {
      release: RELEASE,
      namespace: 'default',
    });
    assert.deepEqual((find(rendered, 'Service', 'web').spec as { ports: unknown[] }).ports, [
      { port: 80, targetPort: 8080, protocol: 'TCP' },
    ]);
    assert.deepEqual(podSpec(find(rendered, 'Deployment', 'web')).containers?.[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
    const udp = parseManifests(
      'apiVersion: v1\nkind: Service\nmetadata: {name: dns}\nspec:\n  ports: [{port: 53, protocol: UDP}]\n',
      'dns.yaml',
    );
    assert.deepEqual((renderManifests(udp, { release: RELEASE, namespace: 'x' })[0].object.spec as { ports: unknown[] }).ports, [
      { port: 53, protocol: 'UDP' },
    ]);
  });

  it('leaves the input documents unchanged', async () => {
    const docs = await readManifestFolder(path.join(FIXTURES, 'app'), 'k8s');
    const before = JSON.stringify(docs);
    renderManifests(docs, { release: RELEASE, namespace: 'staging' });
    assert.equal(JSON.stringify(docs), before);
  });

  it('refuses a release without a sha256 digest', () => {
    const error = invalid(() => renderManifests([], { release: { ...RELEASE, digest: 'latest' }, namespace: 'x' }));
    assert.equal(error.kind, 'invalid-release');
  });
});

describe('deploy: invalid manifests (unit)', () => {
  it('names the file and line of a YAML syntax error', async () => {
    const error = await readManifestFolder(path.join(FIXTURES, 'broken'), 'k8s').then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as DeployError,
    );
    assert.ok(error instanceof DeployError);
    assert.equal(error.kind, 'invalid-manifest');
    assert.equal(error.details.file, 'k8s/10-web.yaml');
    assert.equal(error.details.line, 19);
    assert.match(error.message, /^k8s\/10-web\.yaml:19: invalid YAML/);
  });

  it('names file:line for objects without apiVersion, kind or metadata.name', () => {
    const noKind = invalid(() =>
      parseManifests('apiVersion: v1\nmetadata:\n  name: a\n---\n# comment\napiVersion: v1\nmetadata: {name: b}\n', 'k8s/a.yaml'),
    );
    assert.equal(noKind.kind, 'invalid-manifest');
    assert.match(noKind.message, /^k8s\/a\.yaml:1: the object has no kind\.$/);
    const noName = invalid(() =>
      parseManifests(
        'kind: ConfigMap\napiVersion: v1\ndata: {}\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  labels: {a: b}\n',
        'k8s/b.yaml',
      ),
    );
    assert.match(noName.message, /^k8s\/b\.yaml:1: the object has no metadata\.name\.$/);
    const secondDoc = invalid(() =>
      parseManifests(
        'kind: ConfigMap\napiVersion: v1\nmetadata: {name: ok}\n---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  labels: {a: b}\n',
        'k8s/c.yaml',
      ),
    );
    assert.deepEqual([secondDoc.details.file, secondDoc.details.line], ['k8s/c.yaml', 7], 'points at metadata');
    const scalar = invalid(() => parseManifests('just text\n', 'k8s/d.yaml'));
    assert.match(scalar.message, /^k8s\/d\.yaml:1: a Kubernetes object must be a mapping/);
  });

  it('skips empty documents (a leading or trailing ---)', () => {
    assert.equal(parseManifests('---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n', 'x.yaml').length, 1);
  });

  it('reads manifests as kubectl does, in YAML 1.1: octal file modes and merge keys', () => {
    const [deployment] = parseManifests(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        '  labels: &labels {app: web}',
        'spec:',
        '  template:',
        '    metadata:',
        '      labels: {<<: *labels, tier: front}',
        '    spec:',
        '      volumes:',
        '        - name: secret',
        '          secret: {secretName: s, defaultMode: 0644}',
        '',
      ].join('\n'),
      'k8s/web.yaml',
    );
    const template = (deployment.object.spec as { template: { metadata: unknown; spec: { volumes: { secret: unknown }[] } } }).template;
    assert.deepEqual(template.metadata, { labels: { app: 'web', tier: 'front' } });
    assert.deepEqual(template.spec.volumes[0].secret, { secretName: 's', defaultMode: 0o644 });
  });

  it('takes the items of a List (kubectl get -o yaml) one by one, each at its line', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: a}',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: b}',
      '',
    ].join('\n');
    assert.deepEqual(
      parseManifests(text, 'k8s/list.yaml').map((d) => [d.object.metadata?.name, d.line]),
      [
        ['a', 4],
        ['b', 7],
      ],
    );
    const unnamed = invalid(() => parseManifests(text.replace('metadata: {name: b}', 'metadata: {}'), 'k8s/list.yaml'));
    assert.match(unnamed.message, /^k8s\/list\.yaml:9: the object has no metadata\.name\.$/, 'at its metadata');
  });
});

describe('deploy: environments from conveyor.yml (unit)', () => {
  it('asks before deploying to production or prod unless conveyor.yml says otherwise', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-environments-'));
    try {
      const setup = await resolveDeploySetup(folder, {
        environments: { staging: {}, prod: {}, production: {}, preview: { confirm: true }, live: {}, 'production-eu': {}, qa: {} },
      });
      assert.deepEqual(
        setup.environments.map((e) => [e.name, e.confirm]),
        [
          ['staging', false],
          ['prod', true],
          ['production', true],
          ['preview', true],
          ['live', false],
          ['production-eu', false],
          ['qa', false],
        ],
      );
      const optedOut = await resolveDeploySetup(folder, { environments: { prod: { confirm: false } } });
      assert.equal(optedOut.environments[0].confirm, false);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
