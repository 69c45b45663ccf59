import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { PortForwards, forwardPortChoices, forwardableServices, type ForwardInfo } from '../../../src/deploy/operate/portForward';
import { ClusterWatch } from '../../../src/deploy/operate/clusterWatch';
import { kubeConfigFor, useKubeCluster } from '../../support/kubeCluster';
import { waitFor } from '../../support/waitFor';

// The test agent maps a pod's port P to 127.0.0.1:<L> by the annotation `conveyor.test/forward-P: "L"`
// (scripts/kube/agent.ts): the HTTP servers below stand for what runs "in" the pods.
const NAMESPACE = 'default';
const suffix = Math.random().toString(36).slice(2, 7);
const WEB = `pf-web-${suffix}`;
const SERVICE = `pf-svc-${suffix}`;
const LONELY = `pf-lonely-${suffix}`;
const STATEFUL = `pf-db-${suffix}`;
const DAEMON = `pf-agent-${suffix}`;
const POD_PORT = 8080;

function deployment(name: string, forwardTo: number | undefined) {
  return workload('Deployment', name, forwardTo);
}

function workload(kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', name: string, forwardTo: number | undefined) {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: NAMESPACE },
    spec: {
      ...(kind === 'DaemonSet' ? {} : { replicas: 1 }),
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name },
          annotations: forwardTo ? { [`conveyor.test/forward-${POD_PORT}`]: String(forwardTo) } : {},
        },
        spec: { containers: [{ name: 'app', image: 'registry.local/web:1.0.0', ports: [{ name: 'http', containerPort: POD_PORT }] }] },
      },
    },
  };
}

function startServer(answer: string): Promise<http.Server> {
  const server = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${answer} ${req.url}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** One GET on a new connection (no keep-alive), so each request opens its own forwarded stream. */
function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
  });
}

