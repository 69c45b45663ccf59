import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/cli';
import { ServiceError } from '../../../src/core/errors';
import { DeployError } from '../../../src/deploy/deployError';
import { deployRelease, rollBack } from '../../../src/deploy/deployFlow';
import type { DeployProgress, DeployResult } from '../../../src/deploy/deployFlow';
import type { DeployPlan } from '../../../src/deploy/deployPlan';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import { KubeClient } from '../../../src/deploy/kubeClient';
import { listContexts, loadKubeConfig, persistContextSwitch, withContext } from '../../../src/deploy/kubeconfigLoader';
import type { Deployment } from '../../../src/deploy/kubeObject';
import type { ReleaseToDeploy } from '../../../src/deploy/renderManifests';
import { formatTagMessage } from '../../../src/release/releaseRecord';
import { aDigest, aReleaseToDeploy } from '../../support/builders';
import { useKubeCluster } from '../../support/kubeCluster';

const REPO = 'registry.example.test/team/web';
// The test agent never gets images whose reference contains `never-ready` running (ImagePullBackOff).
const NEVER_READY_REPO = 'registry.example.test/team/web-never-ready';
const CRASH_REPO = 'registry.example.test/team/web-crash';
const digest = aDigest;
const release = (version: string, n: number, image = REPO): ReleaseToDeploy => aReleaseToDeploy(version, n, image);

function manifests(
  image: string,
  options: { replicas?: number; broken?: boolean; invalidReplicas?: boolean } = {},
): Record<string, string> {
  return {
    '00-config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  GREETING: hello\n',
    '10-web.yaml': [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web',
      'spec:',
      '  selector: {app: web}',
      '  ports:',
      '    - port: 80',
      '      targetPort: 8080',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      `  replicas: ${options.invalidReplicas ? -1 : (options.replicas ?? 2)}`,
      '  progressDeadlineSeconds: 6',
      '  selector:',
      '    matchLabels: {app: web}',
      '  template:',
      '    metadata:',
      '      labels: {app: web}',
      '    spec:',
      '      containers:',
      '        - name: web',
      `          image: ${image}:latest`,
      '          ports:',
      '            - containerPort: 8080',
      options.broken ? '          args: [unterminated' : '          args: [serve]',
      '',
    ].join('\n'),
  };
}

