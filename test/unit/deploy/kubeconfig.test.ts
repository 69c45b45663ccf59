import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeployError } from '../../../src/deploy/deployError';
import { environmentsForContexts, findEnvironment, manifestSourceOf } from '../../../src/deploy/environments';
import type { EnvironmentDefinition } from '../../../src/deploy/environments';
import {
  contextNamespace,
  kubeconfigFiles,
  listContexts,
  loadKubeConfig,
  persistContextSwitch,
  withContext,
} from '../../../src/deploy/kubeconfigLoader';
import { currentKubeContext } from '../../../src/deploy/kubeconfigLocator';
import { selectRelease } from '../../../src/deploy/releaseChoice';
import type { ReleaseTagEntry } from '../../../src/release/gitRelease';

const kubeconfig = (name: string, server: string, extra = '') => `# ${name}'s clusters
apiVersion: v1
kind: Config
clusters:
  - name: ${name}
    cluster: {server: '${server}', certificate-authority: ca-${name}.crt}
users:
  - name: ${name}-user
    user: {token: t-${name}}
contexts:
  - name: ${name}
    context: {cluster: ${name}, user: ${name}-user}
${extra}`;

describe('deploy: kubeconfig like kubectl (unit)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-kubeconfig-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('uses explicit paths, else every file of KUBECONFIG, else the default path', () => {
    assert.deepEqual(kubeconfigFiles({ kubeconfigPaths: ['/a'], env: { KUBECONFIG: '/b' } }), ['/a']);
    assert.deepEqual(kubeconfigFiles({ env: { KUBECONFIG: `/b${path.delimiter}${path.delimiter}/c` }, defaultPath: '/d' }), ['/b', '/c']);
    assert.deepEqual(kubeconfigFiles({ env: {}, defaultPath: '/d' }), ['/d']);
  });

  it('reads the current context and its namespace without the client library, as the merge would', async () => {
    const first = path.join(dir, 'one.yaml');
    const second = path.join(dir, 'two.yaml');
    await fs.writeFile(first, kubeconfig('alpha', 'https://a.example'));
    await fs.writeFile(
      second,
      kubeconfig('beta', 'https://b.example', 'current-context: beta\n').replace(
        'context: {cluster: beta, user: beta-user}',
        'context: {cluster: beta, user: beta-user, namespace: shop}',
      ),
    );
    const light = await currentKubeContext({ env: { KUBECONFIG: [first, path.join(dir, 'missing.yaml'), second].join(path.delimiter) } });
    const { config } = await loadKubeConfig({ env: { KUBECONFIG: [first, second].join(path.delimiter) } });
    assert.deepEqual(light, { context: 'beta', namespace: 'shop' });
    assert.deepEqual(light, { context: config.getCurrentContext(), namespace: contextNamespace(config) });
    await assert.rejects(currentKubeContext({ kubeconfigPaths: [path.join(dir, 'missing.yaml')] }), /No kubeconfig found/);
  });

  it('merges KUBECONFIG files: first definition and first current-context win; missing files are skipped', async () => {
    const first = path.join(dir, 'one.yaml');
    const second = path.join(dir, 'two.yaml');
    await fs.writeFile(first, kubeconfig('one', 'https://one.example:6443'));
    await fs.writeFile(second, `${kubeconfig('two', 'https://two.example:6443')}current-context: two\n`);
    const { config, files } = await loadKubeConfig({
      env: { KUBECONFIG: [first, path.join(dir, 'missing.yaml'), second].join(path.delimiter) },
    });
    assert.equal(files.length, 3);
    assert.deepEqual(
      listContexts(config).map((c) => [c.name, c.server, c.current]),
      [
        ['one', 'https://one.example:6443', false],
        ['two', 'https://two.example:6443', true],
      ],
    );
    assert.equal(config.getCluster('one')?.caFile, path.join(dir, 'ca-one.crt'), 'relative paths resolve against their own file');
  });

  it('refuses a missing explicit --kubeconfig', async () => {
    const error = await loadKubeConfig({ kubeconfigPaths: [path.join(dir, 'nope.yaml')] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeployError && error.kind === 'not-found' && /does not exist/.test(error.message));
  });

  it('switches context and namespace in a copy, and persists current-context into the first file atomically', async () => {
    const first = path.join(dir, 'one.yaml');
    const second = path.join(dir, 'two.yaml');
    await fs.writeFile(first, `${kubeconfig('one', 'https://one.example')}current-context: one\n`, { mode: 0o600 });
    await fs.writeFile(second, kubeconfig('two', 'https://two.example'));
    const { config, files } = await loadKubeConfig({ env: { KUBECONFIG: [first, second].join(path.delimiter) } });
    const switched = withContext(config, 'two', 'shop');
    assert.equal(switched.getCurrentContext(), 'two');
    assert.equal(contextNamespace(switched), 'shop');
    assert.equal(config.getCurrentContext(), 'one', 'the original is untouched');
    assert.throws(() => withContext(config, 'three'), /no context "three" \(it has: one, two\)/);

    await persistContextSwitch(files, 'two', 'shop');
    const firstText = await fs.readFile(first, 'utf8');
    assert.match(firstText, /^current-context: two$/m);
    assert.match(firstText, /^# one's clusters/, 'comments kept');
    assert.equal((await fs.stat(first)).mode & 0o777, 0o600, 'permissions kept');
    assert.match(
      await fs.readFile(second, 'utf8'),
      /context: \{ cluster: two, user: two-user, namespace: shop \}/,
      'namespace goes to the file defining the context',
    );
    assert.deepEqual((await fs.readdir(dir)).sort(), ['one.yaml', 'two.yaml'], 'no temporary file left');
    const reloaded = await loadKubeConfig({ env: { KUBECONFIG: [first, second].join(path.delimiter) } });
    assert.equal(reloaded.config.getCurrentContext(), 'two');
    assert.equal(contextNamespace(reloaded.config), 'shop');
  });
});

