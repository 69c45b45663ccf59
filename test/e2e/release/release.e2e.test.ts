// Create Release from the palette in a real VS Code (code-server), against a real Docker engine and registry.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';
import { passPipeline } from '../../support/releaseReady';
import { useVsixHost } from '../harness/vsixHost';
import {
  notification,
  openConveyorContainer,
  openFileAt,
  openWorkbench,
  runCommand,
  screenshot,
  treeRows,
  viewPane,
} from '../harness/workbench';
import { buildTestImage, pushTestImage } from '../../support/registryImages';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

describe('Create Release in VS Code with a real Docker engine and registry (e2e)', () => {
  let engine: DockerEngine;
  let registry: LocalRegistry;
  let ws: SampleWorkspace;
  let docker: Docker;
  let baseImage: string;
  /** What the registry's `base:1` was when the workspace was made. */
  let firstBaseDigest: string;

  before(async () => {
    engine = await startDockerEngine();
    docker = new Docker({ socketPath: engine.socket });
    baseImage = await ensureBaseImage(engine);
    registry = await startRegistry();
    firstBaseDigest = await pushTestImage(docker, baseImage, registry, 'base', '1');
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
        'images/tools.Dockerfile': `# The tools image\nFROM ${registry.host}/base:1 AS tools\nRUN true\n`,
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
    await notification(page, /Releasing v1\.4\.0|Released v1\.4\.0/, 60_000);
    await screenshot(page, '11-release-progress');
    await notification(page, 'Released v1.4.0', 120_000);

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

  it('pins a FROM line to its digest from the CodeLens, and Refresh Base Images moves it to a re-pushed tag on a branch', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openFileAt(page, 'images/tools.Dockerfile', 2);
    const lens = page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Pin to digest' }).first();
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    const pinned = `FROM ${registry.host}/base:1@${firstBaseDigest} AS tools`;
    await page.locator('.view-lines', { hasText: `@${firstBaseDigest.slice(0, 20)}` }).waitFor({ timeout: 30_000 });
    await screenshot(page, '13-base-image-pinned');
    await runCommand(page, 'File: Save');
    const file = path.join(ws.dir, 'images', 'tools.Dockerfile');
    await waitUntil(() => readFileSync(file, 'utf8').includes(pinned), `${file} saved with "${pinned}"`);
    execFileSync('git', ['commit', '-qam', 'build: pin the tools base image'], { cwd: ws.dir });

    // Someone pushes a new build as base:1; the refresh follows the tag on a branch of its own.
    await buildTestImage(docker, baseImage, 'base-rebuilt', 'rebuilt');
    const secondBaseDigest = await pushTestImage(docker, 'base-rebuilt', registry, 'base', '1');
    assert.notEqual(secondBaseDigest, firstBaseDigest);
    await runCommand(page, 'Conveyor: Refresh Base Images');
    const onBranch = () => execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    await waitUntil(() => onBranch().startsWith('fix/'), 'the refresh branch', 60_000);
    // The pipeline that follows opens its terminal over the toast; the notification center keeps it.
    await notification(page, /Refreshed 1 base image\(s\) — on branch fix\/base-images-/);
    await screenshot(page, '14-base-images-refreshed');
    assert.match(onBranch(), /^fix\/base-images-\d{4}-\d\d-\d\d$/);
    assert.equal(readFileSync(file, 'utf8'), `# The tools image\nFROM ${registry.host}/base:1@${secondBaseDigest} AS tools\nRUN true\n`);
    const commit = execFileSync('git', ['log', '-1', '--format=%B'], { cwd: ws.dir, encoding: 'utf8' });
    assert.match(commit, /^fix\(docker\): refresh base images\n\n- \S+\/base:1: /);
  });
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
