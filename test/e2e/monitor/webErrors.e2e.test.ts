// A web front end's error in the real workbench: Chromium runs the shop's minified esbuild bundle (served from
// public/ on a random port) with the real @sentry/browser, the extension's local receiver gets the event, and
// the error lands on its TypeScript line with no sentry.pathMappings; a frame of a script outside the workspace
// says why it is unmapped until Map URL to Folder… maps it.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { useVsixHost } from '../harness/vsixHost';
import { freePort } from '../../../scripts/docker/background';
import {
  localReceiverDsn,
  onlyViewPane,
  openConveyorContainer,
  openFileAt,
  openWorkbench,
  runCommand,
  screenshot,
  treeRows,
} from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { bundleWebShop, copyWebShop, positionIn, serveWebShop } from '../../support/webShop';
import type { ShopServer } from '../../support/webShop';

describe('errors of a web front end on their TypeScript line, in code-server (e2e)', () => {
  let ws: SampleWorkspace;
  let shop: ShopServer | undefined;

  before(async () => {
    const config = ['version: 1', 'sentry:', `  receiverPort: ${await freePort()}`, ''].join('\n');
    // The widget's own copy lives in third-party/, which no URL path ends with: its frames need a mapping.
    const widget = 'window.checkoutWidget = {\n  run(step) {\n    step();\n  },\n};\n';
    ws = sampleWorkspace({ 'conveyor.yml': config, 'third-party/checkout-widget.js': widget }, { git: true, name: 'web-shop' });
    copyWebShop(ws.dir);
    bundleWebShop(ws.dir);
  });
  after(async () => {
    await shop?.close();
    ws?.remove();
  });
  const host = useVsixHost();

  it('puts a browser error on its .ts line and says why a frame is unmapped, until Map URL to Folder… maps it', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const errors = await onlyViewPane(page, 'Errors');
    const dsn = await localReceiverDsn(errors);
    shop = await serveWebShop(ws.dir, dsn);
    const shopPage = await host.browser.context.newPage();
    await shopPage.goto(shop.bundledPage);
    await shopPage.waitForFunction(() => window.shopReported !== undefined, undefined, { timeout: 30_000 });
    assert.equal(await shopPage.evaluate(() => window.shopReported), true, 'the browser SDK sent the event');
    await shopPage.close();

    // The issue opens on its unmapped frame, with why.
    const unmapped = errors.locator('.monaco-list-row', { hasText: 'checkout-widget.js:3:5' });
    await unmapped.first().waitFor({ timeout: 30_000 });
    const rows = await treeRows(errors);
    assert.ok(
      rows.some((r) => /RangeError: quantity must be a whole number of at least 1, got -2/.test(r) && /1 event/.test(r)),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => /checkout-widget\.js:3:5 unmapped: no workspace file ends with \/vendor\/checkout-widget\.js/.test(r)),
      rows.join('\n'),
    );
    assert.ok(!rows.some((r) => /app\.js:15:\d+ unmapped/.test(r)), `the bundle's frames all map\n${rows.join('\n')}`);

    // src/cart.ts at the line that threw: the CodeLens, and a hover with the unmapped frame and why.
    const cart = readFileSync(path.join(ws.dir, 'src', 'cart.ts'), 'utf8');
    const line = positionIn(path.join(ws.dir, 'src', 'cart.ts'), 'new RangeError').line;
    assert.match(cart.split('\n')[line - 1], /THROWS: addToCart/);
    await openFileAt(page, 'src/cart.ts', line);
    const lens = page.locator('.codelens-decoration').filter({ hasText: 'RangeError × 1' });
    await lens.first().waitFor({ timeout: 30_000 });
    assert.match(await lens.first().innerText(), /RangeError × 1 · 1 user|RangeError × 1 · last .* · first in web-shop@1\.0\.0/);
    await runCommand(page, 'Show or Focus Hover');
    const hover = page.locator('.monaco-hover-content').filter({ hasText: 'Unmapped' }).filter({ hasText: 'Map URL to Folder' });
    await hover.first().waitFor({ timeout: 15_000 });
    // Markdown rendering puts its own spacing characters between words and around the escaped punctuation.
    assert.match(
      await hover.first().innerText(),
      /Unmapped\W+checkout\W+widget\W+js\W+3\W+5\W+no\s+workspace\s+file\s+ends\s+with\W+vendor\W+checkout\W+widget\W+js/,
    );
    await screenshot(page, '30-web-error-on-its-typescript-line');

    // Map URL to Folder… from the palette: the widget's URL folder to third-party/, written to conveyor.yml.
    await page.keyboard.press('Escape');
    await runCommand(page, 'Conveyor: Map URL to Folder…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'checkout-widget.js:3:5' }).first().click();
    const folderRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'third-party/' }).first();
    await folderRow.waitFor({ timeout: 15_000 });
    await folderRow.click();
    // The rows under By release and By file both go.
    await errors.locator('.monaco-list-row', { hasText: 'checkout-widget.js:3:5' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.match(
      readFileSync(path.join(ws.dir, 'conveyor.yml'), 'utf8'),
      new RegExp(`pathMappings:\\n\\s+"?${shop.origin.replace(/[.]/g, '\\.')}/vendor/"?: third-party`),
    );
    await screenshot(page, '31-web-error-url-mapped');
  });
});
