import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeFolder } from '../../../src/loop/folderStatus';
import { ciExport, JENKINSFILE, VENDORED_CLI, WORKFLOW_FILE } from '../../../src/loop/ciExport';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

/** GitHub's own workflow parser (ESM-only, loaded the way Node loads ESM from CommonJS). */
async function parseWithGitHub(name: string, content: string) {
  const parser = await import('@actions/workflow-parser');
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  const template = parsed.value ? await parser.convertWorkflowTemplate(parsed.context, parsed.value) : undefined;
  return { errors: [...errors, ...(template?.errors ?? []).map((e) => e.Message)], template };
}

const SHIPPING = {
  'package.json': '{\n  "name": "shop",\n  "version": "1.0.0",\n  "scripts": { "test": "node -e 1" }\n}\n',
  Dockerfile: 'FROM scratch\n',
  'k8s/app.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\n',
  'conveyor.yml':
    'image:\n  name: shop\n  registry: ghcr.io/acme\nenvironments:\n  staging: { namespace: shop-staging, manifests: k8s }\n  production: { namespace: shop, manifests: k8s, confirm: true }\n',
};

describe('Export Pipeline to CI: the workflow GitHub parses and the CLI it vendors (integration)', function () {
  this.timeout(60_000);
  const workspace = sampleWorkspaces();

  it("writes a workflow GitHub's parser accepts: pipeline on every push, ship on the default branch", async () => {
    const ws = workspace(SHIPPING, { git: true });
    const exported = ciExport({ status: await describeFolder(ws.dir), defaultBranch: 'main' });
    assert.equal(exported.ships, true);
    const { errors, template } = await parseWithGitHub('conveyor.yml', exported.workflow);
    assert.deepEqual(errors, []);
    const jobs = template?.jobs as unknown as { id: { value: string }; if?: { expr: string }; steps: { run?: { value: string } }[] }[];
    assert.deepEqual(
      jobs.map((j) => j.id.value),
      ['pipeline', 'ship'],
    );
    assert.deepEqual(
      jobs.map((j) => j.if?.expr),
      ["success() && (github.ref != 'refs/heads/main')", "success() && (github.ref == 'refs/heads/main')"],
    );
    assert.equal(jobs[0].steps.at(-1)?.run?.value, `node ${VENDORED_CLI} pipeline run .`);
    assert.equal(jobs[1].steps.at(-1)?.run?.value, `node ${VENDORED_CLI} ship . --push`);
    assert.match(exported.jenkinsfile, /stage\('Ship'\) \{\n\s+when \{ branch 'main' \}/);
  });

  it('without delivery only runs the pipeline, and a bad workflow is caught by the same parser', async () => {
    const ws = workspace({ 'package.json': '{"name":"lib","version":"1.0.0","scripts":{"test":"node -e 1"}}\n' }, { git: true });
    const exported = ciExport({ status: await describeFolder(ws.dir), defaultBranch: 'main' });
    assert.equal(exported.ships, false);
    const ok = await parseWithGitHub('conveyor.yml', exported.workflow);
    assert.deepEqual(ok.errors, []);
    assert.equal((ok.template?.jobs as unknown[]).length, 1);
    const broken = await parseWithGitHub('broken.yml', exported.workflow.replace('runs-on:', 'runs-onn:'));
    assert.ok(broken.errors.length > 0, 'the parser rejects an unknown key');
  });

  it('conveyor ci export writes the files, keeps existing ones without --force, and the vendored CLI runs the pipeline', () => {
    const ws = workspace(SHIPPING, { git: true });
    const first = spawnSync(process.execPath, [CLI, 'ci', 'export', ws.dir], { encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(
      first.stdout,
      `wrote ${WORKFLOW_FILE}\nwrote ${JENKINSFILE}\nwrote ${VENDORED_CLI}\nPushes run the pipeline; pushes to main ship.\n`,
    );
    const workflow = path.join(ws.dir, WORKFLOW_FILE);
    assert.ok(existsSync(workflow));
    ws.write(WORKFLOW_FILE, '# mine\n');
    const again = spawnSync(process.execPath, [CLI, 'ci', 'export', ws.dir], { encoding: 'utf8' });
    assert.match(again.stdout, /kept \.github\/workflows\/conveyor\.yml \(it exists: --force to replace it\)/);
    assert.equal(readFileSync(workflow, 'utf8'), '# mine\n');
    // What CI runs: the committed CLI, on a machine with nothing but Node.
    const run = spawnSync(process.execPath, [path.join(ws.dir, VENDORED_CLI), 'pipeline', 'run', '.'], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✓ test passed/);
  });
});
