import * as assert from 'node:assert/strict';
import { ClusterWatch } from '../../../src/deploy/operate/clusterWatch';
import { deletePod } from '../../../src/deploy/operate/deletePod';
import { listEvents } from '../../../src/deploy/operate/events';
import type { ServiceError } from '../../../src/core/errors';
import { streamLogs, type LogLine } from '../../../src/deploy/operate/logs';
import { RESTARTED_AT_ANNOTATION, restartWorkload } from '../../../src/deploy/operate/restart';
import { scaleWorkload } from '../../../src/deploy/operate/scale';
import {
  FakeKubeApi,
  autoscalerFakeObject,
  deploymentObject,
  eventObject,
  podObject,
  replicaSetObject,
  status,
} from '../../support/fakeKubeApi';

const FAST = { debounceMs: 20, initialBackoffMs: 100, maxBackoffMs: 400, requestTimeoutMs: 5000, watchTimeoutSeconds: 60 };

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** web (2 ready pods) and api (1 pod in ImagePullBackOff) plus an unscheduled pod, as a namespace would hold them. */
function seed(api: FakeKubeApi): void {
  const web = api.put(
    'deployments',
    deploymentObject('web', {
      replicas: 2,
      revision: 3,
      annotations: { 'conveyor.dev/release': '1.4.2', 'conveyor.dev/commit': 'abc1234', 'conveyor.dev/digest': 'sha256:0123' },
    }),
  );
  const webRs = api.put('replicasets', replicaSetObject('web-7d9f', web, 3));
  api.put('pods', podObject('web-7d9f-a', webRs, { node: 'node-1', restarts: 2 }));
  api.put('pods', podObject('web-7d9f-b', webRs, { node: 'node-1' }));
  const apiDeployment = api.put(
    'deployments',
    deploymentObject('api', { replicas: 1, ready: 0, image: 'registry.local/api:does-not-exist' }),
  );
  const apiRs = api.put('replicasets', replicaSetObject('api-5c4b', apiDeployment));
  api.put(
    'pods',
    podObject('api-5c4b-x', apiRs, {
      node: 'node-1',
      waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.local/api:does-not-exist"' },
    }),
  );
  api.put('pods', podObject('api-5c4b-y', apiRs));
}

