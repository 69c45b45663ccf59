// `npm run demo`: VS Code in the browser with the packaged Conveyor on a copy of demo/workspace (embedded
// defaults only). Prints the URL; Ctrl-C stops everything it started.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBaseImage, startDockerEngine, startRegistry } from './docker/dockerHost';
import { installExtension, startCodeServer } from './vscode-host/codeServer';
import { version } from '../package.json';

const ROOT = path.resolve(__dirname, '..');
const PORT = Number(process.env.CONVEYOR_DEMO_PORT ?? 8080);
const REGISTRY_PORT = Number(process.env.CONVEYOR_DEMO_REGISTRY_PORT ?? 5000);

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'conveyor-demo-'));
  const workspace = path.join(home, 'shop-api');
  cpSync(path.join(ROOT, 'demo', 'workspace'), workspace, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('config', 'user.name', 'Conveyor Demo');
  git('config', 'user.email', 'demo@conveyor.invalid');
  git('commit', '-q', '-m', 'feat: shop-api demo service');

  // A private Docker engine and a local registry, so Create Release works here with no account.
  execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'docker', 'setup.ts')], { stdio: 'inherit' });
  const engine = await startDockerEngine();
  await ensureBaseImage(engine);
  const registry = await startRegistry({ port: REGISTRY_PORT });

  const extensionsDir = path.join(home, 'extensions');
  await installExtension(path.join(ROOT, `conveyor-${version}.vsix`), extensionsDir);
  const server = await startCodeServer({ extensionsDir, port: PORT, settings: { 'conveyor.release.dockerHost': engine.dockerHost } });
  const stop = async () => {
    console.log('\nStopping code-server, the registry and the Docker engine…');
    await server.stop();
    await registry.stop();
    await engine.stop();
    rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  console.log(`\nConveyor demo is running. Open in a browser:\n\n  ${server.url({ folder: workspace })}\n\nWorkspace: ${workspace}\nDocker engine: ${engine.dockerHost}   registry: ${registry.host}\nPress Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