describe('deploy: environments (unit)', () => {
  const detected: EnvironmentDefinition = { name: 'default', manifests: 'k8s', confirm: false, autoRollback: false, source: 'detected' };
  const staging: EnvironmentDefinition = {
    name: 'staging',
    context: 'kind',
    namespace: 'staging',
    manifests: 'k8s',
    confirm: false,
    autoRollback: true,
    source: 'conveyor.yml',
  };

  it('one environment per kube context when conveyor.yml declares none', () => {
    assert.deepEqual(
      environmentsForContexts([detected], ['dev', 'prod']).map((e) => [e.name, e.context, e.manifests]),
      [
        ['dev', 'dev', 'k8s'],
        ['prod', 'prod', 'k8s'],
      ],
    );
    assert.deepEqual(environmentsForContexts([staging], ['dev']), [staging]);
  });

  it('names the known environments when one is missing; manifests come from a folder, else a kustomization', () => {
    assert.throws(() => findEnvironment([staging], 'prod'), /no environment "prod" \(known: staging\)/);
    assert.deepEqual(manifestSourceOf({ ...staging, manifests: undefined, kustomize: 'overlays/prod' }), {
      kind: 'kustomize',
      path: 'overlays/prod',
    });
    assert.deepEqual(manifestSourceOf({ ...staging, manifests: 'k8s', kustomize: 'overlays/prod' }), { kind: 'folder', path: 'k8s' });
    assert.throws(() => manifestSourceOf({ ...staging, manifests: undefined }), /has no manifests: set "manifests" .* or "kustomize"/);
  });
});

describe('deploy: which release (unit)', () => {
  const entry = (tag: string, options: { image?: boolean; override?: boolean } = {}): ReleaseTagEntry => ({
    tag,
    date: '2025-01-01T00:00:00Z',
    commit: 'c'.repeat(40),
    record: {
      version: tag.slice(1),
      tag,
      commit: 'c'.repeat(40),
      createdAt: '2025-01-01T00:00:00Z',
      ...(options.image === false
        ? {}
        : { image: { repository: 'reg.test/web', tags: [tag.slice(1)], digest: `sha256:${'a'.repeat(64)}` } }),
      ...(options.override ? { gateOverride: { reason: 'hotfix', at: '2025-01-01T00:00:00Z' } } : {}),
    },
  });

  it('takes the newest release that passed the gate and has an image, or the one named', () => {
    const entries = [entry('v1.3.0', { override: true }), entry('v1.2.0', { image: false }), entry('v1.1.0'), entry('v1.0.0')];
    assert.equal(selectRelease(entries).version, 'v1.1.0');
    assert.deepEqual(selectRelease(entries, '1.0.0'), {
      version: 'v1.0.0',
      commit: 'c'.repeat(40),
      image: 'reg.test/web',
      digest: `sha256:${'a'.repeat(64)}`,
    });
    assert.equal(selectRelease(entries, 'v1.3.0').version, 'v1.3.0', 'named explicitly, an override release deploys');
    assert.throws(() => selectRelease(entries, 'v1.2.0'), /no image digest recorded/);
    assert.throws(() => selectRelease(entries, 'v9.0.0'), /There is no release v9\.0\.0/);
  });
});
