// The CI view and status bar in a real VS Code (code-server), against a local GitHub API stub that serves
// GitHub's published OpenAPI examples (stub, not the real GitHub: it cannot be reached from here).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { job, jobLogOf, startGitHubStub, STUB_OWNER, STUB_REPO, workflowRun } from '../../support/githubStub';
import type { GitHubStub } from '../../support/githubStub';
import { useVsixHost } from '../harness/vsixHost';
import { openConveyorContainer, openWorkbench, screenshot, statusBarItem, treeRows, viewPane } from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
const CI_ITEM = 'conveyor-dev.conveyor.conveyor.ci';

describe('CI view and status bar against a GitHub API stub (e2e, stub)', () => {
  let stub: GitHubStub;
  let ws: SampleWorkspace;

  before(async () => {
    ws = sampleWorkspace(
      {
        '.github/workflows/ci.yml':
          'name: CI\non:\n  push:\n  workflow_dispatch:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n',
        'conveyor.yml': ['version: 1', 'ci:', '  github:', `    owner: ${STUB_OWNER}`, `    repo: ${STUB_REPO}`, ''].join('\n'),
      },
      { git: true, name: 'shop' },
    );
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    stub = await startGitHubStub();
    stub.setRuns([
      workflowRun({
        id: 101,
        name: 'CI',
        run_number: 7,
        status: 'completed',
        conclusion: 'failure',
        head_sha: head,
        head_branch: 'main',
        event: 'push',
      }),
      workflowRun({
        id: 100,
        name: 'CI',
        run_number: 6,
        status: 'completed',
        conclusion: 'success',
        head_sha: 'f'.repeat(40),
        head_branch: 'main',
        event: 'push',
      }),
    ]);
    const failing = job({ id: 201, run_id: 101, name: 'test', status: 'completed', conclusion: 'failure' });
    failing.steps = failing.steps.map((step, i, all) => ({
      ...step,
      status: 'completed',
      conclusion: i === all.length - 1 ? 'failure' : 'success',
    }));
    stub.setJobs(101, [failing]);
    stub.setLog(201, jobLogOf(failing));
    stub.setJobs(100, [job({ id: 200, run_id: 100, name: 'test', status: 'completed', conclusion: 'success' })]);
  });
  after(async () => {
    await stub?.stop();
    ws?.remove();
  });
  const host = useVsixHost({ settings: () => ({ 'conveyor.ci.github.apiUrl': stub.url }) });

  it('shows runs and jobs for the branch, a red status bar for HEAD, and opens the failing job’s log with its steps folded', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    const indicator = statusBarItem(page, CI_ITEM);
    await indicator.locator('.codicon-error').waitFor({ timeout: 60_000 });

    await openConveyorContainer(page);
    const ci = await viewPane(page, 'CI');
    await ci.locator('.monaco-list-row', { hasText: 'CI #7' }).waitFor({ timeout: 30_000 });
    const rows = await treeRows(ci);
    assert.ok(
      rows.some((r) => /^GitHub Actions octo-org\/octo-repo · main$/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^CI #7 failed · main · [0-9a-f]{7}/.test(r)),
      rows.join('\n'),
    );
    await screenshot(page, '13-ci-view');

    await ci.locator('.monaco-list-row', { hasText: /^test/ }).first().click();
    const editor = page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: 'Process completed with exit code 1.' }).waitFor({ timeout: 30_000 });
    await page.locator('.tab', { hasText: 'octo-repo-CI-test.log' }).first().waitFor({ timeout: 15_000 });
    await page.locator('.editor-instance .codicon-folding-collapsed').first().waitFor({ state: 'attached', timeout: 15_000 });
    const visible = (await editor.innerText()).replace(/\u00a0/g, ' ');
    assert.doesNotMatch(visible, /output of step 1\n/, 'the passing steps are folded');
    await screenshot(page, '14-ci-job-log');
    assert.ok(
      stub.requests.every((r) => !r.headers.authorization),
      'no token was sent (anonymous, no sign-in here)',
    );
  });
});
