// Ship in the real workbench: the belt from the palette against a real Docker engine and registry, the
// project's Kubernetes control plane and a real HTTP service as staging's uptime target — the belt in
// progress in the status bar and the Ship view, the promotion prompt, and an automatic rollback.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureBaseImage, startDockerEngine, startRegistry } from '../../../scripts/docker/dockerHost';
import type { DockerEngine, LocalRegistry } from '../../../scripts/docker/dockerHost';
import { api } from '../../../scripts/kube/api';
import { useKubeCluster } from '../../support/kubeCluster';
import { shipProject } from '../../support/shipProject';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { useVsixHost } from '../harness/vsixHost';
import {
  notification,
  onlyViewPane,
  openConveyorContainer,
  openWorkbench,
  runCommand,
  screenshot,
  statusBarItem,
  treeRows,
  viewPane,
} from '../harness/workbench';

const BELT_ITEM = 'conveyor-dev.conveyor.conveyor.belt';

describe('Ship from the palette: release, staging verified, promotion prompt, automatic rollback (e2e)', () => {
  const cluster = useKubeCluster();
  let engine: DockerEngine;
  let registry: LocalRegistry;
  let ws: SampleWorkspace;
  let healthy = true;
  const app = http.createServer((_request, response) => {
    response.writeHead(healthy ? 200 : 503);
    response.end(healthy ? 'ok' : 'database unavailable');
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' });

  before(async () => {
    engine = await startDockerEngine();
    await ensureBaseImage(engine);
    registry = await startRegistry();
    const admin = { server: cluster.get().server, token: cluster.get().token, ca: cluster.get().caData };
    for (const name of ['ship-staging', 'ship-production']) {
      await api(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { allow: [409] });
    }
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    ws = shipProject({
      registryHost: registry.host,
      namespaces: { staging: 'ship-staging', production: 'ship-production' },
      appPort,
      stagingBakeSeconds: 6,
      name: 'ship-shop',
    });
  });

  after(async () => {
    await new Promise((resolve) => app.close(resolve));
    await registry?.stop();
    await engine?.stop();
    ws?.remove();
  });
  const host = useVsixHost({
    settings: () => ({ 'conveyor.release.dockerHost': engine.dockerHost, 'conveyor.deploy.kubeconfig': cluster.get().kubeconfig }),
  });

  it('ships a good change: verifying staging in the status bar, the promotion prompt, then production', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const ship = await viewPane(page, 'Ship');
    await ship.locator('.monaco-list-row', { hasText: 'pipeline → release → staging → production' }).waitFor({ timeout: 60_000 });

    await runCommand(page, 'Conveyor: Ship');
    const belt = statusBarItem(page, BELT_ITEM);
    await belt.filter({ hasText: /v0\.2\.0 · staging · verifying \d:\d\d/ }).waitFor({ timeout: 120_000 });
    await ship.locator('.monaco-list-row', { hasText: 'v0.2.0 · running' }).waitFor({ timeout: 30_000 });
    await screenshot(page, '23-ship-verifying');

    const prompt = await notification(page, 'Promote v0.2.0 to production?', 60_000);
    assert.match(await prompt.innerText(), /Verified — staging: \d+ probes? of shop-staging up/);
    await screenshot(page, '24-ship-promotion-prompt');
    await prompt.locator('.monaco-button', { hasText: 'Promote to production' }).click();

    await ship.locator('.monaco-list-row', { hasText: 'v0.2.0 · shipped' }).waitFor({ timeout: 120_000 });
    await ship.locator('.monaco-list-row', { hasText: 'v0.2.0 is live and verified in staging, production.' }).waitFor({ timeout: 10_000 });
    await ship
      .locator('.monaco-list-row', { hasText: /^production/ })
      .filter({ hasText: 'verified' })
      .waitFor({ timeout: 10_000 });
    await screenshot(page, '25-ship-shipped');
  });

  it('rolls staging back by itself when its uptime check fails, and says why', async () => {
    ws.write('src/app.js', 'console.log("coupons");\n');
    git('commit', '-qam', 'feat: SHOP-3 coupons');
    healthy = false;
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const ship = await viewPane(page, 'Ship');
    await ship.locator('.monaco-list-row', { hasText: 'v0.2.0 · shipped' }).waitFor({ timeout: 60_000 });
    await runCommand(page, 'Conveyor: Ship');
    await ship.locator('.monaco-list-row', { hasText: 'v0.3.0 · rolled-back' }).waitFor({ timeout: 180_000 });
    const notice = await notification(page, 'v0.3.0 failed verification in staging and was rolled back');
    assert.match(
      await notice.innerText(),
      /uptime check shop-staging \(http:\/\/127\.0\.0\.1:\d+\/health\) is down: unexpected status 503/,
    );
    const rows = await treeRows(ship);
    assert.ok(
      rows.some((r) => /^staging rolled back · .* · rollback: shop back to v0\.2\.0/.test(r)),
      rows.join('\n'),
    );
    await screenshot(page, '26-ship-rolled-back');
    healthy = true;

    // The item's trace: its commit, the release it went out in, and staging rolled back from it.
    await runCommand(page, 'Conveyor: Trace…');
    await page.locator('.quick-input-widget input').fill('SHOP-3');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Trace “SHOP-3”' }).first().click();
    const trace = await onlyViewPane(page, 'Trace');
    await trace.locator('.monaco-list-row', { hasText: 'Work item SHOP-3' }).waitFor({ timeout: 30_000 });
    await trace.locator('.monaco-list-row', { hasText: 'feat: SHOP-3 coupons' }).waitFor({ timeout: 10_000 });
    const traced = await treeRows(trace);
    assert.ok(
      traced.some((r) => /^v0\.3\.0 .*\/shop@[0-9a-f]{12}/.test(r)),
      traced.join('\n'),
    );
    assert.ok(
      traced.some((r) => /^staging v0\.3\.0 rolled back · since .* · rolled back /.test(r)),
      traced.join('\n'),
    );
    await screenshot(page, '29-trace-rolled-back-release');
  });
});
