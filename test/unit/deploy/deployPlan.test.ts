import * as assert from 'node:assert/strict';
import { applyObjects, applyOrder } from '../../../src/deploy/deployApply';
import { summarizeChange } from '../../../src/deploy/deployPlan';
import { ServiceError } from '../../../src/core/errors';
import { DeployError, deployErrorOf } from '../../../src/deploy/deployError';
import { answerError, parseForbidden, type KubeStatus } from '../../../src/deploy/kubeErrors';
import type { KubeClient } from '../../../src/deploy/kubeClient';
import type { KubeObject } from '../../../src/deploy/kubeObject';
import type { RenderedObject } from '../../../src/deploy/renderManifests';

/** What KubeClient throws when the API server answers an error status. */
function apiAnswer(status: number, answer: KubeStatus): ServiceError {
  return answerError(
    { request: 'PATCH /apis/apps/v1/namespaces/default/deployments/web', context: 'conveyor-limited', server: 'https://127.0.0.1:6443' },
    status,
    answer,
  );
}

const OLD = `registry.example.test/web@sha256:${'1'.repeat(64)}`;
const NEW = `registry.example.test/web@sha256:${'2'.repeat(64)}`;

function deployment(
  image: string,
  options: { replicas?: number; release?: string; env?: Record<string, string>; extra?: object } = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'u-1',
      resourceVersion: String(Math.random()),
      generation: 3,
      managedFields: [{ manager: 'conveyor' }],
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        ...(options.release ? { 'conveyor.dev/release': options.release, 'conveyor.dev/digest': image.split('@')[1] } : {}),
      },
    },
    spec: {
      replicas: options.replicas ?? 2,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image, env: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })) },
            { name: 'proxy', image: 'nginx:1.25' },
          ],
        },
      },
      ...options.extra,
    },
    status: { replicas: 2, observedGeneration: 3 },
  };
}

function rendered(kind: string, name: string): RenderedObject {
  return {
    file: 'k8s/a.yaml',
    line: 1,
    object: { apiVersion: 'v1', kind, metadata: { name } },
    ref: { apiVersion: 'v1', kind, name },
    pinnedImages: [],
  };
}

describe('deploy: plan summaries (unit)', () => {
  it('create when nothing is there yet', () => {
    assert.deepEqual(summarizeChange(undefined, deployment(NEW)), { action: 'create', changes: [] });
  });

  it('unchanged when only server-maintained fields differ (resourceVersion, managedFields, status, revision)', () => {
    const after = deployment(OLD, { release: 'v1.0.0' });
    after.metadata = {
      ...after.metadata,
      resourceVersion: '999',
      generation: 4,
      managedFields: [],
      annotations: { ...after.metadata?.annotations, 'deployment.kubernetes.io/revision': '4' },
    };
    after.status = { replicas: 1 };
    assert.deepEqual(summarizeChange(deployment(OLD, { release: 'v1.0.0' }), after), { action: 'unchanged', changes: [] });
  });

  it('update lists image (short digests), release, replicas and env, per container', () => {
    const before = deployment(OLD, { release: 'v1.0.0', env: { MODE: 'a' } });
    const after = deployment(NEW, { release: 'v1.1.0', replicas: 3, env: { MODE: 'b' } });
    assert.deepEqual(summarizeChange(before, after), {
      action: 'update',
      changes: [
        'release v1.0.0 → v1.1.0',
        'replicas 2 → 3',
        'image web: registry.example.test/web@sha256:111111111111 → registry.example.test/web@sha256:222222222222',
        'env (web)',
      ],
      templateChanged: true,
    });
  });

  it('says when an update leaves the pod template as it is (a scale): no new revision to roll back from', () => {
    const before = deployment(OLD, { release: 'v1.0.0' });
    assert.deepEqual(summarizeChange(before, deployment(OLD, { release: 'v1.0.0', replicas: 6 })), {
      action: 'update',
      changes: ['replicas 2 → 6'],
      templateChanged: false,
    });
  });

  it('names other changes by their path, and data keys of ConfigMaps', () => {
    const before = deployment(OLD, { extra: { strategy: { type: 'RollingUpdate' } } });
    const after = deployment(OLD, { extra: { strategy: { type: 'Recreate' } } });
    assert.deepEqual(summarizeChange(before, after).changes, ['spec.strategy.type']);
    const config = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    assert.deepEqual(summarizeChange(config({ A: '1', B: '2' }), config({ A: '1', B: '3', C: '4' })).changes, ['data B', 'data C']);
  });

  it('caps the list of changes', () => {
    const config = (prefix: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`K${i}`, prefix])),
    });
    const { changes } = summarizeChange(config('a'), config('b'));
    assert.equal(changes.length, 8);
    assert.equal(changes.at(-1), '5 more');
  });
});

