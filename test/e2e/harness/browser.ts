import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { vscodeHostTools } from '../../../scripts/vscode-host/tools';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Closes the current page and opens a fresh one (each workbench in its own page, no state carried over). */
  freshPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Debian Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'conveyor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: vscodeHostTools().chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const browser: Browser = {
    context,
    page: context.pages()[0] ?? (await context.newPage()),
    async freshPage() {
      const previous = browser.page;
      browser.page = await context.newPage();
      await previous.close().catch(() => undefined);
      return browser.page;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  return browser;
}