describe('operate: watch cache and operations (integration, fake API server)', function () {
  let api: FakeKubeApi;
  let cache: ClusterWatch | undefined;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    seed(api);
  });

  afterEach(async () => {
    cache?.dispose();
    cache = undefined;
    await api.stop();
  });

  function startCache(): ClusterWatch {
    cache = new ClusterWatch(api.kubeConfig(), 'default', FAST);
    cache.start();
    return cache;
  }

  it('lists deployments and pods, then follows changes through watches (no polling)', async () => {
    const watch = startCache();
    let changes = 0;
    watch.onChanged(() => changes++);
    await waitFor('connected', () => watch.state === 'connected');
    const web = watch.deployments().find((d) => d.name === 'web');
    assert.deepEqual(
      { ...web, rollout: web?.rollout.state },
      {
        kind: 'Deployment',
        name: 'web',
        desired: 2,
        updated: 2,
        ready: 2,
        available: 2,
        images: ['registry.local/web:1.0.0'],
        release: '1.4.2',
        commit: 'abc1234',
        digest: 'sha256:0123',
        revision: 3,
        rollout: 'complete',
      },
    );
    assert.deepEqual(
      watch.pods('web').map((p) => [p.name, p.status, p.ready, p.restarts, p.node]),
      [
        ['web-7d9f-a', 'Running', '1/1', 2, 'node-1'],
        ['web-7d9f-b', 'Running', '1/1', 0, 'node-1'],
      ],
    );
    const [pulling, unscheduled] = watch.pods('api');
    assert.equal(pulling.status, 'ImagePullBackOff');
    assert.match(pulling.waiting?.message ?? '', /does-not-exist/);
    assert.equal(unscheduled.status, 'Pending');
    assert.deepEqual(unscheduled.waiting, { reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' });
    assert.equal(watch.deployments().find((d) => d.name === 'api')?.rollout.state, 'progressing');

    const listsBefore = api.requests.filter((r) => r.query.get('watch') !== 'true').length;
    const before = changes;
    api.remove('pods', 'web-7d9f-b');
    await waitFor('the deleted pod to leave the cache', () => watch.pods('web').length === 1);
    await waitFor('a debounced changed event', () => changes > before);
    await sleep(300);
    assert.equal(
      api.requests.filter((r) => r.query.get('watch') !== 'true').length,
      listsBefore,
      'changes arrive by watch, not by listing again',
    );
    assert.equal(api.openWatches, 6, 'deployments, stateful sets, daemon sets, replica sets, pods, autoscaler events');
  });

  for (const goneAs of ['http', 'event'] as const) {
    it(`re-lists when a watch is answered 410 Gone (${goneAs === 'http' ? 'HTTP 410' : 'ERROR event with code 410'})`, async () => {
      api.goneAs = goneAs;
      const watch = startCache();
      await waitFor('connected', () => watch.state === 'connected');
      const podLists = () => api.requests.filter((r) => r.path.endsWith('/pods') && r.query.get('watch') !== 'true').length;
      assert.equal(podLists(), 1);
      await api.dropConnections();
      api.put('pods', podObject('web-7d9f-c', api.get('replicasets', 'web-7d9f'), { node: 'node-2' }));
      api.expireWatches();
      await api.resume();
      watch.refresh();
      await waitFor('the pod made while the history was compacted', () => watch.pods('web').some((p) => p.name === 'web-7d9f-c'));
      assert.equal(podLists(), 2, 'one fresh list after 410');
      await waitFor('connected again', () => watch.state === 'connected');
    });
  }

  it('re-lists when an open watch receives an ERROR event with code 410', async () => {
    const watch = startCache();
    await waitFor('connected', () => watch.state === 'connected');
    api.expireWatches();
    api.put('pods', podObject('web-7d9f-d', api.get('replicasets', 'web-7d9f'), { node: 'node-1' }));
    await waitFor('the new pod after the re-list', () => watch.pods('web').some((p) => p.name === 'web-7d9f-d'));
    assert.equal(api.requests.filter((r) => r.path.endsWith('/deployments') && r.query.get('watch') !== 'true').length, 2);
    await waitFor('connected', () => watch.state === 'connected');
  });

  it('stays connected on a watch that sends nothing, without re-requesting', async () => {
    api.silentWatches = true;
    const watch = startCache();
    await waitFor('connected', () => watch.state === 'connected');
    const requests = api.requests.length;
    await sleep(1500);
    assert.equal(watch.state, 'connected');
    assert.equal(api.requests.length, requests, 'a quiet watch is not a reason to ask again');
    assert.equal(api.openWatches, 6, 'deployments, stateful sets, daemon sets, replica sets, pods, autoscaler events');
  });

  it('goes reconnecting with a reason when the connection drops, backs off, and recovers', async () => {
    const watch = startCache();
    await waitFor('connected', () => watch.state === 'connected');
    await api.dropConnections();
    await waitFor('reconnecting', () => watch.state === 'reconnecting');
    assert.match(watch.errorMessage ?? '', /unreachable \(connection refused\)|unreachable/);
    assert.ok(!/\n|at .*\.js/.test(watch.errorMessage ?? ''), 'one sentence, no stack');
    const attempts = watch.requestCount;
    await sleep(1000);
    // Back-off 100, 200, 400, 400 ms (+ up to 20 % jitter) for each of the six watches: at most 3 each in 1 s, not a spin.
    const retried = watch.requestCount - attempts;
    assert.ok(retried >= 3 && retried <= 18, `${retried} retries in 1 s`);
    api.put('deployments', deploymentObject('worker', { replicas: 1 }));
    await api.resume();
    await waitFor('connected again', () => watch.state === 'connected', 5000);
    await waitFor('the deployment made while away', () => watch.deployments().some((d) => d.name === 'worker'));
    assert.equal(watch.errorMessage, undefined);
  });

  it('shows an expired token as an error state with a clear message', async () => {
    api.refuseAll = { status: 401, body: status(401, 'Unauthorized', 'Unauthorized') };
    const watch = startCache();
    await waitFor('error', () => watch.state === 'error');
    assert.equal(watch.error?.kind, 'unauthorized');
    assert.match(
      watch.errorMessage ?? '',
      /^Could not watch .+: the API server rejected the credentials \(401 Unauthorized\); sign in again or refresh the token in your kubeconfig\.$/,
    );
  });

  it('stays usable when the Role does not cover events or autoscalers (403 on those), without autoscaler rows', async () => {
    api.refusePaths.push(
      {
        path: /\/events$/,
        status: 403,
        body: status(
          403,
          'Forbidden',
          'events is forbidden: User "deployer" cannot list resource "events" in API group "" in the namespace "default"',
        ),
      },
      {
        path: /\/horizontalpodautoscalers$|^\/apis\/autoscaling/,
        status: 403,
        body: status(
          403,
          'Forbidden',
          'horizontalpodautoscalers.autoscaling is forbidden: User "deployer" cannot list resource "horizontalpodautoscalers"',
        ),
      },
    );
    const watch = startCache();
    await waitFor('the events list to be refused', () => api.requestsTo(/\/events$/, 'GET').length > 0);
    await waitFor('connected', () => watch.state === 'connected');
    await sleep(300);
    assert.equal(watch.state, 'connected');
    assert.equal(watch.error, undefined);
    assert.deepEqual(
      watch.deployments().map((d) => d.name),
      ['api', 'web'],
    );
    assert.equal(watch.autoscaler('web'), undefined);
    assert.deepEqual(watch.autoscalerEvents('web'), []);
  });

  it('asks again for the autoscaling API when the first answer was 503, then shows the autoscaler', async () => {
    api.autoscaling = true;
    api.put('horizontalpodautoscalers', autoscalerFakeObject('web', { min: 2, max: 4, targetCPU: 70 }));
    failDiscoveryOnce(api);
    const watch = startCache();
    await waitFor('the autoscaler of web', () => watch.autoscaler('web') !== undefined, 5000);
    assert.deepEqual(
      { min: watch.autoscaler('web')?.min, max: watch.autoscaler('web')?.max, targets: watch.autoscaler('web')?.targets },
      { min: 2, max: 4, targets: ['cpu <unknown> / 70%'] },
    );
    assert.equal(discoveries(api), 2);
    // Followed through the watch from then on.
    api.put('horizontalpodautoscalers', autoscalerFakeObject('web', { min: 3, max: 5, targetCPU: 70 }));
    await waitFor('the new bounds', () => watch.autoscaler('web')?.max === 5);
  });

  it('asks again for the autoscaling API at once on Refresh, rather than at the end of the back-off', async () => {
    api.autoscaling = true;
    api.put('horizontalpodautoscalers', autoscalerFakeObject('web', { min: 2, max: 4, targetCPU: 70 }));
    failDiscoveryOnce(api);
    cache = new ClusterWatch(api.kubeConfig(), 'default', { ...FAST, initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    const watch = cache;
    watch.start();
    await waitFor('connected', () => watch.state === 'connected');
    await sleep(200);
    assert.equal(discoveries(api), 1, 'the next try waits for the back-off');
    watch.refresh();
    await waitFor('the autoscaler of web', () => watch.autoscaler('web') !== undefined, 2000);
    assert.equal(discoveries(api), 2);
  });

  it('does not ask again for the autoscaling API on a cluster without it (404), nor while stopped', async () => {
    const watch = startCache();
    await waitFor('connected', () => watch.state === 'connected');
    await sleep(500);
    assert.equal(discoveries(api), 1);
    assert.equal(watch.autoscaler('web'), undefined);

    // A failed discovery is not asked again once the view is hidden.
    watch.dispose();
    api.autoscaling = true;
    failDiscoveryOnce(api);
    const hidden = startCache();
    await waitFor('the second discovery', () => discoveries(api) === 2);
    hidden.stop();
    await sleep(600);
    assert.equal(discoveries(api), 2);
    assert.equal(hidden.autoscaler('web'), undefined);
  });

  it('makes no request at all while stopped', async () => {
    const watch = startCache();
    await waitFor('connected', () => watch.state === 'connected');
    watch.stop();
    await waitFor('watches closed', () => api.openWatches === 0);
    const requests = api.requests.length;
    const counted = watch.requestCount;
    api.put('deployments', deploymentObject('later'));
    await api.dropConnections();
    await api.resume();
    await sleep(800);
    assert.equal(api.requests.length, requests);
    assert.equal(watch.requestCount, counted);
    assert.equal(watch.state, 'stopped');
    watch.start();
    await waitFor('the deployment made while hidden', () => watch.deployments().some((d) => d.name === 'later'));
  });

  it('scales through the /scale subresource with a merge patch', async () => {
    assert.equal(await scaleWorkload(api.kubeConfig(), 'default', { kind: 'Deployment', name: 'web' }, 3), 3);
    const [patch] = api.requestsTo(/\/deployments\/web\/scale$/, 'PATCH');
    assert.equal(patch.contentType, 'application/merge-patch+json');
    assert.deepEqual(patch.body, { spec: { replicas: 3 } });
    await assert.rejects(
      scaleWorkload(api.kubeConfig(), 'default', { kind: 'Deployment', name: 'web' }, -1),
      (e: ServiceError) => e.kind === 'invalid' && /0 or more/.test(e.message),
    );
    assert.equal(api.requestsTo(/scale$/).length, 1, 'an invalid count is refused before any request');
  });

  it('reports 409 Conflict and 403 Forbidden as one clear sentence', async () => {
    api.failNext(
      'PATCH',
      /scale$/,
      409,
      status(
        409,
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
        { name: 'web', group: 'apps', kind: 'deployments' },
      ),
    );
    await assert.rejects(scaleWorkload(api.kubeConfig(), 'default', { kind: 'Deployment', name: 'web' }, 2), (e: ServiceError) => {
      assert.equal(e.kind, 'conflict');
      assert.equal(
        e.message,
        'Could not scale deployment "web" to 2: deployment "web" was changed by someone else meanwhile; reload and try again.',
      );
      return true;
    });
    api.failNext(
      'PATCH',
      /scale$/,
      403,
      status(
        403,
        'Forbidden',
        'deployments.apps "web" is forbidden: User "limited" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"',
        { name: 'web', group: 'apps', kind: 'deployments' },
      ),
    );
    await assert.rejects(scaleWorkload(api.kubeConfig(), 'default', { kind: 'Deployment', name: 'web' }, 2), (e: ServiceError) => {
      assert.equal(e.kind, 'forbidden');
      assert.equal(e.status, 403);
      assert.equal(
        e.message,
        'Could not scale deployment "web" to 2: user "limited" is not allowed to patch deployments/scale in namespace "default".',
      );
      assert.ok(!e.stack?.includes('\n'));
      return true;
    });
  });

  it('restarts with the restartedAt pod template annotation (strategic merge patch)', async () => {
    const result = await restartWorkload(
      api.kubeConfig(),
      'default',
      { kind: 'Deployment', name: 'web' },
      new Date('2024-05-01T10:00:00.123Z'),
    );
    assert.equal(result.restartedAt, '2024-05-01T10:00:00Z');
    const [patch] = api.requestsTo(/\/deployments\/web$/, 'PATCH');
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    assert.deepEqual(patch.body, {
      spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: '2024-05-01T10:00:00Z' } } } },
    });
    await assert.rejects(
      restartWorkload(api.kubeConfig(), 'default', { kind: 'Deployment', name: 'nope' }),
      (e: ServiceError) => e.kind === 'not-found' && e.message === 'Could not restart deployment "nope": deployment "nope" was not found.',
    );
  });

  it('streams the logs of several pods, prefixed, split into whole lines across chunks, until aborted', async () => {
    api.logs.set('web-7d9f-a', 'starting ✓\nlistening on :8080\n');
    api.logs.set('web-7d9f-b', 'héllo wörld\nready\n');
    const lines: LogLine[] = [];
    const abort = new AbortController();
    const done = streamLogs(
      api.kubeConfig(),
      'default',
      [{ pod: 'web-7d9f-a' }, { pod: 'web-7d9f-b', container: 'app' }, { pod: 'api-5c4b-y' }, { pod: 'api-5c4b-x' }],
      {
        follow: true,
        tailLines: 10,
        signal: abort.signal,
        onLine: (line) => lines.push(line),
      },
    );
    await waitFor('follow lines from both pods', () =>
      ['web-7d9f-a', 'web-7d9f-b'].every((pod) => lines.some((l) => l.text === `${pod} tick 2`)),
    );
    abort.abort();
    const outcomes = await done;
    const prefixed = lines.map((l) => l.prefixed);
    for (const expected of [
      '[web-7d9f-a/app] starting ✓',
      '[web-7d9f-a/app] listening on :8080',
      '[web-7d9f-b/app] héllo wörld',
      '[web-7d9f-b/app] ready',
    ]) {
      assert.ok(prefixed.includes(expected), `${expected} in ${prefixed.join(' | ')}`);
    }
    assert.ok(lines.every((l) => !l.text.includes('\n') && !l.text.includes('\uFFFD')));
    assert.equal(api.requestsTo(/\/log$/)[0].query.get('tailLines'), '10');
    const byPod = new Map(outcomes.map((o) => [o.pod, o.error?.message]));
    assert.equal(byPod.get('web-7d9f-a'), undefined);
    assert.equal(
      byPod.get('api-5c4b-y'),
      'Pod "api-5c4b-y" is not running yet: it cannot be scheduled (0/1 nodes are available: 1 Insufficient cpu.).',
    );
    assert.match(byPod.get('api-5c4b-x') ?? '', /^Container "app" in pod "api-5c4b-x" is waiting to start: ImagePullBackOff/);
    const count = lines.length;
    await sleep(200);
    assert.equal(lines.length, count, 'nothing arrives after abort');
  });

  it('says a pod is not running yet when the API server answers 204', async () => {
    // Scheduled according to the read, but the log endpoint still has nothing (the race the 204 covers).
    api.failNext('GET', /\/log$/, 204, {});
    const outcomes = await streamLogs(api.kubeConfig(), 'default', [{ pod: 'web-7d9f-a' }], { onLine: () => undefined });
    assert.equal(outcomes[0].error?.message, 'Pod "web-7d9f-a" is not running yet: there is no log to show.');
  });

  it('lists the events of an object newest first', async () => {
    api.put(
      'events',
      eventObject(
        'e1',
        { kind: 'Pod', name: 'api-5c4b-x' },
        {
          type: 'Normal',
          reason: 'Scheduled',
          message: 'Successfully assigned default/api-5c4b-x to node-1',
          lastTimestamp: '2024-05-01T10:00:00Z',
        },
      ),
    );
    api.put(
      'events',
      eventObject(
        'e2',
        { kind: 'Pod', name: 'api-5c4b-x' },
        { type: 'Warning', reason: 'Failed', message: 'Failed to pull image', count: 4, lastTimestamp: '2024-05-01T10:05:00Z' },
      ),
    );
    api.put(
      'events',
      eventObject(
        'e3',
        { kind: 'Pod', name: 'web-7d9f-a' },
        { type: 'Normal', reason: 'Started', message: 'Started container app', lastTimestamp: '2024-05-01T10:06:00Z' },
      ),
    );
    const events = await listEvents(api.kubeConfig(), 'default', { kind: 'Pod', name: 'api-5c4b-x' }, Date.parse('2024-05-01T10:10:00Z'));
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.count, e.age]),
      [
        ['Warning', 'Failed', 4, '5 min ago'],
        ['Normal', 'Scheduled', 1, '10 min ago'],
      ],
    );
    assert.equal(api.requestsTo(/\/events$/)[0].query.get('fieldSelector'), 'involvedObject.name=api-5c4b-x,involvedObject.kind=Pod');
  });

  it('deletes a pod, and says so when it is already gone', async () => {
    await deletePod(api.kubeConfig(), 'default', 'web-7d9f-a');
    assert.equal(api.get('pods', 'web-7d9f-a'), undefined);
    await assert.rejects(
      deletePod(api.kubeConfig(), 'default', 'web-7d9f-a'),
      (e: ServiceError) => e.kind === 'not-found' && e.message === 'Could not delete pod "web-7d9f-a": pod "web-7d9f-a" was not found.',
    );
  });
});

const DISCOVERY = /^\/apis\/autoscaling$/;

/** The API server is briefly unavailable for the autoscaling group's discovery (503, as during a restart). */
function failDiscoveryOnce(api: FakeKubeApi): void {
  api.failNext('GET', DISCOVERY, 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
}

const discoveries = (api: FakeKubeApi) => api.requestsTo(DISCOVERY, 'GET').length;
