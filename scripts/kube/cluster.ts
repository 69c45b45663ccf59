// A private Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler built by scripts/kube/setup.ts, plus the test agent (a stand-in kubelet for one node),
// all on 127.0.0.1 with free ports, certificates and tokens made for this one cluster in a temporary folder.
// Nothing reads or writes ~/.kube or the machine's kubectl.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { api, apiRequest } from './api';
import type { ApiTarget } from './api';
import type { AgentConfig } from './agent';
import { createClusterCerts } from './certs';
import type { ClusterCerts } from './certs';
import { freePort, processesMentioning, startProcess, stopKubeProcess, waitForProcess } from './processes';
import type { KubeProcess } from './processes';
import { readBuildStamp, requireKubeTools } from './tools';
import type { KubeTools } from './tools';

export const NODE_NAME = 'conveyor-node';
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The user the `conveyor-limited` context signs in as: bound to the `view` ClusterRole in `default` only. */
export const LIMITED_USER = 'conveyor-viewer';

export interface KubeControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** Kubeconfig with the contexts conveyor-admin (current), conveyor-limited and conveyor-expired. */
  kubeconfig: string;
  token: string;
  caData: string;
  /** The temporary folder with certificates, kubeconfigs and each process's log. */
  dir: string;
  /** Milliseconds each start-up step took. */
  timings: Record<string, number>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
  /** Synchronous SIGKILL of every process and removal of the folders, for a process 'exit' hook. */
  killNow(): void;
}

interface Tokens {
  admin: string;
  limited: string;
  /** In no token file: the apiserver answers 401, like an expired token. */
  expired: string;
  controllerManager: string;
  scheduler: string;
  node: string;
}

const DIR_PREFIX = 'cnv-kube-';
const APISERVER_READY_MS = 120_000;
const COMPONENT_READY_MS = 60_000;
/** The programs a cluster runs, for cleaning up after a test process that was killed. */
const CLUSTER_PROGRAMS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'node'];

export async function startControlPlane(): Promise<KubeControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      // Ports are picked free, then bound by another process a moment later: another test run may win one.
      if (attempt >= 3 || !/address already in use/i.test((error as Error).message)) {
        throw error;
      }
      console.warn(`[kube] a port was taken before the cluster could bind it; starting again (${attempt})`);
    }
  }
}

