// Create Release from the palette in a real VS Code (code-server), against a real Docker engine and registry.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';
import { passPipeline } from '../../support/releaseReady';
import { useVsixHost } from '../harness/vsixHost';
import { openConveyorContainer, openWorkbench, runCommand, screenshot, treeRows, viewPane } from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

describe('Create Release in VS Code with a real Docker engine and registry (e2e)', () => {
  let engine: DockerEngine;
  let registry: LocalRegistry;
  let ws: SampleWorkspace;

  before(async () => {
    engine = await startDockerEngine();
    await ensureBaseImage(engine);
    registry = await startRegistry();
    ws = sampleWorkspace(
      {
        'package.json': '{\n  "name": "shop",\n  "version": "1.3.0",\n  "private": true\n}\n',
        Dockerfile: 'FROM conveyor-base:busybox\nCOPY src /app\n',
        'conveyor.yml': [
          'version: 1',
          'pipeline:',
          '  security: false',
          '  stages:',
          '    - { name: test, run: "true" }',
          'image:',
          '  name: shop-api',
          `  registry: ${registry.host}`,
          '',
        ].join('\n'),
        'src/app.js': 'console.log("shop");\n',
      },
      { git: true, name: 'shop' },
    );
    for (const [key, value] of [
      ['user.name', 'Release Tester'],
      ['user.email', 'release@conveyor.invalid'],
    ])
      execFileSync('git', ['config', key, value], { cwd: ws.dir });
    await passPipeline(ws.dir);
  });

  after(async () => {
    await registry?.stop();
    await engine?.stop();
    ws?.remove();
  });
  const host = useVsixHost({ settings: () => ({ 'conveyor.release.dockerHost': engine.dockerHost }) });

  it('releases the ready commit from the palette: version chosen, progress shown, the Releases view lists it with its verified digest', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const releases = await viewPane(page, 'Releases');
    await releases.locator('.monaco-list-row', { hasText: `${registry.host}/shop-api` }).waitFor({ timeout: 60_000 });

    await runCommand(page, 'Conveyor: Create Release');
    const recommended = page.locator('.quick-input-list .monaco-list-row', { hasText: '1.4.0' });
    await recommended.waitFor({ timeout: 30_000 });
    assert.match(await recommended.innerText(), /minor — recommended/);
    await page.keyboard.press('Enter');

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.filter({ hasText: 'Release v1.4.0?' }).waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /1\.3\.0 → 1\.4\.0/);
    await screenshot(page, '10-release-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Release$/ }).click();
    await runCommand(page, 'Notifications: Show Notifications');
    const notifications = page.locator('.notifications-center .notification-list-item');
    await notifications
      .filter({ hasText: /Releasing v1\.4\.0|Released v1\.4\.0/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, '11-release-progress');
    await notifications.filter({ hasText: 'Released v1.4.0' }).waitFor({ timeout: 120_000 });

    const row = releases.locator('.monaco-list-row', { hasText: 'v1.4.0' });
    await row.filter({ hasText: 'digest verified' }).waitFor({ timeout: 60_000 });
    const rows = await treeRows(releases);
    assert.match(
      rows.find((r) => r.startsWith('v1.4.0')) ?? '',
      /^v1\.4\.0 [0-9a-f]{7} · \d{4}-\d\d-\d\d · [0-9a-f]{12} · digest verified in the registry$/,
    );
    const tag = execFileSync('git', ['tag', '--list', '--format=%(contents)', 'v1.4.0'], { cwd: ws.dir, encoding: 'utf8' });
    assert.match(tag, /digest: sha256:[0-9a-f]{64}/);
    await screenshot(page, '12-releases-view');
  });
});
