import * as assert from 'node:assert/strict';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { daemonSetRow, deploymentRow, podRow, rolloutOf, statefulSetRow } from '../../../src/deploy/operate/workloadRows';

function deployment(status: V1Deployment['status'], spec: Partial<NonNullable<V1Deployment['spec']>> = {}, generation = 2): V1Deployment {
  return {
    metadata: { name: 'web', generation, annotations: { 'deployment.kubernetes.io/revision': '4' } },
    spec: {
      replicas: 3,
      selector: {},
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'r/web:2' },
            { name: 'side', image: 'r/proxy:1' },
          ],
        },
      },
      ...spec,
    },
    status,
  };
}

describe('operate: deployment and pod rows (unit)', () => {
  it('judges a rollout the way kubectl rollout status does', () => {
    const cases: [V1Deployment, string, string][] = [
      [deployment({ observedGeneration: 1 }), 'progressing', 'waiting for the controller to see the new spec'],
      [deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 }), 'progressing', '1 of 3 replicas updated'],
      [
        deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 }),
        'progressing',
        '1 old replica pending termination',
      ],
      [
        deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 }),
        'progressing',
        '2 of 3 updated replicas available',
      ],
      [
        deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }),
        'complete',
        '3 of 3 replicas available',
      ],
      [
        deployment({
          observedGeneration: 2,
          updatedReplicas: 1,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "web-1" has timed out progressing.',
            },
          ],
        }),
        'failed',
        'ReplicaSet "web-1" has timed out progressing.',
      ],
      [deployment({ observedGeneration: 2 }, { paused: true }), 'paused', 'rollout is paused'],
    ];
    for (const [input, state, message] of cases) assert.deepEqual(rolloutOf(input), { state, message });
  });

  it('reads images, revision and Conveyor annotations (from the pod template when not on the deployment)', () => {
    const d = deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3, readyReplicas: 3 });
    d.spec!.template.metadata = { annotations: { 'conveyor.dev/release': '2.0.0', 'conveyor.dev/digest': 'sha256:ab' } };
    const row = deploymentRow(d);
    assert.deepEqual(
      [row.images, row.revision, row.release, row.digest, row.commit],
      [['r/web:2', 'r/proxy:1'], 4, '2.0.0', 'sha256:ab', undefined],
    );
  });

  it('shows a pod as kubectl would: CrashLoopBackOff, Terminating, Init, owner through its ReplicaSet', () => {
    const now = Date.parse('2024-05-01T10:10:00Z');
    const base = (status: V1Pod['status'], extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
      // A watch event carries the timestamp as a string.
      metadata: {
        name: 'web-1-a',
        creationTimestamp: '2024-05-01T10:00:00Z' as unknown as Date,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }],
        ...extra,
      },
      spec: { nodeName: 'n1', containers: [{ name: 'app' }, { name: 'side' }] },
      status,
    });
    const owner = (rs: string) => (rs === 'web-1' ? 'web' : undefined);
    const crash = podRow(
      base({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            image: '',
            imageID: '',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
          },
          { name: 'side', ready: true, restartCount: 1, image: '', imageID: '' },
        ],
      }),
      owner,
      now,
    );
    assert.deepEqual(
      [crash.deployment, crash.replicaSet, crash.status, crash.ready, crash.restarts, crash.age, crash.waiting?.container],
      ['web', 'web-1', 'CrashLoopBackOff', '1/2', 6, '10 min ago', 'app'],
    );
    assert.equal(podRow(base({ phase: 'Running' }, { deletionTimestamp: new Date() }), owner, now).status, 'Terminating');
    const init = podRow(
      base({
        phase: 'Pending',
        initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } }],
      }),
      owner,
      now,
    );
    assert.equal(init.status, 'Init:0/1');
    assert.equal(
      podRow(
        base({
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              image: '',
              imageID: '',
              state: { terminated: { exitCode: 0, reason: 'Completed' } },
            },
          ],
        }),
        owner,
        now,
      ).status,
      'Completed',
    );
  });
});

describe('operate: StatefulSet and DaemonSet rows (unit)', () => {
  it('a StatefulSet row carries its release and its pods name it as their workload', () => {
    const row = statefulSetRow({
      metadata: { name: 'db', generation: 3 },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: {},
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        template: {
          metadata: { annotations: { 'conveyor.dev/release': 'v1.2.0' } },
          spec: { containers: [{ name: 'db', image: 'r/db@sha256:1' }] },
        },
      },
      status: { replicas: 2, observedGeneration: 3, readyReplicas: 1, updatedReplicas: 2 },
    });
    assert.deepEqual(
      [row.kind, row.name, row.release, row.images, row.ready, row.desired, row.rollout],
      ['StatefulSet', 'db', 'v1.2.0', ['r/db@sha256:1'], 1, 2, { state: 'progressing', message: 'Waiting for 1 pods to be ready' }],
    );
    const pod: V1Pod = {
      metadata: { name: 'db-0', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] },
      spec: { containers: [{ name: 'db' }] },
    };
    assert.equal(podRow(pod, () => undefined).deployment, 'db');
  });

  it('a DaemonSet row is complete when every scheduled pod is updated and available', () => {
    const row = daemonSetRow({
      metadata: { name: 'agent', generation: 1 },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'agent', image: 'r/agent:1' }] } } },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: 1,
        updatedNumberScheduled: 1,
        numberAvailable: 1,
      },
    });
    assert.deepEqual([row.kind, row.desired, row.available, row.rollout.state], ['DaemonSet', 1, 1, 'complete']);
  });
});
