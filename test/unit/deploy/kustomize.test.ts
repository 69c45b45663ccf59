// Which tool renders a kustomization and how its answers become objects or errors. The tools here are
// small shell scripts standing in for kustomize and kubectl (a stub: the real kubectl kustomize is in
// test/integration/deploy/kustomize.test.ts).
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeployError } from '../../../src/deploy/deployError';
import { kustomizeCommand, renderKustomization } from '../../../src/deploy/kustomize';
import { kindsDefinedBy } from '../../../src/deploy/customResources';
import { resolveDeploySetup } from '../../../src/deploy/environmentDefinition';

describe('deploy: kustomize rendering (unit, stub tools)', () => {
  let tmp: string;
  let bin: string;
  let workspace: string;

  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-kustomize-unit-'));
    bin = path.join(tmp, 'bin');
    workspace = path.join(tmp, 'ws');
    await fs.mkdir(bin);
    await fs.mkdir(path.join(workspace, 'overlays/dev'), { recursive: true });
    await fs.writeFile(path.join(workspace, 'overlays/dev/kustomization.yaml'), 'resources: []\n');
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  async function tool(name: string, script: string): Promise<void> {
    await fs.writeFile(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }

  it('prefers a standalone kustomize, else kubectl kustomize, and finds neither on an empty PATH', async () => {
    assert.equal(await kustomizeCommand('/x', bin), undefined);
    await tool('kubectl', 'exit 0');
    assert.deepEqual(await kustomizeCommand('/x', bin), { command: path.join(bin, 'kubectl'), args: ['kustomize', '/x'] });
    await tool('kustomize', 'exit 0');
    assert.deepEqual(await kustomizeCommand('/x', bin), { command: path.join(bin, 'kustomize'), args: ['build', '/x'] });
    // Not executable: not a candidate.
    await fs.chmod(path.join(bin, 'kustomize'), 0o644);
    assert.equal((await kustomizeCommand('/x', bin))?.args[0], 'kustomize');
  });

  it('parses what the tool prints, in the overlay directory, naming the rendered text after the kustomization', async () => {
    await tool('kubectl', 'printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: from-%s}\\n" "$(basename "$(pwd)")"');
    const documents = await renderKustomization(workspace, 'overlays/dev', { toolsPath: bin });
    assert.deepEqual(
      documents.map((d) => [d.object.kind, d.object.metadata?.name, d.file, d.line]),
      [['ConfigMap', 'from-dev', 'overlays/dev/kustomization.yaml (rendered)', 1]],
    );
  });

  it("turns the tool's failure, a hang and an empty render into deploy errors that say nothing was applied", async () => {
    await tool(
      'kustomize',
      'echo "Usage: kustomize build DIR" >&2; echo "Error: accumulating resources: missing-base: no such file." >&2; exit 1',
    );
    await assert.rejects(renderKustomization(workspace, 'overlays/dev', { toolsPath: bin }), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.equal(error.kind, 'invalid-manifest');
      assert.equal(
        error.message,
        'overlays/dev/kustomization.yaml: kustomize build failed: accumulating resources: missing-base: no such file. Nothing was applied.',
      );
      assert.deepEqual([error.details.file, error.details.line], ['overlays/dev/kustomization.yaml', 1]);
      return true;
    });
    await tool('kustomize', 'sleep 30');
    await assert.rejects(renderKustomization(workspace, 'overlays/dev', { toolsPath: bin, timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof DeployError);
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /^kustomize build overlays\/dev did not finish in 0\.3 s \(a remote base/);
      return true;
    });
    await tool('kustomize', 'exit 0');
    await assert.rejects(renderKustomization(workspace, 'overlays/dev', { toolsPath: bin }), /rendered no Kubernetes objects/);
  });
});

describe('deploy: kinds a deploy defines itself (unit)', () => {
  it('reads group, versions, kind and scope from v1 and v1beta1 CRDs and ignores everything else', () => {
    const defined = kindsDefinedBy([
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.test' },
        spec: { group: 'example.test', scope: 'Namespaced', names: { kind: 'Widget' }, versions: [{ name: 'v1' }, { name: 'v2' }] },
      },
      {
        apiVersion: 'apiextensions.k8s.io/v1beta1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.test' },
        spec: { group: 'example.test', scope: 'Cluster', names: { kind: 'Gadget' }, version: 'v1alpha1' },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'broken' }, spec: {} },
    ] as never);
    assert.deepEqual(defined, [
      { apiVersion: 'example.test/v1', kind: 'Widget', namespaced: true, crd: 'widgets.example.test' },
      { apiVersion: 'example.test/v2', kind: 'Widget', namespaced: true, crd: 'widgets.example.test' },
      { apiVersion: 'example.test/v1alpha1', kind: 'Gadget', namespaced: false, crd: 'gadgets.example.test' },
    ]);
  });
});

describe('deploy: a kustomize environment in the Environments view (unit)', () => {
  it("lists the overlay's objects, not its kustomization.yaml", async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-kustomize-setup-'));
    try {
      await fs.mkdir(path.join(folder, 'overlays/prod'), { recursive: true });
      await fs.writeFile(
        path.join(folder, 'overlays/prod/kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [service.yaml]\n',
      );
      await fs.writeFile(path.join(folder, 'overlays/prod/service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n');
      const setup = await resolveDeploySetup(folder, { environments: { production: { kustomize: 'overlays/prod' } } });
      assert.deepEqual(
        setup.environments.map((e) => [e.name, e.kustomize, e.manifests]),
        [['production', 'overlays/prod', undefined]],
      );
      assert.deepEqual(setup.manifests, [{ file: 'overlays/prod/service.yaml', kind: 'Service', name: 'web' }]);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
