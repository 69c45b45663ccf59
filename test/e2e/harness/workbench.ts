// Small helpers that drive the VS Code workbench like a user: click, type, read what is on screen.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results', 'e2e');

export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
}

export async function openConveyorContainer(page: Page): Promise<void> {
  const icon = page.locator('.part.activitybar .action-item a[aria-label^="Conveyor"], .part.activitybar li[aria-label^="Conveyor"]').first();
  await icon.click();
  await page.locator('.part.sidebar .composite.title', { hasText: /conveyor/i }).waitFor({ timeout: 30_000 });
}

/** The pane of a Conveyor view, expanded. */
export async function viewPane(page: Page, title: string): Promise<Locator> {
  const header = page.locator('.part.sidebar .pane-header', { has: page.locator('h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) });
  await header.waitFor({ timeout: 30_000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return page.locator('.part.sidebar .pane', { has: header });
}

export async function treeRows(pane: Locator): Promise<string[]> {
  return (await pane.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

export function statusBarItem(page: Page, id: string): Locator {
  return page.locator(`.part.statusbar #${id.replace(/\./g, '\\.')}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
