import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describeFolder } from '../../../src/loop/folderStatus';
import { loadConfig } from '../../../src/core/config/loadConfig';
import { configFromDetection } from '../../../src/loop/configFromDetection';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { createLocalBoard } from '../../../src/plan/localBoard';
import { readTextIfExists } from '../../../src/core/fsUtil';
import { NODE_SERVICE_FILES, sampleWorkspaces } from '../../support/sampleWorkspace';

describe('workspace detection on real folders (integration)', () => {
  const workspace = sampleWorkspaces();

  it('describes an npm service in a git repository: stages, image, manifests, Sentry SDK, branch and HEAD', async () => {
    const ws = workspace(NODE_SERVICE_FILES, { git: true, name: 'demo-service' });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    const status = await describeFolder(ws.dir);
    assert.deepEqual(status.git, {
      isRepository: true,
      root: ws.dir,
      gitDir: path.join(ws.dir, '.git'),
      branch: 'main',
      head,
      originUrl: undefined,
    });
    assert.equal(status.config.found, false);
    assert.equal(status.pipeline.source, 'detected');
    assert.deepEqual(
      status.pipeline.stages.map((s) => s.name),
      ['lint', 'build', 'test', 'test:e2e'],
    );
    assert.deepEqual(status.image && [status.image.name, status.image.registry, status.image.source], [
      'demo-service',
      '127.0.0.1:5000',
      'detected',
    ]);
    assert.deepEqual(
      status.deploy.environments.map((e) => [e.name, e.manifests]),
      [['default', 'k8s']],
    );
    assert.deepEqual(
      status.deploy.manifests.map((m) => `${m.kind}/${m.name}`),
      ['Deployment/demo-service', 'Service/demo-service'],
    );
    assert.deepEqual(status.monitor.sentrySdks, ['@sentry/node']);
    assert.equal(status.board.exists, false);
  });

  it('follows a branch switch and a detached HEAD made by the real git', async () => {
    const ws = workspace({ 'README.md': 'x' }, { git: true });
    execFileSync('git', ['checkout', '-q', '-b', 'feat/CNV-7-login'], { cwd: ws.dir });
    assert.equal((await describeFolder(ws.dir)).git.branch, 'feat/CNV-7-login');
    execFileSync('git', ['checkout', '-q', '--detach'], { cwd: ws.dir });
    const detached = (await describeFolder(ws.dir)).git;
    assert.equal(detached.branch, undefined);
    assert.match(detached.head ?? '', /^[0-9a-f]{40}$/);
    execFileSync('git', ['pack-refs', '--all'], { cwd: ws.dir });
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: ws.dir });
    assert.match((await describeFolder(ws.dir)).git.head ?? '', /^[0-9a-f]{40}$/, 'HEAD resolved from packed-refs');
  });

  it('finds the repository of a folder nested inside it, and of a git worktree', async () => {
    const ws = workspace({ 'services/api/Makefile': 'build:\n\tgo build\ntest:\n\tgo test\n' }, { git: true });
    const nested = await describeFolder(path.join(ws.dir, 'services', 'api'));
    assert.equal(nested.git.root, ws.dir);
    assert.deepEqual(
      nested.pipeline.stages.map((s) => s.run),
      ['make build', 'make test'],
    );
    const worktree = path.join(path.dirname(ws.dir), 'wt');
    execFileSync('git', ['worktree', 'add', '-q', '-b', 'hotfix', worktree], { cwd: ws.dir });
    const status = await describeFolder(worktree);
    assert.equal(status.git.branch, 'hotfix');
    assert.match(status.git.head ?? '', /^[0-9a-f]{40}$/);
  });

  it('says a folder without git is not a repository and still detects stages', async () => {
    const ws = workspace({ 'go.mod': 'module example.test/x\n', 'pyproject.toml': '[tool.ruff]\n[tool.pytest.ini_options]\n' });
    const status = await describeFolder(ws.dir);
    assert.equal(status.git.isRepository, false);
    assert.deepEqual(
      status.pipeline.stages.map((s) => `${s.name}:${s.run}`),
      ['vet:go vet ./...', 'build:go build ./...', 'test:go test ./...', 'lint:ruff check .'],
    );
  });

  it('prefers conveyor.yml stages and reads environments, image and checks from it', async () => {
    const ws = workspace({
      ...NODE_SERVICE_FILES,
      'conveyor.yml': [
        'pipeline:',
        '  security: false',
        '  stages:',
        '    - { name: verify, run: make verify, timeout: 2m, env: { CI: true } }',
        'image: { name: shop/web, registry: ghcr.io/acme }',
        'environments:',
        '  production: { namespace: web, manifests: k8s }',
        'uptime: [{ name: home, url: "http://127.0.0.1:8080/" }]',
      ].join('\n'),
    });
    const status = await describeFolder(ws.dir);
    assert.deepEqual(status.config.problems, []);
    assert.equal(status.pipeline.source, 'conveyor.yml');
    assert.deepEqual(status.pipeline.stages, [
      {
        name: 'verify',
        run: 'make verify',
        cwd: undefined,
        env: { CI: 'true' },
        timeoutSeconds: 120,
        problemMatcher: undefined,
        junit: undefined,
        tap: undefined,
        source: 'conveyor.yml',
      },
    ]);
    assert.equal(status.pipeline.security, false);
    assert.equal(status.image?.registry, 'ghcr.io/acme');
    assert.deepEqual(
      status.deploy.environments.map((e) => [e.name, e.confirm]),
      [['production', true]],
    );
    assert.equal(status.deploy.manifests.length, 2);
    assert.equal(status.monitor.uptimeChecks[0]?.name, 'home');
  });

  it('loads a broken conveyor.yml from disk: problems located, the valid rest used, detection as fallback', async () => {
    const ws = workspace({ ...NODE_SERVICE_FILES, 'conveyor.yml': 'pipeline:\n  stages:\n    - name: only-name\nimage:\n  name: UPPER\n' });
    const loaded = await loadConfig(ws.dir);
    assert.equal(loaded.found, true);
    assert.deepEqual(
      loaded.problems.map((p) => p.range.start.line),
      [2, 4],
    );
    const status = await describeFolder(ws.dir);
    assert.equal(status.pipeline.source, 'detected', 'no valid stage left, so detection is used');
    assert.equal(status.image?.source, 'detected');
  });

  it('uses unsaved editor text for conveyor.yml instead of the file when given', async () => {
    const ws = workspace({ 'conveyor.yml': 'pipeline: { stages: [{ name: a, run: "true" }] }\n' });
    const status = await describeFolder(ws.dir, 'pipeline: { stages: [{ name: b, run: "true" }] }\n');
    assert.deepEqual(
      status.pipeline.stages.map((s) => s.name),
      ['b'],
    );
  });

  it('writes detection as a conveyor.yml that validates and reproduces the same stages', async () => {
    const ws = workspace(NODE_SERVICE_FILES, { git: true });
    const before = await describeFolder(ws.dir);
    const text = configFromDetection(before);
    assert.deepEqual(parseConfig(text).problems, []);
    ws.write('conveyor.yml', text);
    const after = await describeFolder(ws.dir);
    assert.equal(after.pipeline.source, 'conveyor.yml');
    assert.deepEqual(
      after.pipeline.stages.map((s) => s.run),
      before.pipeline.stages.map((s) => s.run),
    );
    assert.equal(after.image?.name, before.image?.name);
  });

  it('creates the local board once and never overwrites an existing one', async () => {
    const ws = workspace({}, { git: true });
    const first = await createLocalBoard(ws.dir);
    assert.equal(first.created, true);
    const status = await describeFolder(ws.dir);
    assert.deepEqual(
      status.board.items.map((i) => i.key),
      ['CNV-1', 'CNV-2'],
    );
    ws.write('.conveyor/board.yml', 'items: []\n# mine\n');
    const second = await createLocalBoard(ws.dir);
    assert.equal(second.created, false);
    assert.equal(await readTextIfExists(first.path), 'items: []\n# mine\n');
  });
});
