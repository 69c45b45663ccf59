import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { vscodeHostTools } from './tools';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /**
   * Replaces the current browser context with a new one and returns its page. A workbench must not share
   * storage with the previous one: it would reconnect to the previous window's extension host.
   */
  freshPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Debian Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  const chromiumBrowser = await chromium.launch({
    executablePath: vscodeHostTools().chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const newContext = () => chromiumBrowser.newContext({ viewport: { width: 1400, height: 900 } });
  const context = await newContext();
  const browser: Browser = {
    context,
    page: await context.newPage(),
    async freshPage() {
      const previous = browser.context;
      browser.context = await newContext();
      browser.page = await browser.context.newPage();
      await previous.close().catch(() => undefined);
      return browser.page;
    },
    async close() {
      await chromiumBrowser.close().catch(() => undefined);
    },
  };
  return browser;
}
