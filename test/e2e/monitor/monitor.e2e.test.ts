// Operate & monitor in the real workbench: a real @sentry/node app sends its errors to the extension's local
// receiver and they show in the Errors view, as a CodeLens and a hover on the line that threw; uptime checks
// probe real HTTP servers on 127.0.0.1 and the dashboard draws their latency with uPlot.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { useVsixHost } from '../harness/vsixHost';
import { freePort } from '../../../scripts/docker/background';
import {
  localReceiverDsn,
  notification,
  onlyViewPane,
  openConveyorContainer,
  openFileAt,
  openWorkbench,
  runCommand,
  screenshot,
  statusBarItem,
  treeRows,
  viewPane,
} from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const REPO = path.resolve(__dirname, '..', '..', '..');
const APP = readFileSync(path.join(REPO, 'test', 'fixtures', 'sentry-app', 'app.js'), 'utf8');

describe('errors next to the code and uptime checks, in code-server (e2e)', () => {
  let ws: SampleWorkspace;
  let healthy: http.Server;
  let closedPort: number;

  before(async () => {
    // The shop's health endpoint, and its stats endpoint for a goal read from JSON.
    healthy = http.createServer((req, res) =>
      req.url === '/stats'
        ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ users: { total: 128 } }))
        : res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
    );
    await new Promise<void>((resolve) => healthy.listen(0, '127.0.0.1', resolve));
    closedPort = await freePort();
    const receiverPort = await freePort();
    const config = [
      'version: 1',
      'sentry:',
      `  receiverPort: ${receiverPort}`,
      'uptime:',
      '  - name: shop-health',
      `    url: http://127.0.0.1:${(healthy.address() as AddressInfo).port}/health`,
      '    interval: 5',
      '  - name: payments',
      `    url: http://127.0.0.1:${closedPort}/`,
      '    interval: 5',
      'goals:',
      '  - name: Signups',
      '    source: http-json',
      `    url: http://127.0.0.1:${(healthy.address() as AddressInfo).port}/stats`,
      '    valuePath: users.total',
      '    target: 100',
      '',
    ].join('\n');
    const board = 'items:\n  - key: SHOP-1\n    title: Checkout\n    status: in-progress\n';
    ws = sampleWorkspace({ 'conveyor.yml': config, 'app.js': APP, '.conveyor/board.yml': board }, { git: true, name: 'monitored-shop' });
  });
  after(async () => {
    await new Promise<void>((resolve) => healthy?.close(() => resolve()));
    ws?.remove();
  });
  const host = useVsixHost();

  it("shows a real Sentry SDK app's errors in the Errors view, as a CodeLens and a hover on the line that threw", async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const errors = await viewPane(page, 'Errors');
    // conveyor.yml sets a receiver port, so the receiver starts by itself; its row shows the DSN.
    const dsn = await localReceiverDsn(errors);

    await promisify(execFile)(process.execPath, ['app.js'], {
      cwd: ws.dir,
      env: { ...process.env, SENTRY_DSN: dsn, NODE_PATH: path.join(REPO, 'node_modules') },
      timeout: 30_000,
    });

    await errors.locator('.monaco-list-row', { hasText: 'has no customer' }).first().waitFor({ timeout: 30_000 });
    const rows = await treeRows(errors);
    assert.ok(
      rows.some((r) => /TypeError: order <n> has no customer|TypeError: order \d+ has no customer/.test(r) && /3 events/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /RangeError: amount/.test(r) && /1 event/.test(r)),
      rows.join('\n'),
    );
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.errors')
      .filter({ hasText: 'new in sentry-app@1.0.0' })
      .waitFor({ timeout: 15_000 });

    const line = APP.split('\n').findIndex((l) => l.includes('THROWS: parseOrder')) + 1;
    await openFileAt(page, 'app.js', line);
    const lens = page.locator('.contentWidgets .codelens-decoration, .codelens-decoration').filter({ hasText: 'TypeError × 3' });
    await lens.first().waitFor({ timeout: 30_000 });
    assert.match(await lens.first().innerText(), /TypeError × 3 · 3 users · last .* · first in sentry-app@1\.0\.0/);

    await runCommand(page, 'Show or Focus Hover');
    // The hover holds the diagnostic and Conveyor's own part with the stack.
    const hover = page
      .locator('.monaco-hover-content')
      .filter({ hasText: 'at parseOrder' })
      .filter({ hasText: 'LOCAL-1' })
      .filter({ hasText: 'Show Stack Trace' });
    await hover.first().waitFor({ timeout: 15_000 });
    const hoverText = await hover.first().innerText();
    // Markdown rendering puts its own spacing characters around the separators.
    assert.match(hoverText, /3\s+events\W+3\s+users/);
    assert.match(hoverText, /at parseOrder/);
    await screenshot(page, '18-errors-codelens-hover');

    // The diagnostic is in Problems too, at the line of the throw.
    await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const problems = page.locator('.markers-panel .monaco-list-row', { hasText: 'has no customer' });
    await problems.first().waitFor({ timeout: 15_000 });
    assert.match(await problems.first().innerText(), new RegExp(`Ln ${line}`));
  });

  it('turns an error into a work item on the local board; the error row names it and the Trace view joins them', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const errors = await viewPane(page, 'Errors');
    await errors.locator('.monaco-list-row', { hasText: 'has no customer' }).first().waitFor({ timeout: 60_000 });

    await runCommand(page, 'Conveyor: Create Work Item from Error');
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'has no customer' }).first();
    await pick.waitFor({ timeout: 15_000 });
    await pick.click();
    // The item lands on the board; the notification that says so waits in the notification center.
    const board = await viewPane(page, 'Board');
    await board.locator('.monaco-list-row', { hasText: 'SHOP-2' }).first().waitFor({ timeout: 30_000 });
    await notification(page, /Created SHOP-2 from LOCAL-\d+/);

    // The item is in the board file with the stack's in-app frame, and the error row names it.
    const line = APP.split('\n').findIndex((l) => l.includes('THROWS: parseOrder')) + 1;
    const boardFile = readFileSync(path.join(ws.dir, '.conveyor', 'board.yml'), 'utf8');
    assert.match(boardFile, /key: SHOP-2\n\s+title: "?TypeError: order (<n>|\d+) has no customer/);
    assert.match(boardFile, new RegExp(`app\\.js:${line}`));
    const linked = await onlyViewPane(page, 'Errors');
    await linked.locator('.monaco-list-row', { hasText: '→ SHOP-2' }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, '27-error-to-board-item');

    // The item's trace shows the error it was made from.
    await runCommand(page, 'Conveyor: Trace…');
    const input = page.locator('.quick-input-widget input');
    await input.fill('SHOP-2');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Trace “SHOP-2”' }).first().click();
    const trace = await onlyViewPane(page, 'Trace');
    await trace.locator('.monaco-list-row', { hasText: 'Work item SHOP-2' }).waitFor({ timeout: 30_000 });
    await trace
      .locator('.monaco-list-row', { hasText: /LOCAL-\d+ TypeError: order/ })
      .first()
      .waitFor({ timeout: 30_000 });
    const rows = await treeRows(trace);
    assert.ok(
      rows.some((r) => /^SHOP-2 TypeError: order .* has no customer/.test(r) && /todo|To do/i.test(r)),
      rows.join('\n'),
    );
    await screenshot(page, '28-trace-of-an-item');
  });

  it('probes the uptime checks, says which is down and why, and charts them on the dashboard', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const uptime = await viewPane(page, 'Uptime');
    await uptime
      .locator('.monaco-list-row', { hasText: 'shop-health' })
      .filter({ hasText: /up · 100\.0%/ })
      .waitFor({ timeout: 60_000 });
    await uptime
      .locator('.monaco-list-row', { hasText: 'payments' })
      .filter({ hasText: 'down · connection refused' })
      .waitFor({ timeout: 60_000 });
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.uptime').filter({ hasText: '1 down' }).waitFor({ timeout: 15_000 });

    await runCommand(page, 'Conveyor: Open Monitoring Dashboard');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const card = frame.locator('.card[data-check="shop-health"]');
    await card.locator('canvas').first().waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.card[data-check="payments"] .reason').innerText(), 'connection refused');
    assert.match(await card.locator('.facts').innerText(), /100\.0%/);
    // Measure the goal from its card: the value read from the JSON endpoint, met against its target.
    await frame.locator('.card[data-goal="Signups"] .action').click();
    await frame.locator('.card[data-goal="Signups"] .value', { hasText: '128' }).waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('.card[data-goal="Signups"] .target').innerText(), /target ≥ 100 · met/);
    await screenshot(page, '19-monitor-dashboard');
  });
});
