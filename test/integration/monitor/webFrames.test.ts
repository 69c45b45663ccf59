// A TypeScript web front end in Chromium, reported by the real @sentry/browser to the local receiver: its frames
// are URLs on a port that changes every run, and they land on the TypeScript lines with no sentry.pathMappings,
// whether the bundle is a file in public/, compiled per module (Vite) or kept in a dev server's memory (esbuild serve).
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ErrorIssue } from '../../../src/monitor/errors/errorModel';
import { ErrorReceiver, generatePublicKey } from '../../../src/monitor/errors/errorReceiver';
import { ErrorStore } from '../../../src/monitor/errors/errorStore';
import { FrameMapper, frameNotes, issueLocation } from '../../../src/monitor/errors/frameMapping';
import { scanWorkspaceFiles } from '../../../src/monitor/errors/workspaceFiles';
import { launchBrowser } from '../../../scripts/vscode-host/browser';
import type { Browser } from '../../../scripts/vscode-host/browser';
import { bundleWebShop, copyWebShop, positionIn, serveWebShop, serveWebShopFromMemory } from '../../support/webShop';
import type { ShopServer } from '../../support/webShop';

describe('errors of a web front end in Chromium land on their TypeScript lines (integration)', function () {
  this.timeout(120_000);
  let workspace: string;
  let store: ErrorStore;
  let storeDir: string;
  let receiver: ErrorReceiver;
  let shop: ShopServer;
  let browser: Browser;
  let cart: string;

  /** Loads a page, waits for the SDK to send, and answers the issue whose newest event has a frame matching `frame`. */
  async function reportFrom(url: string, frame: RegExp): Promise<ErrorIssue> {
    const page = await browser.freshPage();
    const logs: string[] = [];
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => window.shopReported !== undefined, undefined, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.shopReported), true, `the SDK sent the event\n${logs.join('\n')}`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const issue = store.issues().find((i) => i.latestEvent?.frames.some((f) => frame.test(f.filename ?? '')));
      if (issue) return issue;
      assert.ok(Date.now() < deadline, `an issue with a frame like ${frame} in ${JSON.stringify(store.issues(), null, 1)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  before(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), 'cnv-web-shop-'));
    copyWebShop(workspace);
    cart = path.join(workspace, 'src', 'cart.ts');
    bundleWebShop(workspace);
    storeDir = mkdtempSync(path.join(tmpdir(), 'cnv-web-store-'));
    store = new ErrorStore({ directory: storeDir, saveDelayMs: 50 });
    await store.load();
    receiver = new ErrorReceiver({ store, publicKey: generatePublicKey(), port: 0, notifyDelayMs: 20 });
    await receiver.start();
    shop = await serveWebShop(workspace, receiver.dsn);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await shop?.close();
    await receiver?.dispose();
    await store?.close();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  });

  it('maps a minified esbuild bundle served from public/ back to src/cart.ts, and says why the widget frame does not map', async () => {
    const issue = await reportFrom(shop.bundledPage, /\/app\.js$/);
    assert.equal(issue.exceptionType, 'RangeError');
    assert.equal(issue.lastRelease, 'web-shop@1.0.0');
    const frames = issue.latestEvent!.frames;
    const top = frames.at(-1)!;
    assert.equal(top.filename, `${shop.origin}/app.js`, 'the browser reports the URL, with its random port');
    assert.ok((top.colno ?? 0) > 10_000, `deep in the minified bundle (line ${top.lineno}, column ${top.colno})`);

    const mapper = new FrameMapper({ roots: [workspace], files: await scanWorkspaceFiles([workspace]) });
    assert.deepEqual(await issueLocation(issue, mapper), { file: cart, ...positionIn(cart, 'new RangeError') });

    const notes = await frameNotes(issue, mapper);
    const widget = notes.find((note) => note.url?.endsWith('/vendor/checkout-widget.js'));
    assert.deepEqual(widget?.resolution, { unmapped: { kind: 'no-file', path: '/vendor/checkout-widget.js' } }, JSON.stringify(notes));
    assert.equal(notes.length, 1, 'every other frame mapped');
  });

  it("maps a Vite-style dev server's /src/cart.ts?t=… through the map it serves", async () => {
    const issue = await reportFrom(shop.devServerPage, /\/src\/cart\.ts\?t=\d+$/);
    const top = issue.latestEvent!.frames.at(-1)!;
    const thrown = positionIn(cart, 'new RangeError');
    assert.notEqual(top.lineno, thrown.line, 'the dev server compiled the module: the browser line is not the source line');
    const mapper = new FrameMapper({ roots: [workspace], files: await scanWorkspaceFiles([workspace]) });
    assert.deepEqual(await issueLocation(issue, mapper), { file: cart, ...thrown });

    // With the dev server gone, the URL still names the file: the reported line is all there is.
    const offline = new FrameMapper({
      roots: [workspace],
      files: await scanWorkspaceFiles([workspace]),
      servedMaps: { originalPosition: () => Promise.resolve(undefined) },
    });
    assert.deepEqual(await offline.map(top), { file: cart, line: top.lineno, column: top.colno });
  });

  it("maps a bundle esbuild's dev server keeps in memory back to src/cart.ts through the map it serves", async () => {
    const devServer = await serveWebShopFromMemory(workspace, receiver.dsn);
    try {
      const issue = await reportFrom(devServer.page, /\/assets\/main\.js$/);
      const top = issue.latestEvent!.frames.at(-1)!;
      assert.equal(top.filename, `${devServer.page}assets/main.js`);
      assert.ok(!existsSync(devServer.bundlePath), 'the bundle is served from memory, not written');
      const mapper = new FrameMapper({ roots: [workspace], files: await scanWorkspaceFiles([workspace]) });
      assert.deepEqual(await issueLocation(issue, mapper), { file: cart, ...positionIn(cart, 'new RangeError') });
      assert.deepEqual(await frameNotes(issue, mapper), [], 'every in-app frame mapped');
    } finally {
      await devServer.close();
    }
  });

  it('leaves a bundle without a source map unmapped and says so', async () => {
    bundleWebShop(workspace, { outfile: 'public/legacy.js', sourcemap: false });
    const issue = await reportFrom(shop.pageLoading('legacy.js'), /\/legacy\.js$/);
    const mapper = new FrameMapper({ roots: [workspace], files: await scanWorkspaceFiles([workspace]) });
    assert.equal(await issueLocation(issue, mapper), undefined);
    const reasons = (await frameNotes(issue, mapper)).map((note) => note.resolution.unmapped);
    assert.ok(reasons.length > 0);
    for (const reason of reasons) assert.deepEqual(reason, { kind: 'no-source-map', file: path.join(workspace, 'public', 'legacy.js') });
  });
});
