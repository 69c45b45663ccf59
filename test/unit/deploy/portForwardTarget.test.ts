import * as assert from 'node:assert/strict';
import type { Pod, Service } from '../../../src/deploy/kubeObject';
import {
  containerPorts,
  isPodReady,
  pickReadyPod,
  resolvePodPort,
  selectorQuery,
  serviceSelector,
  servicePorts,
  serviceTargetPort,
} from '../../../src/deploy/operate/portForwardTarget';

function pod(name: string, options: { ready?: boolean; created?: string; deleting?: boolean; phase?: string } = {}): Pod {
  return {
    metadata: {
      name,
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
      ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:10:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          name: 'app',
          ports: [
            { name: 'http', containerPort: 8080 },
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
          ],
        },
        { name: 'sidecar', ports: [{ containerPort: 9090 }] },
      ],
    },
    status: { phase: options.phase ?? 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

const service: Service = {
  metadata: { name: 'web' },
  spec: {
    selector: { app: 'web', tier: 'front' },
    ports: [
      { name: 'web', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9000, targetPort: 9090 },
      { port: 8080 },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  },
};

describe('port-forward targets (unit)', () => {
  it('turns label selectors into the labelSelector query', () => {
    assert.equal(selectorQuery({ matchLabels: { app: 'web', tier: 'front' } }), 'app=web,tier=front');
    assert.equal(
      selectorQuery({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['dev', 'qa'] },
          { key: 'canary', operator: 'NotIn', values: ['true'] },
          { key: 'owner', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
      'app=web,env in (dev,qa),canary notin (true),owner,!legacy',
    );
  });

  it('picks the newest ready pod, never one that is deleting or not ready', () => {
    const old = pod('web-old', { created: '2026-01-01T00:00:00Z' });
    const fresh = pod('web-new', { created: '2026-01-01T00:05:00Z' });
    assert.equal(pickReadyPod([old, fresh])?.metadata?.name, 'web-new');
    assert.equal(pickReadyPod([old, pod('web-x', { created: '2026-01-02T00:00:00Z', ready: false })])?.metadata?.name, 'web-old');
    assert.equal(pickReadyPod([pod('a', { deleting: true }), pod('b', { phase: 'Pending' })]), undefined);
    assert.equal(isPodReady(pod('c', { deleting: true })), false);
    assert.equal(isPodReady(old), true);
  });

  it('offers the TCP container ports, named by container and port name', () => {
    assert.deepEqual(containerPorts(pod('p')), [
      { port: 8080, label: 'app/http' },
      { port: 9090, label: 'sidecar' },
    ]);
  });

  it('resolves a pod port by number or by name, and says when a name is unknown', () => {
    assert.equal(resolvePodPort(pod('p'), 8080), 8080);
    assert.equal(resolvePodPort(pod('p'), '3000'), 3000);
    assert.equal(resolvePodPort(pod('p'), 'http'), 8080);
    assert.throws(() => resolvePodPort(pod('p'), 'grpc'), /^ServiceError: Pod "p" has no container port named "grpc"\.$/);
  });

  it('maps a service port to its targetPort: named, numbered, or the same port when absent', () => {
    assert.equal(serviceTargetPort(service, 80, pod('p')), 8080);
    assert.equal(serviceTargetPort(service, 9000, pod('p')), 9090);
    assert.equal(serviceTargetPort(service, 8080, pod('p')), 8080);
    assert.throws(() => serviceTargetPort(service, 81, pod('p')), /Service "web" has no port 81 \(it has 80, 9000, 8080, 53\)\./);
    const other = { ...pod('q'), spec: { containers: [{ name: 'app', ports: [{ name: 'web', containerPort: 3000 }] }] } };
    assert.throws(() => serviceTargetPort(service, 80, other), /Pod "q" has no container port named "http"\./);
  });

  it("offers a service's TCP ports and reads its selector; a service without one is refused", () => {
    assert.deepEqual(servicePorts(service), [
      { port: 80, label: 'service port 80 (web) → http' },
      { port: 9000, label: 'service port 9000 (metrics) → 9090' },
      { port: 8080, label: 'service port 8080 → 8080' },
    ]);
    assert.equal(serviceSelector(service), 'app=web,tier=front');
    assert.throws(
      () => serviceSelector({ metadata: { name: 'external' }, spec: { ports: [{ port: 5432 }] } }),
      /Service "external" has no selector, so no pod stands behind it: forward to a pod instead\./,
    );
  });
});
