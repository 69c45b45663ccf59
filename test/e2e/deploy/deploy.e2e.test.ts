// Deploy in the real workbench against the project's own Kubernetes control plane (kube-apiserver, controller
// manager and scheduler built from Debian's source, plus a test agent as the node): a release deployed by
// digest from the palette, its rollout followed, the Environments view showing the deployment and its pods,
// logs streamed from them, autoscaling, and a port-forward to a pod started and stopped from its row.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReleaseTag } from '../../../src/release/gitRelease';
import { execFileSync } from 'node:child_process';
import { useKubeCluster } from '../../support/kubeCluster';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { useVsixHost } from '../harness/vsixHost';
import type { Locator, Page } from 'playwright-core';
import {
  notification,
  onlyViewPane,
  openConveyorContainer,
  openWorkbench,
  runCommand,
  screenshot,
  statusBarItem,
  treeRows,
} from '../harness/workbench';

const NAMESPACE = `e2e-${randomBytes(3).toString('hex')}`;
const DIGEST = `sha256:${randomBytes(32).toString('hex')}`;

/**
 * The deployment; its pods' port 8080 is `podPort` on this machine: the test agent (scripts/kube/agent.ts)
 * connects a forwarded pod port to the local port its `conveyor.test/forward-<port>` annotation names.
 */
const manifest = (podPort: number) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: shop-web',
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels: { app: shop-web }',
    '  template:',
    '    metadata:',
    '      labels: { app: shop-web }',
    `      annotations: { conveyor.test/forward-8080: "${podPort}" }`,
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: registry.local/shop:dev',
    '          ports: [{ name: http, containerPort: 8080 }]',
    '',
  ].join('\n');