async function startOnce(): Promise<KubeControlPlane> {
  const tools = requireKubeTools();
  removeLeftovers();
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const begin = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round(performance.now() - begin);
    }
  };
  const dir = mkdtempSync(path.join('/tmp', DIR_PREFIX));
  // etcd fsyncs on every write; on tmpfs the apiserver's bootstrap takes seconds less.
  const etcdDir = path.join(hasRoomInShm() ? '/dev/shm' : dir, `${path.basename(dir)}-etcd`);
  writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  writeFileSync(path.join(dir, 'etcd-dir'), etcdDir);
  const processes: KubeProcess[] = [];
  const cleanUp = () => {
    rmSync(etcdDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const certs = await step('certificates', () => createClusterCerts(dir));
    const tokens: Tokens = {
      admin: token(),
      limited: token(),
      expired: token(),
      controllerManager: token(),
      scheduler: token(),
      node: token(),
    };
    writeTokenFile(dir, tokens);
    const ports = await distinctFreePorts(6);
    const [etcdClient, etcdPeer, apiserverPort, kcmPort, schedulerPort, agentPort] = ports as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const server = `https://127.0.0.1:${apiserverPort}`;
    const admin: ApiTarget = { server, token: tokens.admin, ca: certs.caPem };

    const etcd = await step('etcd', () => startEtcd(tools, dir, etcdDir, etcdClient, etcdPeer));
    processes.push(etcd);

    const apiserverArgs = apiserverFlags(dir, certs, etcdClient, apiserverPort);
    const startApiserver = async () => {
      const proc = startProcess('kube-apiserver', tools.apiserver, apiserverArgs, {
        cwd: dir,
        logFile: path.join(dir, 'kube-apiserver.log'),
      });
      try {
        await waitForProcess(
          proc,
          async () => (await apiRequest(admin, 'GET', '/readyz', undefined, { timeoutMs: 2_000 })).status === 200,
          APISERVER_READY_MS,
        );
      } catch (error) {
        await stopKubeProcess(proc);
        throw error;
      }
      return proc;
    };
    let apiserver = await step('kube-apiserver', startApiserver);
    processes.push(apiserver);

    const componentKubeconfig = (name: string, componentToken: string) => {
      const file = path.join(dir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml(server, certs.caPem, [{ context: name, user: name, token: componentToken }], name), {
        mode: 0o600,
      });
      return file;
    };
    const [controllerManager, scheduler] = await step('controller-manager, scheduler, RBAC', () =>
      Promise.all([
        startComponent('kube-controller-manager', tools.controllerManager, dir, kcmPort, [
          `--kubeconfig=${componentKubeconfig('kube-controller-manager', tokens.controllerManager)}`,
          // Each controller acts as its own service account, as in a real cluster (and RBAC applies to each).
          '--use-service-account-credentials=true',
          `--service-account-private-key-file=${certs.serviceAccountKey}`,
          `--root-ca-file=${certs.caCert}`,
          '--controllers=*',
          '--leader-elect=false',
          `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        ]).then((proc) => (processes.push(proc), proc)),
        startComponent('kube-scheduler', tools.scheduler, dir, schedulerPort, [
          `--kubeconfig=${componentKubeconfig('kube-scheduler', tokens.scheduler)}`,
          '--leader-elect=false',
        ]).then((proc) => (processes.push(proc), proc)),
        bindLimitedUser(admin),
      ]),
    );

    const agent = await step('agent + node Ready', () => startAgent(dir, certs, admin, tokens.node, agentPort, tools));
    processes.push(agent);
    // Pods in `default` need its service account's token secret, which the controller manager creates.
    await step('default service account token', () =>
      waitFor('the default service account token', () => defaultServiceAccountReady(admin), COMPONENT_READY_MS, controllerManager),
    );

    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      kubeconfigYaml(
        server,
        certs.caPem,
        [
          { context: 'conveyor-admin', user: 'conveyor-admin', token: tokens.admin, namespace: 'default' },
          { context: 'conveyor-limited', user: LIMITED_USER, token: tokens.limited, namespace: 'default' },
          { context: 'conveyor-expired', user: 'conveyor-expired', token: tokens.expired, namespace: 'default' },
        ],
        'conveyor-admin',
      ),
      { mode: 0o600 },
    );

    let apiserverChange: Promise<void> = Promise.resolve();
    const serialized = (work: () => Promise<void>) => (apiserverChange = apiserverChange.catch(() => undefined).then(work));
    let stopping: Promise<void> | undefined;
    return {
      server,
      kubeconfig,
      token: tokens.admin,
      caData: certs.caPem,
      dir,
      timings,
      stopApiServer: () => serialized(() => stopKubeProcess(apiserver)),
      startApiServer: () =>
        serialized(async () => {
          if (apiserver.hasExited()) {
            apiserver = await startApiserver();
            processes.push(apiserver);
          }
        }),
      stop: () =>
        (stopping ??= (async () => {
          // Reverse order: the agent and controllers first, etcd last.
          for (const proc of [agent, scheduler, controllerManager, apiserver, etcd]) {
            await stopKubeProcess(proc);
          }
          cleanUp();
        })()),
      killNow: () => {
        // Only live ones: the PID of a process that is gone may belong to someone else by now.
        for (const proc of processes.filter((candidate) => !candidate.hasExited())) {
          killGroupNow(proc.pid);
        }
        cleanUp();
      },
    };
  } catch (error) {
    await Promise.all(processes.map((proc) => stopKubeProcess(proc, 2_000)));
    cleanUp();
    throw error;
  }
}

function killGroupNow(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

function token(): string {
  return randomBytes(24).toString('hex');
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    ports.add(await freePort());
  }
  return [...ports];
}

function hasRoomInShm(): boolean {
  try {
    const stats = statfsSync('/dev/shm');
    return stats.bavail * stats.bsize > 1024 * 1024 * 1024;
  } catch {
    return false;
  }
}

/** Static token authentication: `token,user,uid,"group,…"`. Users without a group get RBAC's defaults. */
function writeTokenFile(dir: string, tokens: Tokens): void {
  const lines = [
    `${tokens.admin},conveyor-admin,conveyor-admin,"system:masters"`,
    `${tokens.limited},${LIMITED_USER},${LIMITED_USER}`,
    `${tokens.controllerManager},system:kube-controller-manager,system:kube-controller-manager`,
    `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
    // The Node authorizer only lets it touch its own Node, Lease and the pods bound to it.
    `${tokens.node},system:node:${NODE_NAME},system:node:${NODE_NAME},"system:nodes"`,
  ];
  writeFileSync(path.join(dir, 'tokens.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

async function startEtcd(tools: KubeTools, dir: string, dataDir: string, clientPort: number, peerPort: number): Promise<KubeProcess> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc = startProcess(
    'etcd',
    tools.etcd,
    [
      '--name=conveyor',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=conveyor=${peer}`,
      '--initial-cluster-state=new',
      '--log-level=warn',
      '--logger=zap',
    ],
    // ETCD_* variables override flags: a developer's shell must not change the test etcd.
    {
      cwd: dir,
      logFile: path.join(dir, 'etcd.log'),
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ETCD_'))),
    },
  );
  try {
    await waitForProcess(
      proc,
      async () => {
        const response = await fetch(`${client}/health`, { signal: AbortSignal.timeout(2_000) });
        return response.ok && ((await response.json()) as { health?: string }).health === 'true';
      },
      COMPONENT_READY_MS,
    );
  } catch (error) {
    await stopKubeProcess(proc);
    throw error;
  }
  return proc;
}

function apiserverFlags(dir: string, certs: ClusterCerts, etcdPort: number, port: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    // 1.20 still opens an unauthenticated port 8080 unless told not to.
    '--insecure-port=0',
    `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.apiserverCert}`,
    `--tls-private-key-file=${certs.apiserverKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    // Used to reach the agent for logs; without --kubelet-certificate-authority its certificate is not checked.
    `--kubelet-client-certificate=${certs.kubeletClientCert}`,
    `--kubelet-client-key=${certs.kubeletClientKey}`,
    '--kubelet-preferred-address-types=InternalIP',
    // The `kubernetes` Service's endpoints may not be a loopback address; with the advertise address on
    // 127.0.0.1 the reconciler would only log a validation error every 10 s. Nothing in-cluster needs them.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

/** Controller manager and scheduler, with /healthz on an insecure loopback port (no secure port: nothing to share). */
async function startComponent(name: string, binary: string, dir: string, healthPort: number, flags: string[]): Promise<KubeProcess> {
  const proc = startProcess(
    name,
    binary,
    [...flags, '--address=127.0.0.1', `--port=${healthPort}`, '--secure-port=0', '--profiling=false', '--v=1'],
    {
      cwd: dir,
      logFile: path.join(dir, `${name}.log`),
    },
  );
  try {
    await waitForProcess(
      proc,
      async () => {
        const response = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.ok;
      },
      COMPONENT_READY_MS,
    );
  } catch (error) {
    await stopKubeProcess(proc);
    throw error;
  }
  return proc;
}

async function bindLimitedUser(admin: ApiTarget): Promise<void> {
  // Right after start the apiserver may not have created the default namespace or its bootstrap roles yet.
  for (let attempt = 1; ; attempt++) {
    try {
      return await createLimitedBinding(admin);
    } catch (error) {
      if (attempt >= 20 || /already exists/i.test(String(error))) {
        if (/already exists/i.test(String(error))) return;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function createLimitedBinding(admin: ApiTarget): Promise<void> {
  await api(admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${LIMITED_USER}-view`, namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: LIMITED_USER }],
  });
}

async function startAgent(
  dir: string,
  certs: ClusterCerts,
  admin: ApiTarget,
  nodeToken: string,
  port: number,
  tools: KubeTools,
): Promise<KubeProcess> {
  const config: AgentConfig = {
    server: admin.server,
    token: nodeToken,
    caFile: certs.caCert,
    nodeName: NODE_NAME,
    port,
    certFile: certs.agentCert,
    keyFile: certs.agentKey,
    parentPid: process.pid,
    kubeVersion: readBuildStamp(tools)?.kubeVersion ?? 'v1.20.0',
  };
  const configFile = path.join(dir, 'agent.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const agentScript = agentScriptPath();
  const repoRoot = path.resolve(path.dirname(agentScript), '..', '..');
  const proc = startProcess('test agent', process.execPath, ['--import', 'tsx', agentScript, configFile], {
    cwd: repoRoot,
    logFile: path.join(dir, 'agent.log'),
    // NODE_OPTIONS of the test runner (inspectors, loaders) are not for the agent.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  try {
    await waitForProcess(proc, () => nodeReady(admin), COMPONENT_READY_MS, 'registering a Ready node');
  } catch (error) {
    await stopKubeProcess(proc);
    throw error;
  }
  return proc;
}

/** Next to this file when run from source (tsx); from the repository root when this code was bundled. */
function agentScriptPath(): string {
  const candidates = [path.join(__dirname, 'agent.ts'), path.resolve('scripts', 'kube', 'agent.ts')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(`the test agent (scripts/kube/agent.ts) is not at ${candidates.join(' or ')}`);
  }
  return found;
}

async function nodeReady(admin: ApiTarget): Promise<boolean> {
  const response = await apiRequest<{ spec?: { taints?: unknown[] }; status?: { conditions?: { type: string; status: string }[] } }>(
    admin,
    'GET',
    `/api/v1/nodes/${NODE_NAME}`,
  );
  return (
    response.status === 200 &&
    response.body.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true
  );
}

async function defaultServiceAccountReady(admin: ApiTarget): Promise<boolean> {
  const response = await apiRequest<{ secrets?: unknown[] }>(admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
  return response.status === 200 && (response.body.secrets?.length ?? 0) > 0;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc: KubeProcess): Promise<void> {
  await waitForProcess(proc, probe, timeoutMs, `done with ${what}`);
}

interface KubeconfigUser {
  context: string;
  user: string;
  token: string;
  namespace?: string;
}

function kubeconfigYaml(server: string, caPem: string, users: KubeconfigUser[], current: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'conveyor-test', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: users.map((entry) => ({ name: entry.user, user: { token: entry.token } })),
    contexts: users.map((entry) => ({
      name: entry.context,
      context: { cluster: 'conveyor-test', user: entry.user, ...(entry.namespace ? { namespace: entry.namespace } : {}) },
    })),
    'current-context': current,
    preferences: {},
  });
}

/**
 * Clusters whose test process died without its 'exit' hook (SIGKILL, a crash of node itself) leave their
 * processes and folders behind; the folder's owner.pid says whether anyone still uses it.
 */
function removeLeftovers(): void {
  for (const name of readdirSync('/tmp').filter((entry) => entry.startsWith(DIR_PREFIX))) {
    const dir = path.join('/tmp', name);
    const ownerFile = path.join(dir, 'owner.pid');
    if (!existsSync(ownerFile)) {
      continue;
    }
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    if (owner && isAlive(owner)) {
      continue;
    }
    for (const pid of processesMentioning(dir, CLUSTER_PROGRAMS)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const etcdDirFile = path.join(dir, 'etcd-dir');
    if (existsSync(etcdDirFile)) {
      rmSync(readFileSync(etcdDirFile, 'utf8').trim(), { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
