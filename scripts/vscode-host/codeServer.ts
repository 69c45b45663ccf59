// Starts a fresh code-server (a real VS Code web workbench with a Node extension host) and stops it
// with its whole process group, so no extension host outlives a test run.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { vscodeHostTools } from './tools';
import { onProcessEnd } from '../processEnd';

export interface CodeServerOptions {
  /** Extensions directory (install the .vsix there first); a fresh one when omitted. */
  extensionsDir?: string;
  /** Leave workspace trust on, so folders open in Restricted Mode. */
  restricted?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Loopback port; a free one when omitted. */
  port?: number;
}

export interface CodeServer {
  port: number;
  /** URL that opens a folder or a .code-workspace file, optionally with a dev/test payload. */
  url(target?: { folder?: string; workspace?: string }, payload?: [string, string][]): string;
  logText(): string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

function hostEnv(home: string): NodeJS.ProcessEnv {
  const tools = vscodeHostTools();
  return {
    ...process.env,
    PATH: `${tools.nodeBin}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'),
    XDG_DATA_HOME: path.join(home, 'xdg-data'),
    XDG_CACHE_HOME: path.join(home, 'xdg-cache'),
  };
}

export async function installExtension(vsix: string, extensionsDir: string): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'conveyor-install-'));
  try {
    await run(vscodeHostTools().codeServer, ['--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
      env: hostEnv(home),
      timeout: 120_000,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', () => resolve(0));
  });
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const tools = vscodeHostTools();
  const home = mkdtempSync(path.join(os.tmpdir(), 'conveyor-cs-'));
  const userData = path.join(home, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(home, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
      'git.openRepositoryInParentFolders': 'never',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      ...options.settings,
    }),
  );
  const port = options.port ?? (await freePort());
  const logFile = path.join(home, 'code-server.log');
  const log = openSync(logFile, 'a');
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--reconnection-grace-time',
    '3',
    '--vscode-option',
    'enable-smoke-test-driver',
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensionsDir,
    ...(options.restricted ? [] : ['--disable-workspace-trust']),
  ];
  const child: ChildProcess = spawn(tools.codeServer, args, { detached: true, stdio: ['ignore', log, log], env: hostEnv(home) });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  // Its own process group, so a Ctrl-C in the terminal does not reach it: stopped when this process ends.
  const forget = onProcessEnd(() => process.kill(-child.pid!, 'SIGKILL'));
  void exited.then(() => {
    alive = false;
    forget();
  });

  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    // CONVEYOR_KEEP_CODE_SERVER=1 keeps the server's folders (logs of the extension host) for debugging.
    if (process.env.CONVEYOR_KEEP_CODE_SERVER) process.stderr.write(`code-server files kept in ${home}\n`);
    else rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };

  const deadline = Date.now() + 60_000;
  while ((await httpStatus(`http://127.0.0.1:${port}/healthz`)) !== 200) {
    if (!alive || Date.now() > deadline) {
      const text = readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`code-server did not start on port ${port}:\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    port,
    url(target = {}, payload) {
      const query = new URLSearchParams();
      if (target.folder) query.set('folder', target.folder);
      else if (target.workspace) query.set('workspace', target.workspace);
      else query.set('ew', 'true');
      if (payload) query.set('payload', JSON.stringify(payload));
      return `http://127.0.0.1:${port}/?${query.toString()}`;
    },
    logText: () => readFileSync(logFile, 'utf8'),
    stop,
  };
}