async function writeManifests(folder: string, files: Record<string, string>): Promise<void> {
  await fs.rm(path.join(folder, 'k8s'), { recursive: true, force: true });
  await fs.mkdir(path.join(folder, 'k8s'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(folder, 'k8s', name), text);
}

function environment(name: string, namespace: string, options: Partial<EnvironmentDefinition> = {}): EnvironmentDefinition {
  return {
    name,
    context: 'conveyor-admin',
    namespace,
    manifests: 'k8s',
    confirm: false,
    autoRollback: false,
    source: 'conveyor.yml',
    ...options,
  };
}

/** A deploy that fails on what it was given (a manifest): a DeployError. */
async function rejection(work: Promise<unknown>): Promise<DeployError> {
  return rejectionAs(work, DeployError);
}

/** A deploy that fails on what the cluster answered, or that it did not: a ServiceError. */
async function serviceRejection(work: Promise<unknown>): Promise<ServiceError> {
  return rejectionAs(work, ServiceError);
}

async function rejectionAs<E extends Error>(work: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await work.then(
    () => assert.fail('expected the deploy to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof type, `a ${type.name}, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
  return error;
}

describe('deploy (integration, real kube-apiserver)', function () {
  this.timeout(180_000);
  const cluster = useKubeCluster();
  let tmp: string;
  let admin: KubeClient;
  const timings: string[] = [];

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-deploy-'));
    const { config } = await loadKubeConfig({ kubeconfigPaths: [cluster.get().kubeconfig] });
    admin = new KubeClient(withContext(config, 'conveyor-admin'));
  });
  after(async () => {
    if (timings.length > 0) console.log(`      [deploy] rollout times: ${timings.join(', ')}`);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function workspace(name: string, image = REPO): Promise<string> {
    const folder = path.join(tmp, name);
    await writeManifests(folder, manifests(image));
    return folder;
  }

  async function namespace(name: string): Promise<string> {
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  function readDeployment(ns: string, name = 'web'): Promise<Deployment | undefined> {
    return admin.getOptional<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
  }

  function deploy(
    folder: string,
    env: EnvironmentDefinition,
    rel: ReleaseToDeploy,
    extra: { confirm?: (plan: DeployPlan) => Promise<boolean>; events?: DeployProgress[] } = {},
  ): Promise<DeployResult> {
    return deployRelease({
      folder,
      environment: env,
      release: rel,
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      confirm: extra.confirm,
      onProgress: (p) => extra.events?.push(p),
      rolloutTimeoutMs: 90_000,
    });
  }

  it('deploys a release by digest: the rollout completes and the Deployment records the release', async () => {
    const folder = await workspace('ok');
    const env = environment('staging', await namespace('cnv-deploy-ok'));
    const events: DeployProgress[] = [];
    const first = await deploy(folder, env, release('v1.0.0', 1), { events });
    assert.equal(first.ok, true, JSON.stringify(first.failure));
    assert.deepEqual(first.applied, ['ConfigMap/web-settings', 'Service/web', 'Deployment/web']);
    assert.deepEqual(
      first.plan.objects.map((o) => `${o.action} ${o.ref.kind}/${o.ref.name}`),
      ['create ConfigMap/web-settings', 'create Service/web', 'create Deployment/web'],
    );
    assert.equal(first.rollouts[0].status, 'complete');
    timings.push(`first rollout ${first.rollouts[0].durationMs} ms`);
    const rolloutEvents = events.filter((e) => e.step === 'rollout' && e.rollout);
    assert.ok(rolloutEvents.length > 0, 'rollout progress events');
    assert.deepEqual(rolloutEvents.at(-1)?.rollout, {
      deployment: 'web',
      updated: 2,
      ready: 2,
      available: 2,
      desired: 2,
      message: 'Deployment "web" successfully rolled out',
    });

    const live = await readDeployment(env.namespace!);
    assert.equal(live?.spec?.template?.spec?.containers?.[0].image, `${REPO}@${digest(1)}`);
    assert.equal(live?.metadata?.annotations?.['conveyor.dev/release'], 'v1.0.0');
    assert.equal(live?.metadata?.annotations?.['conveyor.dev/digest'], digest(1));
    assert.match(live?.metadata?.annotations?.['kubernetes.io/change-cause'] ?? '', /^conveyor deploy v1\.0\.0/);
    assert.equal(live?.spec?.template?.metadata?.annotations?.['conveyor.dev/commit'], release('v1.0.0', 1).commit);

    const second = await deploy(folder, env, release('v1.1.0', 2));
    assert.equal(second.ok, true);
    const planned = second.plan.objects.find((o) => o.ref.kind === 'Deployment');
    assert.equal(planned?.action, 'update');
    assert.deepEqual(planned?.changes, [
      'release v1.0.0 → v1.1.0',
      `image web: ${REPO}@${digest(1).slice(0, 19)} → ${REPO}@${digest(2).slice(0, 19)}`,
    ]);
    assert.deepEqual(
      second.plan.objects.filter((o) => o.ref.kind !== 'Deployment').map((o) => o.action),
      ['unchanged', 'unchanged'],
    );
    assert.equal(second.rollouts[0].revision, '2');
    timings.push(`update rollout ${second.rollouts[0].durationMs} ms`);
  });

  it('a never-ready release fails with ImagePullBackOff and autoRollback restores the previous revision', async () => {
    const folder = await workspace('never-ready');
    const env = environment('staging', await namespace('cnv-deploy-fail'), { autoRollback: true });
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    // The next release is built as another image, one the test agent can never pull.
    await writeManifests(folder, manifests(NEVER_READY_REPO));
    const result = await deploy(folder, env, release('v1.1.0', 3, NEVER_READY_REPO));
    assert.equal(result.ok, false);
    assert.equal(result.failure?.kind, 'rollout-failed');
    assert.match(result.failure?.message ?? '', /exceeded its progress deadline/);
    assert.ok(
      result.failure?.problems.some((p) => p.reason === 'ImagePullBackOff' && p.container === 'web'),
      JSON.stringify(result.failure?.problems),
    );
    timings.push(`failing rollout detected in ${result.rollouts[0].durationMs} ms`);

    const [rolledBack] = result.rolledBack ?? [];
    assert.equal(rolledBack?.error, undefined);
    assert.equal(rolledBack?.result?.toRevision, '1');
    assert.equal(rolledBack?.result?.release, 'v1.0.0');
    assert.equal(rolledBack?.rollout?.status, 'complete');
    timings.push(`rollback rollout ${rolledBack?.rollout?.durationMs} ms`);
    const live = await readDeployment(env.namespace!);
    assert.equal(live?.spec?.template?.spec?.containers?.[0].image, `${REPO}@${digest(1)}`);
    assert.equal(live?.metadata?.annotations?.['conveyor.dev/release'], 'v1.0.0');
  });

  it("autoRollback rolls back a Deployment its manifest placed in another namespace, not its namesake in the context's", async () => {
    const own = await namespace('cnv-deploy-own-ns');
    const contextNamespace = await namespace('cnv-deploy-env-ns');
    // An environment without a namespace of its own deploys into its context's, where a manifest may name another.
    const { config } = await loadKubeConfig({ kubeconfigPaths: [cluster.get().kubeconfig] });
    const admin = config.getContextObject('conveyor-admin');
    assert.ok(admin);
    config.addContext({ ...admin, name: 'conveyor-env-ns', namespace: contextNamespace });
    const env = environment('staging', contextNamespace, { autoRollback: true, context: 'conveyor-env-ns', namespace: undefined });
    const deployHere = (folder: string, rel: ReleaseToDeploy) =>
      deployRelease({ folder, environment: env, release: rel, kubeconfig: config, rolloutTimeoutMs: 90_000 });
    const inOwnNamespace = (files: Record<string, string>) => ({
      ...files,
      '10-web.yaml': files['10-web.yaml'].replace(
        'kind: Deployment\nmetadata:\n  name: web\n',
        `kind: Deployment\nmetadata:\n  name: web\n  namespace: ${own}\n`,
      ),
    });
    const namesake = await workspace('namesake');
    assert.equal((await deployHere(namesake, release('v0.9.0', 5))).ok, true);
    assert.equal((await readDeployment(contextNamespace))?.metadata?.annotations?.['conveyor.dev/release'], 'v0.9.0');
    const folder = path.join(tmp, 'own-namespace');
    await writeManifests(folder, inOwnNamespace(manifests(REPO)));
    assert.equal((await deployHere(folder, release('v1.0.0', 1))).ok, true);
    await writeManifests(folder, inOwnNamespace(manifests(NEVER_READY_REPO)));
    const result = await deployHere(folder, release('v1.1.0', 3, NEVER_READY_REPO));
    assert.equal(result.ok, false);
    const [rolledBack] = result.rolledBack ?? [];
    assert.equal(rolledBack?.error, undefined);
    assert.equal(rolledBack?.result?.release, 'v1.0.0');
    assert.equal((await readDeployment(own))?.metadata?.annotations?.['conveyor.dev/release'], 'v1.0.0');
    assert.equal(
      (await readDeployment(contextNamespace))?.metadata?.annotations?.['conveyor.dev/release'],
      'v0.9.0',
      "the namesake in the context's namespace is left alone",
    );
  });

  it('refuses a manifest that names another namespace than the one conveyor.yml gives the environment, applying nothing', async () => {
    const env = environment('staging', await namespace('cnv-deploy-fixed-ns'));
    const folder = path.join(tmp, 'fixed-namespace');
    const files = manifests(REPO);
    await writeManifests(folder, {
      ...files,
      '10-web.yaml': files['10-web.yaml'].replace(
        'kind: Deployment\nmetadata:\n  name: web\n',
        'kind: Deployment\nmetadata:\n  name: web\n  namespace: production\n',
      ),
    });
    const error = await deploy(folder, env, release('v1.0.0', 1)).then(
      () => assert.fail('deployed into another namespace'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeployError, String(error));
    assert.equal(error.kind, 'invalid-manifest');
    assert.match(
      error.message,
      /^k8s\/10-web\.yaml:\d+: Deployment web names namespace "production", but this environment deploys into "cnv-deploy-fixed-ns" \(its namespace in conveyor\.yml\)/,
    );
    assert.equal(await readDeployment(env.namespace!), undefined, 'nothing applied');
    assert.equal(await readDeployment('production'), undefined);
  });

  it('says at once that a paused Deployment will not roll out, instead of waiting out the timeout', async () => {
    const folder = await workspace('paused');
    const env = environment('staging', await namespace('cnv-deploy-paused'));
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    await admin.request('PATCH', `/apis/apps/v1/namespaces/${env.namespace}/deployments/web`, {
      body: { spec: { paused: true } },
      contentType: 'application/merge-patch+json',
    });
    const started = performance.now();
    const result = await deploy(folder, env, release('v1.1.0', 2));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.ok, false);
    assert.equal(result.failure?.kind, 'rollout-failed');
    assert.match(result.failure?.message ?? '', /Deployment "web" is paused, so the new pods will not roll out until it is resumed/);
    assert.ok(seconds < 30, `reported after ${seconds.toFixed(1)} s, not at the 90 s rollout timeout`);
  });

  it('a crash-looping release reports CrashLoopBackOff; without autoRollback the caller rolls back', async () => {
    const folder = await workspace('crash');
    const env = environment('staging', await namespace('cnv-deploy-crash'));
    assert.equal((await deploy(folder, env, release('v1.0.0', 1))).ok, true);
    await writeManifests(folder, manifests(CRASH_REPO));
    const result = await deploy(folder, env, release('v1.1.0', 4, CRASH_REPO));
    assert.equal(result.ok, false);
    assert.equal(result.rolledBack, undefined);
    assert.ok(
      result.failure?.problems.some((p) => p.reason === 'CrashLoopBackOff'),
      JSON.stringify(result.failure?.problems),
    );
    assert.equal(
      (await readDeployment(env.namespace!))?.spec?.template?.spec?.containers?.[0].image,
      `${CRASH_REPO}@${digest(4)}`,
      'left as it is',
    );

    const [outcome] = await rollBack({
      environment: env,
      kubeconfig: { kubeconfigPaths: [cluster.get().kubeconfig] },
      deployments: ['web'],
    });
    assert.equal(outcome.rollout?.status, 'complete', outcome.error);
    assert.equal((await readDeployment(env.namespace!))?.spec?.template?.spec?.containers?.[0].image, `${REPO}@${digest(1)}`);
  });

  it('a confirm environment is asked with the dry-run plan, and nothing is applied when it says no', async () => {
    const folder = await workspace('confirm');
    const env = environment('production', await namespace('cnv-deploy-confirm'), { confirm: true });
    const asked: DeployPlan[] = [];
    const result = await deploy(folder, env, release('v1.0.0', 1), {
      confirm: (plan) => {
        asked.push(plan);
        return Promise.resolve(false);
      },
    });
    assert.equal(asked.length, 1);
    assert.deepEqual(
      asked[0].objects.map((o) => `${o.action} ${o.ref.kind}/${o.ref.name}`),
      ['create ConfigMap/web-settings', 'create Service/web', 'create Deployment/web'],
    );
    assert.deepEqual([asked[0].environment, asked[0].context, asked[0].namespace], ['production', 'conveyor-admin', 'cnv-deploy-confirm']);
    assert.deepEqual([result.ok, result.confirmed, result.applied], [false, false, []]);
    assert.equal(await readDeployment(env.namespace!), undefined, 'the dry run created nothing');
    assert.equal(await admin.getOptional(`/api/v1/namespaces/${env.namespace!}/configmaps/web-settings`), undefined);
  });

  it('an invalid manifest is reported with file and line, and nothing is applied', async () => {
    const folder = path.join(tmp, 'invalid');
    const env = environment('staging', await namespace('cnv-deploy-invalid'));
    await writeManifests(folder, manifests(REPO, { broken: true }));
    const syntax = await rejection(deploy(folder, env, release('v1.0.0', 1)));
    assert.equal(syntax.kind, 'invalid-manifest');
    assert.deepEqual([syntax.details.file, syntax.details.line], ['k8s/10-web.yaml', 29]);
    assert.match(syntax.message, /^k8s\/10-web\.yaml:29: invalid YAML/);

    // Valid YAML the API server rejects: found by the dry run, before anything is applied.
    await writeManifests(folder, manifests(REPO, { invalidReplicas: true }));
    const rejected = await rejection(deploy(folder, env, release('v1.0.0', 1)));
    assert.equal(rejected.kind, 'invalid-manifest');
    assert.deepEqual([rejected.details.file, rejected.details.line], ['k8s/10-web.yaml', 11]);
    assert.match(rejected.message, /spec\.replicas/);
    assert.equal(
      await admin.getOptional(`/api/v1/namespaces/${env.namespace!}/configmaps/web-settings`),
      undefined,
      'the ConfigMap before it was not applied either',
    );
    assert.equal(await readDeployment(env.namespace!), undefined);
  });

  it('expired credentials are "unauthorized" and name the context to sign in to again', async () => {
    const error = await serviceRejection(
      deploy(await workspace('expired'), environment('staging', 'default', { context: 'conveyor-expired' }), release('v1.0.0', 1)),
    );
    assert.equal(error.kind, 'unauthorized');
    assert.match(error.message, /sign in again \/ refresh the credentials for context "conveyor-expired"/);
  });

  it('RBAC refusal is "forbidden" with the verb, resource and namespace', async () => {
    const error = await serviceRejection(
      deploy(await workspace('limited'), environment('staging', 'default', { context: 'conveyor-limited' }), release('v1.0.0', 1)),
    );
    assert.equal(error.kind, 'forbidden');
    assert.deepEqual([error.detail?.verb, error.detail?.resource, error.detail?.namespace], ['patch', 'configmaps', 'default']);
    assert.match(
      error.message,
      /^Not allowed to apply ConfigMap\/web-settings with context "conveyor-limited": .*cannot patch resource "configmaps"/,
    );
    assert.equal(await readDeployment('default'), undefined);
  });

  it('switches context in a copy and persists it into the first kubeconfig file', async () => {
    const file = path.join(tmp, 'kubeconfig.yaml');
    await fs.copyFile(cluster.get().kubeconfig, file);
    const { config, files } = await loadKubeConfig({ env: { KUBECONFIG: `${file}${path.delimiter}${path.join(tmp, 'absent.yaml')}` } });
    assert.deepEqual(
      listContexts(config).map((c) => [c.name, c.current]),
      [
        ['conveyor-admin', true],
        ['conveyor-limited', false],
        ['conveyor-expired', false],
      ],
    );
    const limited = new KubeClient(withContext(config, 'conveyor-limited'));
    assert.equal(
      (await limited.request<{ items: unknown[] }>('GET', '/api/v1/namespaces/default/pods')).items.length >= 0,
      true,
      'the viewer may read',
    );
    await persistContextSwitch(files, 'conveyor-limited');
    const reloaded = await loadKubeConfig({ kubeconfigPaths: [file] });
    assert.equal(reloaded.config.getCurrentContext(), 'conveyor-limited');
    const noContext = environment('staging', 'default', { context: undefined });
    const error = await serviceRejection(
      deployRelease({
        folder: await workspace('switched'),
        environment: noContext,
        release: release('v1.0.0', 1),
        kubeconfig: reloaded.config,
      }),
    );
    assert.equal(error.kind, 'forbidden', 'an environment without a context uses the switched current context');
  });

  describe('conveyor deploy (CLI)', () => {
    let folder: string;
    const output: string[] = [];
    const run = (...args: string[]) => main(['deploy', ...args, '--kubeconfig', cluster.get().kubeconfig], (t) => output.push(t));

    before(async () => {
      folder = await workspace('cli');
      await namespace('cnv-deploy-cli');
      await fs.writeFile(
        path.join(folder, 'conveyor.yml'),
        'environments:\n  staging:\n    context: conveyor-admin\n    namespace: cnv-deploy-cli\n    manifests: k8s\n  production:\n    context: conveyor-admin\n    namespace: cnv-deploy-cli-prod\n    manifests: k8s\n    confirm: true\n',
      );
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=Conveyor Test', '-c', 'user.email=test@conveyor.invalid', ...args], {
          cwd: folder,
          encoding: 'utf8',
        }).trim();
      git('init', '-q', '-b', 'main');
      git('add', '-A');
      git('commit', '-q', '-m', 'feat: web');
      const commit = git('rev-parse', 'HEAD');
      for (const [version, n, image] of [
        ['1.0.0', 1, REPO],
        ['1.1.0', 5, NEVER_READY_REPO],
      ] as const) {
        const record = {
          version,
          tag: `v${version}`,
          commit,
          readyRun: `run-${n}`,
          image: { repository: image, tags: [version], digest: digest(n) },
          createdAt: new Date().toISOString(),
        };
        git('tag', '-a', `v${version}`, '-m', formatTagMessage(record, `## ${version}`));
      }
    });

    it('`conveyor deploy staging --release v1.0.0 --yes` exits 0 once rolled out', async () => {
      output.length = 0;
      const code = await run('staging', folder, '--release', 'v1.0.0', '--yes');
      const text = output.join('');
      assert.equal(code, 0, text);
      assert.match(text, /^Deploying v1\.0\.0 /);
      // The rollout's own words for web: an intermediate state, or only the last when the first look finds it done.
      assert.match(text, /• web: .*(updated replicas are available|new replicas have been updated|successfully rolled out)/);
      assert.match(text, /✓ web rolled out in \d+\.\d s \(revision 1\)/);
      assert.match(text, /Deployed v1\.0\.0 to staging/);
    });

    it('exits 1 on a failing rollout after printing the reasons, and 2 on usage errors', async () => {
      await writeManifests(folder, manifests(NEVER_READY_REPO));
      output.length = 0;
      const code = await run('staging', folder, '--yes');
      const text = output.join('');
      assert.equal(code, 1, text);
      assert.match(text, /^Deploying v1\.1\.0 /, 'the newest ready release by default');
      assert.match(text, /✗ web: Deployment "web" exceeded its progress deadline/);
      assert.match(text, /pod web-[a-z0-9-]+ \(web\): ImagePullBackOff/);
      assert.equal(await run('nowhere', folder), 2);
      assert.equal(await run('staging', folder, '--release', 'v9.9.9'), 2);
    });

    it('a missing, directory or malformed --kubeconfig is an input error: exit 2, as other usage errors (hardening)', async () => {
      const malformed = path.join(folder, 'broken-kubeconfig');
      await fs.writeFile(malformed, 'clusters: [\n');
      for (const kubeconfig of [path.join(folder, 'no-such-kubeconfig'), folder, malformed]) {
        output.length = 0;
        const code = await main(['deploy', 'staging', folder, '--kubeconfig', kubeconfig], (t) => output.push(t));
        assert.equal(code, 2, `${kubeconfig}: ${output.join('')}`);
      }
    });

    it('a confirm environment shows the plan and refuses without --yes when there is no terminal (exit 2)', async () => {
      await writeManifests(folder, manifests(REPO));
      await namespace('cnv-deploy-cli-prod');
      output.length = 0;
      const code = await run('production', folder, '--release', 'v1.0.0');
      assert.equal(code, 2);
      assert.match(
        output.join(''),
        /Plan for production \(context conveyor-admin, namespace cnv-deploy-cli-prod\):\n {2}create {4}ConfigMap\/web-settings/,
      );
      assert.equal(await readDeployment('cnv-deploy-cli-prod'), undefined);
    });

    it('stops on conveyor.yml errors before anything is deployed, naming their lines (exit 2)', async () => {
      const file = path.join(folder, 'conveyor.yml');
      const good = await fs.readFile(file, 'utf8');
      // Both values are refused by the schema; dropped, they would deploy to the context's default namespace unasked.
      await fs.writeFile(
        file,
        'environments:\n  staging:\n    context: conveyor-admin\n    namespace: Cnv-Deploy-Cli\n    manifests: k8s\n    confirm: yes\n',
      );
      const errors: string[] = [];
      const stderrWrite = process.stderr.write.bind(process.stderr);
      process.stderr.write = (text: string | Uint8Array) => errors.push(String(text)) > 0;
      let code: number;
      try {
        code = await run('staging', folder, '--release', 'v1.0.0', '--yes');
      } finally {
        process.stderr.write = stderrWrite;
        await fs.writeFile(file, good);
      }
      assert.equal(code, 2, errors.join(''));
      assert.match(errors.join(''), /conveyor\.yml:4:.*namespace/);
      assert.match(errors.join(''), /conveyor\.yml:6:.*confirm/);
      assert.equal(await readDeployment('default'), undefined, 'nothing went to the default namespace');
    });
  });

  it('an unreachable cluster is "unreachable", in one sentence naming the context and server', async () => {
    const folder = await workspace('unreachable');
    await cluster.get().stopApiServer();
    try {
      const error = await serviceRejection(deploy(folder, environment('staging', 'cnv-deploy-ok'), release('v1.0.0', 1)));
      assert.equal(error.kind, 'unreachable');
      assert.match(
        error.message,
        /^Cannot reach the cluster of context "conveyor-admin" at https:\/\/127\.0\.0\.1:\d+: connection refused\./,
      );
    } finally {
      await cluster.get().startApiServer();
    }
  });
});
