import * as assert from 'node:assert/strict';
import { KubeClient } from '../../../src/deploy/kubeClient';
import { followRollout } from '../../../src/deploy/rollout';
import type { RolloutProgress } from '../../../src/deploy/rollout';
import { deploymentObject, FakeKubeApi, podObject, replicaSetObject } from '../../support/fakeKubeApi';

// What the real apiserver cannot be made to do on cue: expire a watch (410 Gone) in the middle of a rollout.
describe('deploy: following a rollout through 410 Gone (integration, fake API server)', function () {
  this.timeout(30_000);
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
  });
  afterEach(() => api.stop());

  for (const goneAs of ['event', 'http'] as const) {
    it(`re-lists and re-watches when the watch is expired (410 as ${goneAs === 'event' ? 'an ERROR event' : 'HTTP status'})`, async () => {
      api.goneAs = goneAs;
      const rolling = deploymentObject('web', { replicas: 2, ready: 1, revision: 2 });
      (rolling.status as { updatedReplicas: number }).updatedReplicas = 1;
      api.put('deployments', rolling);
      const events: RolloutProgress[] = [];
      const following = followRollout(new KubeClient(api.kubeConfig()), 'default', 'web', {
        timeoutMs: 20_000,
        onProgress: (p) => events.push(p),
      });
      await until(() => api.openWatches === 1);
      // The rollout completes unseen, then the history is compacted: only a re-list can find out.
      api.silentWatches = true;
      api.put('deployments', deploymentObject('web', { replicas: 2, revision: 2 }));
      api.expireWatches();
      api.silentWatches = false;
      const result = await following;
      assert.equal(result.status, 'complete');
      assert.equal(result.revision, '2');
      assert.deepEqual(
        events.map((e) => e.message),
        ['1 of 2 new replicas have been updated', 'Deployment "web" successfully rolled out'],
      );
      assert.ok(api.requestsTo(/\/deployments\/web$/, 'GET').length >= 2, 'listed again after 410');
      assert.equal(api.openWatches, 0, 'the watch is closed when the rollout is judged');
    });
  }

  it("gives up at the deadline with the reasons of the new ReplicaSet's pods only", async () => {
    const deployment = api.put('deployments', {
      ...deploymentObject('web', { replicas: 1, ready: 0, revision: 2 }),
      metadata: { ...deploymentObject('web').metadata, uid: 'dep-1', annotations: { 'deployment.kubernetes.io/revision': '2' } },
    });
    const oldSet = api.put('replicasets', {
      ...replicaSetObject('web-old', deployment, 1),
      metadata: { ...replicaSetObject('web-old', deployment, 1).metadata, labels: { app: 'web', 'pod-template-hash': 'old' } },
    });
    const newSet = api.put('replicasets', {
      ...replicaSetObject('web-new', deployment, 2),
      metadata: { ...replicaSetObject('web-new', deployment, 2).metadata, labels: { app: 'web', 'pod-template-hash': 'new' } },
    });
    api.put('pods', podObject('web-old-1', oldSet, { node: 'n', waiting: { reason: 'CrashLoopBackOff', message: 'old trouble' } }));
    api.put('pods', podObject('web-new-1', newSet, { node: 'n', waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } }));
    const result = await followRollout(new KubeClient(api.kubeConfig()), 'default', 'web', { timeoutMs: 500 });
    assert.equal(result.status, 'timeout');
    assert.match(result.message, /did not finish rolling out within 1 s|within 0 s/);
    assert.deepEqual(result.problems, [{ pod: 'web-new-1', container: 'app', reason: 'ErrImagePull', message: 'manifest unknown' }]);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
