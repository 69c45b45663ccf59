// The packaged .vsix in a fresh code-server with a browser on it, for one describe block: installed and
// started before its tests, a screenshot after a failing one, everything stopped after.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { installExtension, startCodeServer } from '../../../scripts/vscode-host/codeServer';
import type { CodeServer, CodeServerOptions } from '../../../scripts/vscode-host/codeServer';
import { version } from '../../../package.json';
import { launchBrowser } from '../../../scripts/vscode-host/browser';
import type { Browser } from '../../../scripts/vscode-host/browser';
import { screenshotOnFailure } from './workbench';

export const VSIX = path.resolve(__dirname, '..', '..', '..', `conveyor-${version}.vsix`);

export interface VsixHost {
  server: CodeServer;
  browser: Browser;
}

/** Registers the hooks; `settings()` is read when the server starts (after the block's own `before` hooks). */
export function useVsixHost(options: { settings?: () => Record<string, unknown>; restricted?: boolean } = {}): VsixHost {
  const host = {} as VsixHost;
  let extensionsDir: string | undefined;
  before(async () => {
    assert.ok(existsSync(VSIX), `${VSIX} exists (npm run package)`);
    extensionsDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ext-'));
    await installExtension(VSIX, extensionsDir);
    const serverOptions: CodeServerOptions = { extensionsDir, settings: options.settings?.(), restricted: options.restricted };
    host.server = await startCodeServer(serverOptions);
    host.browser = await launchBrowser();
  });
  afterEach(async function () {
    await screenshotOnFailure(host.browser?.page, this.currentTest);
  });
  after(async () => {
    await host.browser?.close();
    await host.server?.stop();
    if (extensionsDir) rmSync(extensionsDir, { recursive: true, force: true });
  });
  return host;
}
