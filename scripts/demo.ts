// `npm run demo`: VS Code in the browser with the packaged Conveyor on a copy of demo/workspace (embedded
// defaults only). Prints the URL; Ctrl-C stops everything it started. `scripts/setup.ts demo` installs
// what it runs (the npm script calls it first).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBaseImage, startDockerEngine, startRegistry } from './docker/dockerHost';
import { installExtension, startCodeServer } from './vscode-host/codeServer';
import { startControlPlane } from './kube/cluster';
import type { KubeControlPlane } from './kube/cluster';
import { api } from './kube/api';
import { version } from '../package.json';
import { messageOf } from '../src/core/errors';

const ROOT = path.resolve(__dirname, '..');
const PORT = Number(process.env.CONVEYOR_DEMO_PORT ?? 8080);
const REGISTRY_PORT = Number(process.env.CONVEYOR_DEMO_REGISTRY_PORT ?? 5000);
/** CONVEYOR_DEMO_KUBE=0 skips the local Kubernetes (its first build takes minutes). */
const WITH_KUBE = process.env.CONVEYOR_DEMO_KUBE !== '0';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'conveyor-demo-'));
  const workspace = path.join(home, 'shop-api');
  cpSync(path.join(ROOT, 'demo', 'workspace'), workspace, { recursive: true });
  // The demo service itself, running, so the uptime check and the page-speed goal have something to measure.
  const shopPort = await freePort();
  const configFile = path.join(workspace, 'conveyor.yml');
  writeFileSync(configFile, readFileSync(configFile, 'utf8').replaceAll('127.0.0.1:8080', `127.0.0.1:${shopPort}`));
  const shop = spawn(process.execPath, ['src/server.js'], {
    cwd: workspace,
    env: { ...process.env, PORT: String(shopPort) },
    stdio: 'ignore',
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('config', 'user.name', 'Conveyor Demo');
  git('config', 'user.email', 'demo@conveyor.invalid');
  git('commit', '-q', '-m', 'feat: shop-api demo service');

  // A private Docker engine and a local registry, so Create Release works here with no account.
  const engine = await startDockerEngine();
  await ensureBaseImage(engine);
  const registry = await startRegistry({ port: REGISTRY_PORT });

  // A local Kubernetes control plane (built once from Debian's source, see scripts/kube), so Deploy works too.
  let kube: KubeControlPlane | undefined;
  if (WITH_KUBE) {
    kube = await startControlPlane();
    // The namespaces the demo's environments deploy into.
    const admin = { server: kube.server, token: kube.token, ca: kube.caData };
    for (const name of ['shop-staging', 'shop']) {
      await api(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { allow: [409] });
    }
  }

  const extensionsDir = path.join(home, 'extensions');
  await installExtension(path.join(ROOT, `conveyor-${version}.vsix`), extensionsDir);
  const settings: Record<string, unknown> = { 'conveyor.release.dockerHost': engine.dockerHost };
  if (kube) settings['conveyor.deploy.kubeconfig'] = kube.kubeconfig;
  const server = await startCodeServer({ extensionsDir, port: PORT, settings });
  const stop = async () => {
    console.log('\nStopping code-server, the cluster, the registry and the Docker engine…');
    await server.stop();
    shop.kill();
    await kube?.stop();
    await registry.stop();
    await engine.stop();
    rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  console.log(
    `\nConveyor demo is running. Open in a browser:\n\n  ${server.url({ folder: workspace })}\n\nWorkspace: ${workspace}\nDocker engine: ${engine.dockerHost}   registry: ${registry.host}\nshop-api: http://127.0.0.1:${shopPort}/health${kube ? `   Kubernetes: ${kube.server} (kubeconfig ${kube.kubeconfig})` : ''}\nPress Ctrl-C to stop.`,
  );
}

main().catch((error: unknown) => {
  console.error(`demo: ${messageOf(error)}`);
  process.exit(1);
});
