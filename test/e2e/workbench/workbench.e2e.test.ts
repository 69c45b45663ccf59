// The packaged .vsix installed into a real VS Code (code-server), seen and driven through Chromium.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser } from '../../../scripts/vscode-host/browser';
import type { Browser } from '../../../scripts/vscode-host/browser';
import { installExtension, startCodeServer } from '../../../scripts/vscode-host/codeServer';
import type { CodeServer } from '../../../scripts/vscode-host/codeServer';
import {
  notification,
  openConveyorContainer,
  openWorkbench,
  openWorkspaceWindow,
  runCommand,
  screenshot,
  screenshotOnFailure,
  statusBarItem,
  treeRows,
  viewPane,
} from '../harness/workbench';
import { NODE_SERVICE_FILES, sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { version } from '../../../package.json';

const VSIX = path.resolve(__dirname, '..', '..', '..', `conveyor-${version}.vsix`);
const PIPELINE_ITEM = 'conveyor-dev.conveyor.conveyor.pipeline';
const VIEWS = ['Board', 'Pipeline', 'Ship', 'CI', 'Releases', 'Environments', 'Errors', 'Uptime', 'Goals', 'Trace'];
const WELCOME: Record<string, RegExp> = {
  Board: /Create a local board/,
  Pipeline: /Detect Pipeline/,
  Ship: /Ship takes a change that passes the pipeline all the way/,
  CI: /GitHub Actions runs and Jenkins builds/,
  Releases: /tie a version to its git tag/,
  Environments: /Kubernetes environments/,
  Errors: /local Sentry-compatible receiver/,
  Uptime: /HTTP checks run by the editor/,
  Goals: /Measure success/,
  Trace: /Follow one change through the loop/,
};
const CONFIG = [
  'version: 1',
  'uptime:',
  '  - { name: home page, url: "http://127.0.0.1:8080/", interval: 30 }',
  'goals:',
  '  - { name: page speed, source: lighthouse, url: "http://127.0.0.1:8080/", metric: performance, target: 90 }',
  '',
].join('\n');

describe('Conveyor .vsix in VS Code, driven through Chromium (e2e)', () => {
  let extensionsDir: string;
  let server: CodeServer;
  let browser: Browser;
  const workspaces: SampleWorkspace[] = [];

  before(async () => {
    assert.ok(existsSync(VSIX), `${VSIX} exists (npm run package)`);
    extensionsDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ext-'));
    await installExtension(VSIX, extensionsDir);
    server = await startCodeServer({ extensionsDir });
    browser = await launchBrowser();
  });

  afterEach(async function () {
    await screenshotOnFailure(browser?.page, this.currentTest);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    workspaces.forEach((w) => w.remove());
    rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('activates on a workspace with conveyor.yml and shows the loop: views, stages, status bar, palette', async () => {
    const ws = sampleWorkspace(
      { ...NODE_SERVICE_FILES, 'conveyor.yml': CONFIG, '.github/workflows/ci.yml': 'on: push\njobs: {}\n' },
      { git: true, name: 'demo-service' },
    );
    workspaces.push(ws);
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));

    const indicator = statusBarItem(page, PIPELINE_ITEM);
    await indicator.filter({ hasText: 'lint' }).waitFor({ timeout: 60_000 });
    assert.match((await indicator.innerText()).replace(/\s+/g, ' '), /lint build security test test:e2e/);
    assert.equal(await indicator.locator('.codicon-circle-large-outline').count(), 5);

    await openConveyorContainer(page);
    const titles = (await page.locator('.part.sidebar .pane-header h3.title').allInnerTexts()).map((t) => t.trim().toLowerCase());
    assert.deepEqual(
      titles,
      VIEWS.map((v) => v.toLowerCase()),
    );

    const pipeline = await viewPane(page, 'Pipeline');
    await pipeline.locator('.monaco-list-row', { hasText: 'security' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(
      (await treeRows(pipeline)).map((r) => r.split(' ')[0]),
      ['lint', 'build', 'security', 'test', 'test:e2e'],
    );
    const ciPane = await viewPane(page, 'CI');
    await ciPane.locator('.monaco-list-row', { hasText: 'ci.yml' }).waitFor({ timeout: 30_000 });
    const ciRows = await treeRows(ciPane);
    assert.equal(ciRows[0], 'GitHub Actions');
    assert.ok(ciRows.includes('ci.yml workflow file'), ciRows.join('\n'));
    assert.ok(
      ciRows.some((r) => r.startsWith('No GitHub repository')),
      'says why no runs are shown',
    );
    assert.match((await treeRows(await viewPane(page, 'Releases')))[0] ?? '', /127\.0\.0\.1:5000\/demo-service/);
    // Probed a few seconds after start (nothing listens on 8080 here, so it may already say down).
    const uptimeRows = await treeRows(await viewPane(page, 'Uptime'));
    assert.equal(uptimeRows.length, 1);
    assert.match(uptimeRows[0], /^home page (not probed yet|down · connection refused)$/);

    const board = await viewPane(page, 'Board');
    await board.getByRole('button', { name: 'Create a local board' }).click();
    await board.locator('.monaco-list-row', { hasText: 'CNV-1' }).waitFor({ timeout: 30_000 });
    assert.match(readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8'), /key: CNV-2/);
    await screenshot(page, '01-workspace-views');

    await runCommand(page, 'Conveyor: Show Workspace Status');
    const editor = page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: 'Build & Test' }).waitFor({ timeout: 30_000 });
    assert.match((await editor.innerText()).replace(/\u00a0/g, ' '), /Plan: local board \(\.conveyor\/board\.yml, 2 items\)/);
    await screenshot(page, '02-status-from-palette');
  });

  it('runs the pipeline from the palette: red with the lint error in Problems, fixed, re-run, green', async () => {
    const eslint = path.resolve(__dirname, '..', '..', '..', 'node_modules', 'eslint', 'bin', 'eslint.js');
    const ws = sampleWorkspace(
      {
        'package.json': JSON.stringify(
          { name: 'belt', scripts: { lint: `node ${eslint} src`, test: 'node -e "console.log(\\"1 passing\\")"' } },
          null,
          2,
        ),
        'eslint.config.js': "module.exports = [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error' } }];\n",
        'src/app.js': 'const port = 8080;\nconst unused = 1;\nconsole.log(port);\n',
        'conveyor.yml': 'version: 1\n',
      },
      { git: true, name: 'belt' },
    );
    workspaces.push(ws);
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    const indicator = statusBarItem(page, PIPELINE_ITEM);
    await indicator.filter({ hasText: 'lint' }).waitFor({ timeout: 60_000 });

    await runCommand(page, 'Conveyor: Run Pipeline');
    await indicator.locator('.codicon-error').waitFor({ timeout: 60_000 });
    // The failed stage turns red first; the stages after it are marked skipped when the run ends.
    await indicator
      .locator('.codicon-circle-slash')
      .nth(1)
      .waitFor({ timeout: 30_000 })
      .catch(() => undefined);
    assert.match((await indicator.innerText()).replace(/\s+/g, ' '), /lint security test/);
    assert.equal(await indicator.locator('.codicon-circle-slash').count(), 2, 'security and test did not run');
    await runCommand(page, 'View: Focus Problems');
    const problems = page.locator('.markers-panel .monaco-list-row');
    await problems.filter({ hasText: "'unused' is assigned a value but never used" }).waitFor({ timeout: 30_000 });
    const problemText = (await problems.allInnerTexts()).join(' ').replace(/\s+/g, ' ');
    assert.match(problemText, /\[Ln 2, Col 7\]/);
    await screenshot(page, '07-pipeline-red');

    writeFileSync(path.join(ws.dir, 'src', 'app.js'), 'const port = 8080;\nconsole.log(port);\n');
    await runCommand(page, 'Conveyor: Run Pipeline');
    await indicator.locator('.codicon-check').nth(2).waitFor({ timeout: 60_000 });
    assert.equal(await indicator.locator('.codicon-error').count(), 0);
    await problems.filter({ hasText: "'unused' is assigned" }).waitFor({ state: 'detached', timeout: 30_000 });
    await openConveyorContainer(page);
    const pipeline = await viewPane(page, 'Pipeline');
    await pipeline.locator('.monaco-list-row', { hasText: 'History' }).waitFor({ timeout: 30_000 });
    const rows = await treeRows(pipeline);
    assert.match(rows.find((r) => r.startsWith('lint')) ?? '', /^lint \d/);
    await screenshot(page, '08-pipeline-green');
  });

  it('starts work on a board item from the palette: branch from main, item in progress, shown in the status bar; remote text stays text', async () => {
    const board = [
      'items:',
      '  - key: SHOP-1',
      '    title: Add the pay button',
      '    status: todo',
      '  - key: SHOP-2',
      '    title: "<img src=x onerror=alert(1)>"',
      '    status: todo',
      '',
    ].join('\n');
    const ws = sampleWorkspace({ '.conveyor/board.yml': board, 'conveyor.yml': 'version: 1\n' }, { git: true, name: 'board-shop' });
    workspaces.push(ws);
    execFileSync('git', ['config', 'user.name', 'Board Tester'], { cwd: ws.dir });
    execFileSync('git', ['config', 'user.email', 'board@conveyor.invalid'], { cwd: ws.dir });
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const boardPane = await viewPane(page, 'Board');
    await boardPane.locator('.monaco-list-row', { hasText: 'SHOP-2' }).waitFor({ timeout: 30_000 });
    assert.ok((await treeRows(boardPane)).includes('SHOP-2 <img src=x onerror=alert(1)>'), 'the title is shown as text');
    assert.equal(await boardPane.locator('img').count(), 0, 'no element was created from the title');

    await runCommand(page, 'Conveyor: Start Work on Item');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'SHOP-1' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.type('SHOP-1');
    await page.keyboard.press('Enter');
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.activeItem').filter({ hasText: 'SHOP-1' }).waitFor({ timeout: 30_000 });
    assert.equal(
      execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim(),
      'feat/SHOP-1-add-the-pay-button',
    );
    assert.match(
      readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8'),
      /key: SHOP-1\n {4}title: Add the pay button\n {4}status: in-progress/,
    );
    await boardPane.locator('.monaco-list-row', { hasText: 'working on it' }).waitFor({ timeout: 15_000 });
    await boardPane.locator('.monaco-list-row', { hasText: '⎇ feat/SHOP-1-add-the-pay-button' }).waitFor({ timeout: 15_000 });
    await screenshot(page, '15-board-start-work');
  });

  it('starts work in a new worktree from conveyor.yml: the dirty checkout stays, the branch follows the template, the worktree opens in a new window', async () => {
    const board = ['items:', '  - key: WT-7', '    title: "Fix: the cart\'s total?"', '    status: todo', ''].join('\n');
    const config = [
      'version: 1',
      'board:',
      '  onStartWork: in-review',
      'code:',
      '  startWork:',
      '    worktree: true',
      '    branch: "{key}/{slug}"',
      '',
    ].join('\n');
    const ws = sampleWorkspace(
      { '.conveyor/board.yml': board, 'conveyor.yml': config, 'notes.txt': 'draft\n' },
      { git: true, name: 'worktree-shop' },
    );
    workspaces.push(ws);
    writeFileSync(path.join(ws.dir, 'notes.txt'), 'uncommitted edit\n');
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const boardPane = await viewPane(page, 'Board');
    await boardPane.locator('.monaco-list-row', { hasText: 'WT-7' }).waitFor({ timeout: 30_000 });

    const newWindow = browser.context.waitForEvent('page', { timeout: 60_000 });
    await runCommand(page, 'Conveyor: Start Work on Item');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'WT-7' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.type('WT-7');
    await page.keyboard.press('Enter');
    const opened = await newWindow;
    const worktree = path.join(`${ws.dir}.worktrees`, 'WT-7-fix-the-cart-s-total');
    await opened.waitForURL((url) => decodeURIComponent(url.search).includes(worktree), { timeout: 30_000 });
    const worktrees = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: ws.dir, encoding: 'utf8' });
    assert.match(
      worktrees,
      new RegExp(
        `worktree ${worktree.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nHEAD [0-9a-f]+\nbranch refs/heads/WT-7/fix-the-cart-s-total`,
      ),
    );
    assert.equal(
      execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim(),
      'main',
      'this checkout stays on main',
    );
    assert.equal(readFileSync(path.join(ws.dir, 'notes.txt'), 'utf8'), 'uncommitted edit\n', 'the uncommitted edit is untouched');
    // The new window shows the worktree's files and the item as its active one.
    await opened.locator('.explorer-folders-view .monaco-list-row', { hasText: 'conveyor.yml' }).waitFor({ timeout: 90_000 });
    await statusBarItem(opened, 'conveyor-dev.conveyor.conveyor.activeItem').filter({ hasText: 'WT-7' }).waitFor({ timeout: 60_000 });
    // The item moves in the worktree's board file; this checkout's stays as it was.
    assert.match(readFileSync(path.join(worktree, '.conveyor', 'board.yml'), 'utf8'), /key: WT-7\n(?: {4}.*\n)*? {4}status: in-review/);
    assert.equal(readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8'), board);
    await screenshot(opened, '32-start-work-worktree-window');
    await opened.close();
  });

  it('shows the board as a kanban: dragging a card moves the item in the board file; titles stay text', async () => {
    const board = [
      'items:',
      '  - key: KAN-1',
      '    title: Drag me',
      '    status: todo',
      '  - key: KAN-2',
      '    title: "<img src=x onerror=alert(1)>"',
      '    status: in-progress',
      '',
    ].join('\n');
    const ws = sampleWorkspace({ '.conveyor/board.yml': board, 'conveyor.yml': 'version: 1\n' }, { git: true, name: 'kanban-shop' });
    workspaces.push(ws);
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    await statusBarItem(page, PIPELINE_ITEM).waitFor({ timeout: 60_000 });
    await runCommand(page, 'Conveyor: Open Board as Kanban');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const card = frame.locator('.card', { hasText: 'Drag me' });
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.column[data-column="in-progress"] .card .title').innerText(), '<img src=x onerror=alert(1)>');
    assert.equal(await frame.locator('img').count(), 0, 'the title did not become an element');
    await card.dragTo(frame.locator('.column[data-column="in-review"]'));
    await frame.locator('.column[data-column="in-review"] .card', { hasText: 'Drag me' }).waitFor({ timeout: 15_000 });
    const deadline = Date.now() + 15_000;
    while (
      !/key: KAN-1\n {4}title: Drag me\n {4}status: in-review/.test(readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8'))
    ) {
      assert.ok(Date.now() < deadline, 'the board file was updated by the drag');
      await new Promise((r) => setTimeout(r, 200));
    }
    // Native look: vscode-elements render (a counter badge per column) and the codicon font is loaded under the CSP.
    assert.equal(await frame.locator('.column[data-column="in-review"] vscode-badge').innerText(), '1');
    const codiconLoaded = `document.fonts.ready.then(() => [...document.fonts].some((f) => f.family.replaceAll('"', '') === 'codicon' && f.status === 'loaded'))`;
    assert.equal(await frame.locator('body').evaluate(codiconLoaded), true, 'codicon font loaded');
    // Create from the column's text field: the item lands in that column of the board file.
    const newItem = frame.locator('.column[data-column="in-progress"] vscode-textfield input');
    await newItem.fill('Made on the kanban');
    await newItem.press('Enter');
    await frame.locator('.column[data-column="in-progress"] .card', { hasText: 'Made on the kanban' }).waitFor({ timeout: 15_000 });
    assert.match(readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8'), /title: Made on the kanban\n {4}status: in-progress/);
    await screenshot(page, '17-kanban');
  });

  it("shows every view's welcome text, and says so, in a folder with nothing to detect and no git", async () => {
    const ws = sampleWorkspace({}, { name: 'empty-folder' });
    workspaces.push(ws);
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    for (const view of VIEWS) {
      const pane = await viewPane(page, view);
      await pane.locator('.welcome-view-content').filter({ hasText: WELCOME[view] }).waitFor({ state: 'attached', timeout: 30_000 });
    }
    const pipeline = await viewPane(page, 'Pipeline');
    await pipeline
      .locator('.welcome-view-content', { hasText: 'A folder has no git repository' })
      .waitFor({ state: 'attached', timeout: 15_000 });
    assert.match(await statusBarItem(page, PIPELINE_ITEM).innerText(), /no pipeline/);
    await screenshot(page, '03-empty-folder-welcome');
  });

  it('offers to open a folder when the window has none', async () => {
    const page = await browser.freshPage();
    await openWorkbench(page, server.url());
    await openConveyorContainer(page);
    for (const view of ['Board', 'Pipeline', 'Goals']) {
      const pane = await viewPane(page, view);
      await pane.getByRole('button', { name: 'Open Folder' }).waitFor({ state: 'attached', timeout: 30_000 });
    }
    await screenshot(page, '04-no-folder');
  });

  it('groups rows by folder in a multi-root workspace', async () => {
    const alpha = sampleWorkspace(
      { 'package.json': '{"scripts":{"build":"tsc"}}', 'conveyor.yml': 'version: 1\n' },
      { git: true, name: 'alpha' },
    );
    const beta = sampleWorkspace({ Makefile: 'test:\n\t./run\n' }, { git: true, name: 'beta' });
    workspaces.push(alpha, beta);
    const file = path.join(path.dirname(alpha.dir), 'two.code-workspace');
    writeFileSync(file, JSON.stringify({ folders: [{ path: alpha.dir }, { path: beta.dir }] }));
    const page = await browser.freshPage();
    await openWorkspaceWindow(page, server.url({ workspace: file }));
    await openConveyorContainer(page);
    const pipeline = await viewPane(page, 'Pipeline');
    await pipeline.locator('.monaco-list-row', { hasText: 'make test' }).waitFor({ state: 'attached', timeout: 30_000 });
    const rows = (await treeRows(pipeline)).map((r) => r.split(' ')[0]);
    assert.deepEqual(rows, ['alpha', 'build', 'security', 'beta', 'security', 'test']);
    assert.match((await statusBarItem(page, PIPELINE_ITEM).innerText()).replace(/\s+/g, ' '), /alpha: build/);
    await screenshot(page, '05-multi-root');
  });
});

describe('Conveyor in Restricted Mode (e2e)', () => {
  let server: CodeServer;
  let browser: Browser;
  let extensionsDir: string;
  let ws: SampleWorkspace;

  before(async () => {
    extensionsDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ext-'));
    await installExtension(VSIX, extensionsDir);
    server = await startCodeServer({ extensionsDir, restricted: true });
    browser = await launchBrowser();
    ws = sampleWorkspace({ ...NODE_SERVICE_FILES, 'conveyor.yml': 'version: 1\n' }, { git: true, name: 'untrusted' });
  });

  afterEach(async function () {
    await screenshotOnFailure(browser?.page, this.currentTest);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    ws?.remove();
    rmSync(extensionsDir, { recursive: true, force: true });
  });

  it('shows its views and says that nothing runs until the workspace is trusted', async () => {
    const page = await browser.freshPage();
    await openWorkbench(page, server.url({ folder: ws.dir }));
    const indicator = statusBarItem(page, PIPELINE_ITEM);
    await indicator.locator('.codicon-shield').waitFor({ timeout: 60_000 });
    await openConveyorContainer(page);
    const pipeline = await viewPane(page, 'Pipeline');
    await pipeline.locator('.message', { hasText: 'Restricted Mode' }).waitFor({ timeout: 30_000 });
    assert.ok(
      (await treeRows(pipeline)).some((r) => r.startsWith('lint')),
      'stages are still shown',
    );
    await screenshot(page, '06-restricted-mode');

    await runCommand(page, 'Conveyor: Run Pipeline');
    const refusal = await notification(page, 'Restricted Mode: Conveyor runs no pipeline commands');
    assert.equal(await refusal.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).count(), 1);
    assert.equal(await indicator.locator('.codicon-sync, .codicon-check, .codicon-error').count(), 0, 'nothing ran');
    assert.equal(existsSync(path.join(ws.dir, '.git', 'conveyor')), false, 'no run was recorded');
    await screenshot(page, '09-restricted-run-refused');
  });
});
