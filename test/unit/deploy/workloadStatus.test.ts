import * as assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet, StatefulSet } from '../../../src/deploy/kubeObject';
import { currentRevision, historyTarget } from '../../../src/deploy/rollback';
import { workloadRolloutState } from '../../../src/deploy/rollout';
import { daemonSetState, notFollowedReason, statefulSetState } from '../../../src/deploy/workloadStatus';

function statefulSet(
  status: StatefulSet['status'],
  options: { generation?: number; partition?: number; rollingUpdate?: boolean } = {},
): StatefulSet {
  return {
    kind: 'StatefulSet',
    metadata: { name: 'db', generation: options.generation ?? 2 },
    spec: {
      replicas: 3,
      updateStrategy: {
        type: 'RollingUpdate',
        ...(options.rollingUpdate === false ? {} : { rollingUpdate: { partition: options.partition ?? 0 } }),
      },
    },
    status,
  };
}

function daemonSet(status: DaemonSet['status'], generation = 2): DaemonSet {
  return { kind: 'DaemonSet', metadata: { name: 'agent', generation }, spec: {}, status };
}

describe('deploy: StatefulSet and DaemonSet rollout status, like kubectl rollout status (unit)', () => {
  it('a StatefulSet waits for its spec to be observed, then for ready pods, then for updated ones', () => {
    assert.equal(
      statefulSetState(statefulSet({ observedGeneration: 1, readyReplicas: 3 })).message,
      'Waiting for statefulset spec update to be observed',
    );
    assert.equal(
      statefulSetState(statefulSet({ readyReplicas: 3 }, { generation: 0 })).done,
      false,
      'observedGeneration 0 is never observed',
    );
    assert.equal(
      statefulSetState(statefulSet({ observedGeneration: 2, readyReplicas: 1, updatedReplicas: 3 })).message,
      'Waiting for 2 pods to be ready',
    );
    const updating = statefulSetState(statefulSet({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }));
    assert.deepEqual(updating, {
      done: false,
      message: 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated',
      desired: 3,
      updated: 1,
      ready: 3,
      available: 3,
    });
    assert.equal(statefulSetState(statefulSet({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3 })).done, true);
  });

  it('a StatefulSet partition only asks the pods above it to be updated', () => {
    const state = statefulSetState(statefulSet({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }, { partition: 2 }));
    assert.equal(state.done, true);
    assert.match(state.message, /partitioned roll out complete, 1 new pods have been updated/);
  });

  it('without rollingUpdate settings, a StatefulSet is done when the current revision is the update revision', () => {
    const status = { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 };
    const rolling = statefulSetState(statefulSet({ ...status, currentRevision: 'db-a', updateRevision: 'db-b' }, { rollingUpdate: false }));
    assert.deepEqual(
      [rolling.done, rolling.message],
      [false, 'Waiting for statefulset rolling update to complete 3 pods at revision db-b'],
    );
    const done = statefulSetState(statefulSet({ ...status, currentRevision: 'db-b', updateRevision: 'db-b' }, { rollingUpdate: false }));
    assert.deepEqual([done.done, done.message], [true, 'StatefulSet "db": rolling update complete 3 pods at revision db-b']);
  });

  it('a DaemonSet waits for its spec, then updated pods, then available ones', () => {
    assert.equal(daemonSetState(daemonSet({ observedGeneration: 1 })).message, 'Waiting for daemon set spec update to be observed');
    assert.equal(
      daemonSetState(daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 }))
        .message,
      '2 out of 3 new pods have been updated',
    );
    assert.equal(
      daemonSetState(daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }))
        .message,
      '2 of 3 updated pods are available',
    );
    const done = daemonSetState(
      daemonSet({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberReady: 3 }),
    );
    assert.deepEqual(done, {
      done: true,
      message: 'DaemonSet "agent" successfully rolled out',
      desired: 3,
      updated: 3,
      ready: 3,
      available: 3,
    });
  });

  it('the rollout follower reports StatefulSet and DaemonSet progress in the same shape as a Deployment', () => {
    const state = workloadRolloutState(
      'DaemonSet',
      daemonSet({ observedGeneration: 2, desiredNumberScheduled: 1, updatedNumberScheduled: 0 }),
    );
    assert.deepEqual(state, {
      done: false,
      progress: { deployment: 'agent', desired: 1, updated: 0, ready: 0, available: 0, message: '0 out of 1 new pods have been updated' },
    });
  });
});

describe('deploy: which applied objects are followed (unit)', () => {
  it('follows Deployments, StatefulSets and DaemonSets with RollingUpdate; passive kinds need nothing', () => {
    for (const object of [
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', spec: { updateStrategy: { type: 'RollingUpdate' } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet' },
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    ])
      assert.equal(notFollowedReason(object), undefined, object.kind);
  });

  it('names why a ReplicationController, a custom resource or an OnDelete workload is not followed', () => {
    assert.equal(
      notFollowedReason({ apiVersion: 'v1', kind: 'ReplicationController' }),
      'Kubernetes reports no rollout status for ReplicationController',
    );
    assert.match(notFollowedReason({ apiVersion: 'example.test/v1', kind: 'Widget' }) ?? '', /Widget is a custom resource/);
    assert.equal(
      notFollowedReason({ apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { updateStrategy: { type: 'OnDelete' } } }),
      'OnDelete update strategy: rollout status is only available for RollingUpdate',
    );
  });
});

describe('deploy: rolling a StatefulSet or DaemonSet back through its ControllerRevisions (unit)', () => {
  const revision = (n: number, image: string): ControllerRevision => ({
    metadata: { name: `db-${n}` },
    revision: n,
    data: {
      spec: {
        template: {
          metadata: { annotations: { 'conveyor.dev/release': `v1.${n}.0` } },
          spec: { containers: [{ name: 'db', image }] },
          $patch: 'replace',
        },
      },
    },
  });
  const history = [revision(3, 'db:3'), revision(1, 'db:1'), revision(2, 'db:2')];

  it('goes back to the revision below the StatefulSet update revision, without the strategic-merge marker', () => {
    const target = historyTarget(statefulSet({ updateRevision: 'db-3' }), history);
    assert.equal(target?.revision, 2);
    assert.deepEqual(target?.template, {
      metadata: { annotations: { 'conveyor.dev/release': 'v1.2.0' } },
      spec: { containers: [{ name: 'db', image: 'db:2' }] },
    });
    assert.equal(
      historyTarget(statefulSet({ updateRevision: 'db-2' }), history)?.revision,
      1,
      'the update revision, not the newest, is current',
    );
  });

  it("a DaemonSet's current revision is its newest; toRevision picks one; nothing earlier is undefined", () => {
    assert.equal(currentRevision(daemonSet({}), history), 3);
    assert.equal(historyTarget(daemonSet({}), history)?.revision, 2);
    assert.equal(historyTarget(daemonSet({}), history, '1')?.revision, 1);
    assert.equal(historyTarget(daemonSet({}), [revision(1, 'db:1')]), undefined);
    assert.equal(historyTarget(daemonSet({}), history, '7'), undefined);
  });
});