describe('port-forward through the API server to the test agent (integration, real kube-apiserver)', function () {
  this.timeout(180_000);
  const cluster = useKubeCluster();
  let admin: KubeConfig;
  let cache: ClusterWatch;
  let objects: KubernetesObjectApi;
  const servers: http.Server[] = [];
  let forwards: PortForwards;
  const problems: string[] = [];
  let changes = 0;

  const portOf = (server: http.Server) => (server.address() as AddressInfo).port;
  const apply = (object: object) => objects.patch(object, undefined, undefined, 'conveyor-test', true, PatchStrategy.ServerSideApply);
  const readyPods = (name: string) => cache.pods(name).filter((p) => p.ready === '1/1' && p.status === 'Running');

  before(async () => {
    admin = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-admin');
    objects = KubernetesObjectApi.makeApiClient(admin);
    cache = new ClusterWatch(admin, NAMESPACE, { debounceMs: 50, initialBackoffMs: 200, maxBackoffMs: 2000 });
    cache.start();
    forwards = new PortForwards({ onChange: () => changes++, onProblem: (_, message) => problems.push(message) });
    servers.push(await startServer('pod A'), await startServer('pod B'));
  });

  after(async () => {
    forwards?.dispose();
    cache?.dispose();
    servers.forEach((server) => server.close());
    for (const [kind, name] of [
      ['Deployment', WEB],
      ['Deployment', LONELY],
      ['StatefulSet', STATEFUL],
      ['DaemonSet', DAEMON],
    ]) {
      await objects.delete({ apiVersion: 'apps/v1', kind, metadata: { name, namespace: NAMESPACE } }).catch(() => undefined);
    }
    await objects.delete({ apiVersion: 'v1', kind: 'Service', metadata: { name: SERVICE, namespace: NAMESPACE } }).catch(() => undefined);
  });

  let web: ForwardInfo;

  it("forwards a deployment's port: the answer comes from the in-pod server", async () => {
    await apply(deployment(WEB, portOf(servers[0])));
    await waitFor('a ready pod of the deployment', () => readyPods(WEB).length === 1);
    assert.deepEqual(await forwardPortChoices(admin, NAMESPACE, { kind: 'deployment', name: WEB }), [
      { port: POD_PORT, label: 'app/http' },
    ]);
    web = await forwards.start(admin, {
      namespace: NAMESPACE,
      target: { kind: 'deployment', name: WEB },
      remotePort: 'http',
      environment: 'dev',
    });
    assert.equal(web.pod, readyPods(WEB)[0].name);
    assert.equal(web.podPort, POD_PORT);
    assert.ok(web.localPort > 0);
    assert.equal(web.url, `http://127.0.0.1:${web.localPort}`);
    assert.equal(await get(web.localPort, '/hello'), 'pod A /hello');
    assert.equal(await get(web.localPort, '/again'), 'pod A /again');
    await waitFor('the connections to close', () => forwards.list()[0].connections === 0);
    assert.deepEqual(problems, []);
  });

  it('follows a rollout: the next connection goes to the new pod', async () => {
    const oldPod = web.pod;
    await apply(deployment(WEB, portOf(servers[1])));
    await waitFor(
      'the old pod gone and a new one ready',
      () => !cache.pods(WEB).some((p) => p.name === oldPod) && readyPods(WEB).length === 1,
      120_000,
    );
    assert.equal(await get(web.localPort, '/after-rollout'), 'pod B /after-rollout');
    const [now] = forwards.list();
    assert.notEqual(now.pod, oldPod);
    assert.equal(now.pod, readyPods(WEB)[0].name);
    assert.equal(now.state, 'active');
  });

  it("forwards a service's port to its targetPort, named ports too", async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: SERVICE, namespace: NAMESPACE },
      spec: { selector: { app: WEB }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    });
    assert.ok((await forwardableServices(admin, NAMESPACE)).includes(SERVICE), 'offered on the environment row');
    assert.deepEqual(await forwardPortChoices(admin, NAMESPACE, { kind: 'service', name: SERVICE }), [
      { port: 80, label: 'service port 80 (web) → http' },
    ]);
    const forward = await forwards.start(admin, { namespace: NAMESPACE, target: { kind: 'service', name: SERVICE }, remotePort: 80 });
    assert.equal(forward.podPort, POD_PORT);
    assert.equal(await get(forward.localPort, '/svc'), 'pod B /svc');
    forwards.stop(forward.id);
  });

  it('stops: the local port refuses connections', async () => {
    const before = changes;
    forwards.stop(web.id);
    assert.ok(changes > before);
    assert.deepEqual(forwards.list(), []);
    await assert.rejects(get(web.localPort), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  });

  it('reports what the error channel says for a port nothing listens on', async () => {
    await apply(deployment(LONELY, undefined));
    await waitFor('a ready lonely pod', () => readyPods(LONELY).length === 1);
    const pod = readyPods(LONELY)[0].name;
    const forward = await forwards.start(admin, { namespace: NAMESPACE, target: { kind: 'pod', name: pod }, remotePort: POD_PORT });
    await assert.rejects(get(forward.localPort));
    await waitFor('a reported problem', () => problems.length > 0, 20_000);
    assert.match(
      problems[0],
      new RegExp(
        `^Could not forward port ${POD_PORT} of pod "${pod}": error forwarding port ${POD_PORT} to pod ${pod}, uid [^:]+: nothing listens`,
      ),
    );
    assert.equal(forwards.list().find((f) => f.id === forward.id)?.message, problems[0]);
    problems.length = 0;
  });

  it('ends a pod forward when its pod is deleted, saying so', async () => {
    const pod = readyPods(WEB)[0].name;
    const forward = await forwards.start(admin, {
      namespace: NAMESPACE,
      target: { kind: 'pod', name: pod },
      remotePort: POD_PORT,
      localPort: 0,
    });
    assert.equal(await get(forward.localPort), 'pod B /');
    await objects.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: NAMESPACE } });
    await waitFor('the pod to be gone', () => !cache.pods(WEB).some((p) => p.name === pod));
    await assert.rejects(get(forward.localPort));
    const ended = forwards.list().find((f) => f.id === forward.id);
    assert.equal(ended?.state, 'ended');
    assert.equal(ended?.message, `Pod "${pod}" is gone: the port-forward to it ended.`);
    assert.deepEqual(problems, [ended?.message]);
    await assert.rejects(get(forward.localPort), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  });

  it('says when RBAC does not allow pods/portforward (a view-only user)', async () => {
    const limited = kubeConfigFor(cluster.get().kubeconfig, 'conveyor-limited');
    const forward = await forwards.start(limited, {
      namespace: NAMESPACE,
      target: { kind: 'deployment', name: WEB },
      remotePort: POD_PORT,
    });
    await assert.rejects(get(forward.localPort));
    await waitFor('a reported problem', () => problems.length > 1, 20_000);
    assert.match(
      problems[1],
      /^Could not forward port 8080 of pod "pf-web-[^"]+": you are not allowed to create pods\/portforward in namespace "default"\.$/,
    );
    forwards.stop(forward.id);
  });

  it('refuses clearly: a busy local port, a service port that does not exist', async () => {
    await assert.rejects(
      forwards.start(admin, {
        namespace: NAMESPACE,
        target: { kind: 'deployment', name: WEB },
        remotePort: POD_PORT,
        localPort: portOf(servers[0]),
      }),
      new RegExp(`Could not listen on 127\\.0\\.0\\.1:${portOf(servers[0])}: local port ${portOf(servers[0])} is in use`),
    );
    await assert.rejects(
      forwards.start(admin, { namespace: NAMESPACE, target: { kind: 'service', name: SERVICE }, remotePort: 81 }),
      /Service "pf-svc-\w+" has no port 81 \(it has 80\)\./,
    );
  });

  it("forwards a StatefulSet's and a DaemonSet's port, each through its selector, as their rows offer", async () => {
    await apply(workload('StatefulSet', STATEFUL, portOf(servers[0])));
    await apply(workload('DaemonSet', DAEMON, portOf(servers[1])));
    await waitFor('a ready pod of each', () => readyPods(STATEFUL).length === 1 && readyPods(DAEMON).length === 1, 120_000);
    assert.deepEqual(await forwardPortChoices(admin, NAMESPACE, { kind: 'statefulset', name: STATEFUL }), [
      { port: POD_PORT, label: 'app/http' },
    ]);
    const stateful = await forwards.start(admin, {
      namespace: NAMESPACE,
      target: { kind: 'statefulset', name: STATEFUL },
      remotePort: 'http',
    });
    const daemon = await forwards.start(admin, { namespace: NAMESPACE, target: { kind: 'daemonset', name: DAEMON }, remotePort: POD_PORT });
    assert.equal(stateful.pod, `${STATEFUL}-0`, "the StatefulSet's own pod");
    assert.equal(daemon.pod, readyPods(DAEMON)[0].name);
    assert.equal(await get(stateful.localPort, '/stateful'), 'pod A /stateful');
    assert.equal(await get(daemon.localPort, '/daemon'), 'pod B /daemon');
    forwards.stop(stateful.id);
    forwards.stop(daemon.id);
    await assert.rejects(
      forwards.start(admin, { namespace: NAMESPACE, target: { kind: 'statefulset', name: `${STATEFUL}-missing` }, remotePort: POD_PORT }),
      (error: Error) => {
        assert.match(error.message, /StatefulSet "pf-db-\w+-missing"/);
        assert.match(error.message, /not found|does not exist/);
        return true;
      },
    );
  });
});