describe('deploy: apply order and partial failure (unit)', () => {
  it('applies namespaces, then configuration, then services, then workloads, stable within a rank', () => {
    const objects = [
      'Deployment/web',
      'Service/web',
      'ConfigMap/a',
      'Namespace/shop',
      'Secret/s',
      'ServiceAccount/sa',
      'Job/migrate',
      'ConfigMap/b',
    ].map((r) => rendered(r.split('/')[0], r.split('/')[1]));
    assert.deepEqual(
      applyOrder(objects).map((o) => `${o.ref.kind}/${o.ref.name}`),
      ['Namespace/shop', 'ConfigMap/a', 'Secret/s', 'ServiceAccount/sa', 'ConfigMap/b', 'Service/web', 'Deployment/web', 'Job/migrate'],
    );
  });

  it('a failure midway says what was applied and what was not', async () => {
    const calls: string[] = [];
    const client = {
      context: 'ctx',
      apply: (object: KubeObject) => {
        calls.push(object.metadata?.name ?? '');
        if (object.kind === 'Service')
          return Promise.reject(apiAnswer(422, { message: 'Service "web" is invalid: spec.ports[0].port: Invalid value: 0' }));
        return Promise.resolve(object);
      },
    } as unknown as KubeClient;
    const objects = [rendered('ConfigMap', 'a'), rendered('Service', 'web'), rendered('Deployment', 'web')];
    const error = await applyObjects(client, objects).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as DeployError,
    );
    assert.ok(error instanceof DeployError);
    assert.equal(error.kind, 'invalid-manifest');
    assert.deepEqual([error.details.applied, error.details.notApplied], [['ConfigMap/a'], ['Service/web', 'Deployment/web']]);
    assert.match(
      error.message,
      /^k8s\/a\.yaml:1: The cluster rejected Service\/web: Service "web" is invalid.* Applied: ConfigMap\/a\. Not applied: Service\/web, Deployment\/web\.$/,
    );
    assert.deepEqual(calls, ['a', 'web'], 'stops at the first failure');
  });

  it('retries the brief "serviceaccount not found" race of a new namespace', async () => {
    let attempts = 0;
    const client = {
      context: 'ctx',
      apply: (object: KubeObject) =>
        ++attempts < 3
          ? Promise.reject(
              apiAnswer(403, {
                message: 'pods "p" is forbidden: error looking up service account shop/default: serviceaccount "default" not found',
              }),
            )
          : Promise.resolve(object),
    } as unknown as KubeClient;
    const applied = await applyObjects(client, [rendered('Pod', 'p')], undefined, () => Promise.resolve());
    assert.equal(applied.length, 1);
    assert.equal(attempts, 3);
  });
});

describe("deploy: API errors in the user's words (unit)", () => {
  const where = { action: 'apply Deployment/web', context: 'conveyor-limited' };

  it('401 says to sign in again for the context', () => {
    const error = deployErrorOf(apiAnswer(401, { message: 'Unauthorized' }), where);
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /sign in again \/ refresh the credentials for context "conveyor-limited"/);
  });

  it('403 names verb, resource and namespace from the Status message', () => {
    const message =
      'deployments.apps "web" is forbidden: User "conveyor-viewer" cannot patch resource "deployments" in API group "apps" in the namespace "default"';
    const error = deployErrorOf(apiAnswer(403, { message, reason: 'Forbidden', code: 403 }), where);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.kind, 'forbidden');
    assert.deepEqual([error.detail?.verb, error.detail?.resource, error.detail?.namespace], ['patch', 'deployments.apps', 'default']);
    assert.match(
      error.message,
      /^Not allowed to apply Deployment\/web with context "conveyor-limited": .*cannot patch resource "deployments"/,
    );
    assert.deepEqual(parseForbidden('User "x" cannot list resource "namespaces" in API group "" at the cluster scope'), {
      user: 'x',
      verb: 'list',
      resource: 'namespaces',
    });
  });

  it('409 is a conflict, 404 not found, 422 an invalid manifest with its file:line', () => {
    assert.equal(deployErrorOf(apiAnswer(409, { message: 'Apply failed with 1 conflict' }), where).kind, 'conflict');
    assert.equal(deployErrorOf(apiAnswer(404, { message: 'namespaces "nope" not found' }), where).kind, 'not-found');
    const invalid = deployErrorOf(apiAnswer(422, { message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1' }), {
      ...where,
      file: 'k8s/web.yaml',
      line: 12,
    });
    assert.ok(invalid instanceof DeployError);
    assert.equal(invalid.kind, 'invalid-manifest');
    assert.deepEqual([invalid.details.file, invalid.details.line], ['k8s/web.yaml', 12]);
    assert.match(invalid.message, /^k8s\/web\.yaml:12: /);
  });
});
