// Hosted boards against local stubs. A Jira Cloud board in the Board view, against a local stub whose answers are checked against Atlassian's
// published OpenAPI (stub, not Jira: it cannot be reached from here). The site is allowed its token, and the token goes in, through the UI.
import * as assert from 'node:assert/strict';
import { startJiraStub, STUB_EMAIL, STUB_PROJECT, STUB_TOKEN } from '../../support/jiraStub';
import type { JiraStub } from '../../support/jiraStub';
import { issue, ISSUES_OWNER, ISSUES_REPO, startGitHubIssuesStub, STUB_LOGIN } from '../../support/githubIssuesStub';
import type { GitHubIssuesStub } from '../../support/githubIssuesStub';
import { useVsixHost } from '../harness/vsixHost';
import { openConveyorContainer, openWorkbench, runCommand, screenshot, statusBarItem, treeRows, viewPane } from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

describe('a Jira board in the Board view against a Jira API stub (e2e, stub)', () => {
  let stub: JiraStub;
  let ws: SampleWorkspace;

  before(async () => {
    stub = await startJiraStub();
    ws = sampleWorkspace(
      {
        'conveyor.yml': [
          'version: 1',
          'board:',
          '  provider: jira',
          '  jira:',
          `    site: ${stub.url}`,
          `    project: ${STUB_PROJECT}`,
          '',
        ].join('\n'),
      },
      { git: true, name: 'jira-shop' },
    );
  });
  after(async () => {
    await stub?.stop();
    ws?.remove();
  });
  const host = useVsixHost();

  it('asks to sign in, takes the email and API token through input boxes, then lists the issues by status', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const board = await viewPane(page, 'Board');
    const signIn = board.locator('.monaco-list-row', { hasText: 'Sign in to Jira to see this board.' });
    await signIn.waitFor({ timeout: 60_000 });
    await signIn.click();
    // The site comes from conveyor.yml: its API token goes there only once allowed, asked before it is typed.
    const consent = page
      .locator('.monaco-dialog-box')
      .filter({ hasText: 'conveyor.yml (board.jira.site) asks to send your Jira API token to' });
    await consent.waitFor({ timeout: 15_000 });
    await consent.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill(STUB_EMAIL);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input[type="password"]').waitFor({ timeout: 15_000 });
    await page.locator('.quick-input-widget input').fill(STUB_TOKEN);
    await page.keyboard.press('Enter');

    await board.locator('.monaco-list-row', { hasText: 'Checkout shows the total with tax' }).waitFor({ timeout: 30_000 });
    const rows = await treeRows(board);
    assert.ok(
      rows.some((r) => /^To do \d+$/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^SHOP-\d+ Checkout shows the total with tax/.test(r)),
      rows.join('\n'),
    );
    assert.deepEqual(stub.problems, [], 'every request and answer matched the published schema');
    assert.ok(
      stub.requests.some((r) => r.path.startsWith('/rest/api/3/search/jql')),
      'the current search endpoint was used',
    );
    await screenshot(page, '16-jira-board');
  });
});

describe('a GitHub Issues board in the Board view and the kanban against a GitHub API stub (e2e, stub)', () => {
  let stub: GitHubIssuesStub;
  let ws: SampleWorkspace;

  before(async () => {
    stub = await startGitHubIssuesStub({
      issues: [
        issue({ number: 1, title: 'Checkout button', labels: ['enhancement'], assignee: null }),
        issue({ number: 2, title: 'Tax rounding', labels: ['bug', 'in progress'], assignee: STUB_LOGIN }),
        issue({ number: 3, title: '<img src=x onerror=alert(1)>', labels: ['review'], assignee: null }),
      ],
    });
    ws = sampleWorkspace(
      {
        'conveyor.yml': [
          'version: 1',
          'board:',
          '  provider: github',
          '  github:',
          `    owner: ${ISSUES_OWNER}`,
          `    repo: ${ISSUES_REPO}`,
          '',
        ].join('\n'),
      },
      { git: true, name: 'github-shop' },
    );
  });
  after(async () => {
    await stub?.stop();
    ws?.remove();
  });
  // A public repository reads without a sign-in; the API root points at the stub.
  const host = useVsixHost({ settings: () => ({ 'conveyor.ci.github.apiUrl': stub.url }) });

  it("lists the repository's issues by status without a sign-in, and the kanban shows them in their columns as text", async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const board = await viewPane(page, 'Board');
    await board.locator('.monaco-list-row', { hasText: 'Checkout button' }).waitFor({ timeout: 60_000 });
    const rows = await treeRows(board);
    assert.ok(
      rows.some((r) => /^#2 Tax rounding/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /^In progress 1$/.test(r)),
      rows.join('\n'),
    );
    assert.ok(stub.requests.some((r) => r.path.startsWith(`/repos/${ISSUES_OWNER}/${ISSUES_REPO}/issues`)));

    await runCommand(page, 'Conveyor: Open Board as Kanban');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('.column[data-column="in-progress"] .card', { hasText: 'Tax rounding' }).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.column[data-column="in-review"] .card .title').innerText(), '<img src=x onerror=alert(1)>');
    assert.equal(await frame.locator('img').count(), 0, 'the remote title did not become an element');
    await screenshot(page, '22-github-board-kanban');
  });

  it('opens the kanban while the Board view is hidden: it loads the board itself, and says why a refresh failed, keeping the cards', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    // The palette lists an extension's commands once the host has read its contributions; the pipeline item says it has.
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.pipeline').waitFor({ timeout: 60_000 });
    const listed = stub.requests.length;
    await runCommand(page, 'Conveyor: Open Board as Kanban');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('.column[data-column="in-progress"] .card', { hasText: 'Tax rounding' }).waitFor({ timeout: 60_000 });
    assert.ok(stub.requests.length > listed, 'the kanban asked GitHub itself');

    stub.failNext('server-error', 20);
    await runCommand(page, 'Conveyor: Refresh Board');
    const error = frame.locator('.error[role="alert"]');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /GitHub/);
    assert.equal(await frame.locator('.card', { hasText: 'Tax rounding' }).count(), 1, 'the last good cards stay');
    await screenshot(page, '23-github-kanban-refresh-failed');
  });
});
