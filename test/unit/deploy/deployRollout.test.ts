import * as assert from 'node:assert/strict';
import type { Deployment, Pod, ReplicaSet } from '../../../src/deploy/kubeObject';
import { rollbackTarget } from '../../../src/deploy/rollback';
import { podProblems, rolloutState } from '../../../src/deploy/rollout';

function deployment(status: Deployment['status'], options: { generation?: number; replicas?: number; revision?: string } = {}): Deployment {
  return {
    metadata: {
      name: 'web',
      generation: options.generation ?? 2,
      uid: 'd-1',
      annotations: { 'deployment.kubernetes.io/revision': options.revision ?? '3' },
    },
    spec: { replicas: options.replicas ?? 2 },
    status,
  };
}

describe('deploy: rollout status, like kubectl rollout status (unit)', () => {
  it('waits until the controller has seen the new generation', () => {
    const state = rolloutState(deployment({ observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }));
    assert.equal(state.done, false);
    assert.match(state.progress.message, /spec update to be observed/);
  });

  it('reports updated, old pending termination, then available replicas', () => {
    assert.equal(
      rolloutState(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 2 })).progress.message,
      '1 of 2 new replicas have been updated',
    );
    assert.equal(
      rolloutState(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 })).progress.message,
      '1 old replicas are pending termination',
    );
    const waiting = rolloutState(
      deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, readyReplicas: 1, availableReplicas: 1 }),
    );
    assert.deepEqual(waiting.progress, {
      deployment: 'web',
      updated: 2,
      ready: 1,
      available: 1,
      desired: 2,
      message: '1 of 2 updated replicas are available',
    });
  });

  it('is done when updated == available == desired and no old replicas are left', () => {
    const state = rolloutState(
      deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 }),
    );
    assert.equal(state.done, true);
    assert.equal(state.failed, undefined);
    assert.equal(rolloutState(deployment({ observedGeneration: 2 }, { replicas: 0 })).done, true, 'scaled to zero is done');
  });

  it('fails at once on a paused Deployment whose new pods have not rolled out, and is done when they had', () => {
    const paused = (status: Deployment['status']): Deployment => {
      const d = deployment(status);
      return { ...d, spec: { ...d.spec, paused: true } };
    };
    const state = rolloutState(paused({ observedGeneration: 2, updatedReplicas: 0, replicas: 2, availableReplicas: 2 }));
    assert.equal(state.done, false);
    assert.equal(
      state.failed,
      'Deployment "web" is paused, so the new pods will not roll out until it is resumed (kubectl rollout resume deployment/web)',
    );
    assert.equal(state.progress.message, state.failed);
    const done = rolloutState(paused({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 }));
    assert.deepEqual([done.done, done.failed], [true, undefined]);
  });

  it('fails on the ProgressDeadlineExceeded condition', () => {
    const state = rolloutState(
      deployment({
        observedGeneration: 2,
        updatedReplicas: 2,
        replicas: 3,
        availableReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    assert.equal(state.done, false);
    assert.equal(state.failed, 'Deployment "web" exceeded its progress deadline');
  });
});

describe('deploy: why pods fail (unit)', () => {
  const pod = (status: Pod['status']): Pod => ({ metadata: { name: 'web-abc' }, status });

  it('reads waiting reasons with their message, and the last exit code of a crash loop', () => {
    assert.deepEqual(
      podProblems(
        pod({
          phase: 'Pending',
          containerStatuses: [
            { name: 'web', ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } },
          ],
        }),
      ),
      [{ pod: 'web-abc', container: 'web', reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' }],
    );
    assert.deepEqual(
      podProblems(
        pod({
          phase: 'Running',
          containerStatuses: [
            {
              name: 'web',
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        }),
      ),
      [
        {
          pod: 'web-abc',
          container: 'web',
          reason: 'CrashLoopBackOff',
          message: 'back-off 40s restarting failed container; last exit code 1 (Error)',
        },
      ],
    );
  });

  it('reads unschedulable pods from the PodScheduled condition', () => {
    assert.deepEqual(
      podProblems(
        pod({
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' },
          ],
        }),
      ),
      [{ pod: 'web-abc', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }],
    );
  });

  it('ignores containers that are only starting, and reports running but not ready ones', () => {
    assert.deepEqual(
      podProblems(pod({ phase: 'Pending', containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ContainerCreating' } } }] })),
      [],
    );
    assert.deepEqual(podProblems(pod({ phase: 'Running', containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }] })), [
      { pod: 'web-abc', container: 'web', reason: 'NotReady', message: 'running but not passing its readiness probe' },
    ]);
    assert.deepEqual(podProblems(pod({ phase: 'Running', containerStatuses: [{ name: 'web', ready: true, state: { running: {} } }] })), []);
  });
});

describe('deploy: rollback target, like kubectl rollout undo (unit)', () => {
  const rs = (revision: string, image: string): ReplicaSet => ({
    metadata: {
      name: `web-${revision}`,
      annotations: { 'deployment.kubernetes.io/revision': revision, 'conveyor.dev/release': `v1.${revision}.0` },
    },
    spec: {
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });
  const sets = [rs('1', 'a'), rs('3', 'c'), rs('2', 'b')];

  it('picks the highest revision below the current one, without the pod-template-hash label', () => {
    const target = rollbackTarget(deployment({}, { revision: '3' }), sets);
    assert.equal(target?.revision, '2');
    assert.deepEqual(target?.template.metadata?.labels, { app: 'web' });
    assert.equal(target?.template.spec?.containers?.[0].image, 'b');
    assert.equal(sets[2].spec?.template?.metadata?.labels?.['pod-template-hash'], 'h2', 'the ReplicaSet itself is untouched');
  });

  it('takes an explicit revision, and has nothing to offer for a first revision', () => {
    assert.equal(rollbackTarget(deployment({}, { revision: '3' }), sets, '1')?.template.spec?.containers?.[0].image, 'a');
    assert.equal(rollbackTarget(deployment({}, { revision: '1' }), [rs('1', 'a')]), undefined);
    assert.equal(rollbackTarget(deployment({}, { revision: '3' }), sets, '9'), undefined);
  });
});