/** What runs "in" the pods for the port-forward: it answers with the path it was asked for. */
function startPodServer(): Promise<http.Server> {
  const server = http.createServer((request, response) => response.writeHead(200).end(`shop-web answers ${request.url}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** One GET on a fresh connection; rejects when nothing listens. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.setTimeout(20_000, () => request.destroy(new Error(`no answer from ${url} within 20 s`)));
    request.on('error', reject);
  });
}

describe('deploying a release to a real Kubernetes API server from code-server (e2e)', () => {
  const cluster = useKubeCluster();
  let ws: SampleWorkspace;
  let podServer: http.Server;

  before(async () => {
    podServer = await startPodServer();
    ws = sampleWorkspace(
      {
        'conveyor.yml': [
          'version: 1',
          'environments:',
          '  staging:',
          '    context: conveyor-admin',
          `    namespace: ${NAMESPACE}`,
          '    manifests: k8s',
          '',
        ].join('\n'),
        'k8s/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NAMESPACE}\n`,
        'k8s/web.yaml': manifest((podServer.address() as AddressInfo).port),
      },
      { git: true, name: 'deployed-shop' },
    );
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws.dir, encoding: 'utf8' }).trim();
    await createReleaseTag(
      ws.dir,
      {
        version: '1.0.0',
        tag: 'v1.0.0',
        commit,
        image: { repository: 'registry.local/shop', tags: ['1.0.0'], digest: DIGEST },
        createdAt: new Date().toISOString(),
      },
      '',
    );
  });
  after(() => {
    ws?.remove();
    podServer?.close();
  });
  // The terminal's DOM renderer, so the streamed log lines can be read from the page.
  const host = useVsixHost({
    settings: () => ({ 'conveyor.deploy.kubeconfig': cluster.get().kubeconfig, 'terminal.integrated.gpuAcceleration': 'off' }),
  });

  it('deploys v1.0.0 by digest from the palette, shows the rollout, the deployment and its pods, and streams their logs', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    // The view alone, so the pods' rows under the deployment are not scrolled out of a small pane.
    const environments = await onlyViewPane(page, 'Environments');
    await environments.locator('.monaco-list-row', { hasText: 'staging' }).first().waitFor({ timeout: 60_000 });
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.deploy').filter({ hasText: 'conveyor-admin' }).waitFor({ timeout: 30_000 });

    await runCommand(page, 'Conveyor: Deploy Release to…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'v1.0.0' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    // Progress is shown while the rollout runs, and the view's last-deploy row follows it.
    await environments
      .locator('.monaco-list-row', { hasText: /Last deploy: (v?1\.0\.0) (rolling out…|rolled out)/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await environments
      .locator('.monaco-list-row', { hasText: 'Last deploy: v1.0.0 rolled out' })
      .or(environments.locator('.monaco-list-row', { hasText: 'Last deploy: 1.0.0 rolled out' }))
      .first()
      .waitFor({ timeout: 120_000 });

    const deployment = environments.locator('.monaco-list-row', { hasText: 'shop-web' }).first();
    await deployment.filter({ hasText: '2/2 ready' }).waitFor({ timeout: 60_000 });
    assert.match(await deployment.innerText(), new RegExp(DIGEST.slice(7, 19)));
    const runningPod = environments.locator('.monaco-list-row', { hasText: /shop-web-[a-z0-9]+-[a-z0-9]+/ }).filter({ hasText: 'Running' });
    await expandUntil(deployment, runningPod.first(), 'a Running pod row under the deployment', environments, 30_000);
    const rows = await treeRows(environments);
    assert.equal(rows.filter((r) => /^shop-web-\w+-\w+ Running · 1\/1/.test(r)).length, 2, rows.join('\n'));
    await screenshot(page, '20-environments-deployed');

    // Stream Logs from the deployment row's inline action: both pods' lines arrive in a terminal, prefixed.
    await deployment.hover();
    await deployment.locator('.action-label[aria-label="Stream Logs"]').click();
    const terminal = page.locator('.terminal-wrapper .xterm-rows');
    await terminal
      .filter({ hasText: /handled request/ })
      .first()
      .waitFor({ timeout: 30_000 });
    // Both pods' streams arrive (each pod's lines start when its stream is open).
    const deadline = Date.now() + 30_000;
    let text = '';
    let prefixes = new Set<string>();
    while (prefixes.size < 2 && Date.now() < deadline) {
      text = (await terminal.first().innerText()).replace(/\u00a0/g, ' ');
      prefixes = new Set([...text.matchAll(/\[(shop-web-\w+-\w+)\/web\]/g)].map((m) => m[1]));
      if (prefixes.size < 2) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(prefixes.size, 2, `lines from both pods:\n${text}`);
    await screenshot(page, '21-environments-logs');
  });

  it('autoscales the deployment from its row: the HPA row shows its bounds, the missing metrics server explained, and Scale… warns', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    // The view alone, so the autoscaler's rows are not scrolled out of a small pane.
    const environments = await onlyViewPane(page, 'Environments');
    const deployment = await readyDeploymentRow(environments);
    await runRowMenuItem(page, deployment, 'Autoscale…', page.locator('.quick-input-widget', { hasText: 'Min replicas' }));
    for (const [prompt, value] of [
      ['Min replicas', '3'],
      ['Max replicas', '5'],
      ['Target CPU', '60'],
    ]) {
      await page.locator('.quick-input-widget', { hasText: prompt }).waitFor({ timeout: 15_000 });
      await page.locator('.quick-input-widget input').fill(value);
      await page.keyboard.press('Enter');
    }
    // The deployment row names its autoscaler's bounds as soon as the watch has the new HPA.
    await waitForRow(environments, deployment.filter({ hasText: 'autoscaled 3–5' }), 60_000);
    // The cluster's HPA controller (no metrics server here) scales to the minimum and says it cannot read CPU.
    const autoscaler = environments.locator('.monaco-list-row', { hasText: 'Autoscaler shop-web' }).first();
    const metricsRow = environments.locator('.monaco-list-row', { hasText: 'Metrics unavailable: no metrics server in the cluster?' });
    // The autoscaler's row is under the deployment's; its conditions come with the controller's first sync, and
    // until then the row has nothing to expand.
    await expandUntil(deployment, autoscaler.filter({ hasText: 'min 3–max 5' }), 'the autoscaler row, min 3–max 5', environments, 30_000);
    await expandUntil(autoscaler, metricsRow.first(), 'the metrics explanation under the autoscaler', environments, 90_000);
    await autoscaler.filter({ hasText: '3 replicas' }).waitFor({ timeout: 60_000 });
    assert.match(await autoscaler.innerText(), /cpu <unknown> \/ 60%/);
    await screenshot(page, '22-environments-autoscaled');

    await deployment.click({ button: 'right' });
    await runMenuItem(page, 'Scale…');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.filter({ hasText: 'its autoscaler will undo a manual scale' }).waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /shop-web is autoscaled \(3–5 replicas\)/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  });

  it("forwards the deployment's port from its row: a Port forwards row, answers from the pod, and Stop ends it", async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await openConveyorContainer(page);
    const environments = await onlyViewPane(page, 'Environments');
    const deployment = await readyDeploymentRow(environments);
    await runRowMenuItem(
      page,
      deployment,
      'Port Forward…',
      page.locator('.quick-input-widget', { hasText: 'Port-forward deployment/shop-web' }),
    );
    // The pick lists the container's port by name, read from the cluster.
    const choice = page.locator('.quick-input-list .monaco-list-row', { hasText: '8080' });
    assert.match(await choice.first().innerText(), /web\/http/);
    await choice.first().click();
    const localPrompt = page.locator('.quick-input-widget', { hasText: 'Local port on 127.0.0.1' });
    await localPrompt.waitFor({ timeout: 15_000 });
    // Empty: any free port (8080 may be taken on the machine running the tests).
    await page.locator('.quick-input-widget input').fill('');
    await page.keyboard.press('Enter');

    // The forward's row comes first; the message with its URL then waits in the notification center.
    await environments.locator('.monaco-list-row', { hasText: '→ deployment/shop-web:8080' }).first().waitFor({ timeout: 60_000 });
    const forwarding = await notification(page, 'Forwarding http://127.0.0.1:');
    const message = await forwarding.innerText();
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(message)?.[0];
    assert.ok(url, message);
    assert.match(message, /to deployment\/shop-web:8080 \(pod shop-web-\w+-\w+\)/);
    assert.equal(await forwarding.locator('.monaco-button', { hasText: 'Open in Browser' }).count(), 1);
    await page.keyboard.press('Escape');
    assert.equal(await get(`${url}/through-the-api-server`), 'shop-web answers /through-the-api-server');

    const forwardRow = environments
      .locator('.monaco-list-row', { hasText: `${url.slice('http://'.length)} → deployment/shop-web:8080` })
      .first();
    await forwardRow.waitFor({ timeout: 30_000 });
    assert.match(await forwardRow.innerText(), /pod shop-web-\w+-\w+:8080/);
    await screenshot(page, '23-environments-port-forward');

    // The row re-renders as the watch reports the pod: a click can land on the action bar of the row being
    // replaced. A click that stopped nothing (the port still answers) is made again; a forward stopped while its
    // row stays is a failure of the view.
    for (let attempt = 1; ; attempt++) {
      await forwardRow.hover();
      await forwardRow.locator('.action-label[aria-label="Stop Port Forward"]').click();
      const detached = await forwardRow.waitFor({ state: 'detached', timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (detached) break;
      const stillAnswers = await get(url).then(
        () => true,
        () => false,
      );
      assert.ok(stillAnswers, 'the forward stopped but its row stayed in the Environments view');
      assert.ok(attempt < 3, 'three clicks on Stop Port Forward did not stop the forward');
    }
    await assert.rejects(get(url), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
  });
});

/** Waits for `row`; on timeout the message lists the view's rows, so a failure says what was shown instead. */
async function waitForRow(view: Locator, row: Locator, timeout: number): Promise<void> {
  await row.waitFor({ timeout }).catch(async (error: unknown) => {
    assert.fail(`${(error as Error).message.split('\n')[0]}\nThe view's rows:\n${(await treeRows(view)).join('\n')}`);
  });
}

/**
 * Expands `parent` until `child` shows. A click on a row that the watch re-renders at that moment can be lost,
 * and a row whose first children arrive later has nothing to expand until then, so this looks again each second.
 */
async function expandUntil(parent: Locator, child: Locator, what: string, view: Locator, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await child.isVisible())) {
    if (Date.now() > deadline)
      assert.fail(`${what} did not show in ${timeout / 1000} s. The view's rows:\n${(await treeRows(view)).join('\n')}`);
    if ((await parent.getAttribute('aria-expanded')) === 'false') await parent.locator('.monaco-tl-twistie').click();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function readyDeploymentRow(environments: Locator): Promise<Locator> {
  const row = environments.locator('.monaco-list-row', { hasText: 'shop-web' }).filter({ hasText: 'ready' }).first();
  await row.waitFor({ timeout: 60_000 });
  return row;
}

/**
 * Opens a row's context menu and runs an item, until `shown` (what the item opens) is visible. A row
 * re-rendered under the open menu (the watch refreshes the view) closes the menu: it is opened again then. A
 * click that lands while the menu is still settling leaves it open without running the item: it is closed first.
 */
async function runRowMenuItem(page: Page, row: Locator, label: string, shown: Locator): Promise<void> {
  const openMenu = page.locator('.context-view .monaco-menu');
  for (let attempt = 1; !(await shown.isVisible()); attempt++) {
    if (await openMenu.isVisible()) await page.keyboard.press('Escape');
    await row.click({ button: 'right' });
    await runMenuItem(page, label);
    await shown.waitFor({ timeout: 15_000 }).catch((error: unknown) => {
      if (attempt >= 3) throw error;
    });
  }
}

/**
 * Runs an item of the open context menu as a keyboard user would: hovered (which focuses it), then Enter. A
 * mouse click on the item right after the menu opened was sometimes taken as the end of the right click.
 */
async function runMenuItem(page: Page, label: string): Promise<void> {
  const item = page.locator('.context-view .action-menu-item', { has: page.locator(`.action-label[aria-label="${label}"]`) });
  await item.hover();
  await page.keyboard.press('Enter');
}
