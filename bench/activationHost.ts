// bench/activationHost: Conveyor's activation time as the real extension host reports it (code-server's
// Developer: Show Running Extensions, "Activation: N ms": loading the bundle + activate()), for the packaged
// .vsix on a copy of the demo workspace, each run in a fresh window. Prints the median in ms.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../scripts/vscode-host/browser';
import { installExtension, startCodeServer } from '../scripts/vscode-host/codeServer';
import { CODE_SERVER_VERSION } from '../scripts/vscode-host/tools';
import { VSIX } from '../test/e2e/harness/vsixHost';
import { openWorkbench, runCommand, statusBarItem } from '../test/e2e/harness/workbench';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The figure in Conveyor's row of the Running Extensions editor. */
async function reportedActivationMs(page: Page): Promise<number> {
  await runCommand(page, 'Developer: Show Running Extensions');
  // The list renders only the rows in view: tall enough for every extension of the host.
  await page.setViewportSize({ width: 1400, height: 3000 });
  const time = page
    .locator('.runtime-extensions-editor .monaco-list-row')
    .filter({ has: page.locator('.name', { hasText: /^Conveyor$/ }) })
    .locator('.activation-time');
  await time.waitFor({ timeout: 30_000 });
  const text = await time.innerText();
  const match = /Activation: (\d+)ms/.exec(text);
  if (!match) throw new Error(`no activation time in Conveyor's row: ${text}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  if (!existsSync(VSIX)) throw new Error(`${VSIX} missing: run npm run package first`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-host-'));
  const extensionsDir = path.join(scratch, 'extensions');
  const workspace = path.join(scratch, 'workspace');
  cpSync(path.resolve(__dirname, '..', 'demo', 'workspace'), workspace, { recursive: true });
  await installExtension(VSIX, extensionsDir);
  const server = await startCodeServer({ extensionsDir });
  const browser = await launchBrowser();
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.freshPage();
      await openWorkbench(page, server.url({ folder: workspace }));
      // The pipeline's status-bar item leaves its placeholder once activation has loaded the folder.
      await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.pipeline').filter({ hasNotText: 'Conveyor' }).waitFor({ timeout: 60_000 });
      times.push(await reportedActivationMs(page));
    }
    console.log(`activation in the real extension host (code-server ${CODE_SERVER_VERSION}, Running Extensions, ${RUNS} fresh windows)`);
    console.log(`  conveyor : median ${median(times)} ms  (runs: ${times.join(', ')} ms)`);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
