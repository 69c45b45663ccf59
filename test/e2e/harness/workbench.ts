// Small helpers that drive the VS Code workbench like a user: click, type, read what is on screen.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results', 'e2e');

export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
}

/**
 * Opens a .code-workspace window. code-server 4.139 sometimes opens such a window with no folders at
 * all (its own Explorer then says "No Folder Opened"; seen about one time in four here): that is the
 * host failing to read the workspace, not the extension, so the window is reloaded, at most twice.
 */
export async function openWorkspaceWindow(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await openWorkbench(page, url);
    await runCommand(page, 'View: Show Explorer');
    const folderRow = page.locator('.part.sidebar .explorer-folders-view .monaco-list-row').first();
    const noFolder = page.locator('.part.sidebar', { hasText: 'You have not yet added a folder to the workspace' });
    await folderRow.or(noFolder).first().waitFor({ timeout: 30_000 });
    // "No folder" can show for a moment before the workspace file's folders are resolved: give them time.
    const loaded = await folderRow.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (loaded) return;
    if (attempt === 4) throw new Error('code-server opened the workspace without its folders four times');
    console.log(`      (code-server opened ${url} without folders; reloading, attempt ${attempt + 1})`);
  }
}

export async function openConveyorContainer(page: Page): Promise<void> {
  const icon = page
    .locator('.part.activitybar .action-item a[aria-label^="Conveyor"], .part.activitybar li[aria-label^="Conveyor"]')
    .first();
  await icon.click();
  await page.locator('.part.sidebar .composite.title', { hasText: /conveyor/i }).waitFor({ timeout: 30_000 });
}

/** The pane of a Conveyor view, expanded. */
export async function viewPane(page: Page, title: string): Promise<Locator> {
  const pane = page.locator('.part.sidebar .pane', {
    has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }),
  });
  const header = pane.locator('.pane-header');
  await header.waitFor({ timeout: 30_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return pane;
}

/** The pane of a Conveyor view with every other pane collapsed, so its rows have the side bar's height to render in. */
export async function onlyViewPane(page: Page, title: string): Promise<Locator> {
  const headers = page.locator('.part.sidebar .pane-header');
  const wanted = new RegExp(`^${title}$`, 'i');
  for (let index = 0; index < (await headers.count()); index++) {
    const header = headers.nth(index);
    const name = (await header.locator('h3.title').innerText()).trim();
    if (!wanted.test(name) && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }
  return viewPane(page, title);
}

/** Each row as "label description", as a user reads it. */
export async function treeRows(pane: Locator): Promise<string[]> {
  // Read in the page in one go: a locator wait on a row without a description would stall for its timeout.
  return pane.locator('.monaco-list-row').evaluateAll((rows) =>
    // No helper functions in here: the test transpiler would name them with a helper the page lacks.
    rows.map((row) =>
      `${row.querySelector<HTMLElement>('.label-name')?.innerText ?? ''} ${row.querySelector<HTMLElement>('.label-description')?.innerText ?? ''}`
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  // The palette may rank a longer title first ("Conveyor: Stop Ship" for "Conveyor: Ship"): take the exact one.
  const exact = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  if ((await exact.count()) > 0) await exact.first().click();
  else await page.keyboard.press('Enter');
}

/**
 * The notification with this text, from the notification center. The center closes by itself when its last
 * notification goes (a finished progress), after which new ones only toast, and an information toast hides
 * after a while: it is opened again until the notification is in it.
 */
export async function notification(page: Page, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  const item = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
  const deadline = Date.now() + timeout;
  for (;;) {
    if ((await page.locator('.notifications-center.visible').count()) === 0) await runCommand(page, 'Notifications: Show Notifications');
    try {
      await item.waitFor({ timeout: Math.max(1, Math.min(5_000, deadline - Date.now())) });
      return item;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
}

export function statusBarItem(page: Page, id: string): Locator {
  return page.locator(`.part.statusbar #${id.replace(/\./g, '\\.')}`);
}

/** For afterEach: keeps a picture of the workbench when a test failed. */
export async function screenshotOnFailure(page: Page | undefined, test: Mocha.Test | undefined): Promise<void> {
  if (page && test?.state === 'failed')
    await screenshot(page, `failed-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The local receiver's DSN, once the Errors view's receiver row shows it (the receiver started). */
export async function localReceiverDsn(errorsPane: Locator): Promise<string> {
  const receiverRow = errorsPane.locator('.monaco-list-row', { hasText: 'Local receiver' });
  await receiverRow.filter({ hasText: '@127.0.0.1:' }).waitFor({ timeout: 60_000 });
  const dsn = /http:\/\/\w+@127\.0\.0\.1:\d+\/\d+/.exec(await receiverRow.innerText())?.[0];
  assert.ok(dsn, `a DSN in ${await receiverRow.innerText()}`);
  return dsn;
}

/** Opens a workspace file at a line through Quick Open (a tree's rows are virtualized in a small pane). */
export async function openFileAt(page: Page, relative: string, line: number): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor({ timeout: 10_000 });
  await quickInput.fill(`${relative}:${line}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relative) })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .monaco-editor').first().waitFor({ timeout: 15_000 });
}
