// Stands in for the VS Code executable that @vscode/test-electron's runTests spawns (Electron cannot be
// downloaded here): takes the same arguments, runs the extension tests in a fresh code-server through
// its dev/test payload, seen in Chromium, and exits with the code the extension host reported.
// Spawned through the `code-standin` shim next to it.
import * as path from 'node:path';
import { launchBrowser } from './browser';
import { startCodeServer } from './codeServer';

export interface LaunchArgs {
  folder?: string;
  extensionDevelopmentPaths: string[];
  extensionTestsPath: string;
}

const RESULT_TIMEOUT_MS = 180_000;

/** The arguments runTests passes; the Electron-only flags (--no-sandbox, --user-data-dir…) do not apply to a fresh server. */
export function parseLaunchArgs(argv: string[]): LaunchArgs {
  const valuesOf = (name: string) => argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
  const [extensionTestsPath] = valuesOf('extensionTestsPath');
  if (!extensionTestsPath) throw new Error('--extensionTestsPath=… is required');
  const folders = argv.filter((a) => !a.startsWith('-'));
  if (folders.length > 1) throw new Error(`one workspace folder at most, got ${folders.join(', ')}`);
  return {
    folder: folders[0] && path.resolve(folders[0]),
    extensionDevelopmentPaths: valuesOf('extensionDevelopmentPath').map((p) => path.resolve(p)),
    extensionTestsPath: path.resolve(extensionTestsPath),
  };
}

async function runInCodeServer(args: LaunchArgs): Promise<number> {
  const server = await startCodeServer();
  const stopOnSignal = () => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  const browser = await launchBrowser();
  try {
    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    await browser.page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    // The host's console reaches the page's console; the suite's lines are passed on as a desktop host would print them.
    browser.page.on('console', (message) => {
      for (const line of message.text().split('\n')) if (line.includes('[mocha] ')) console.log(line.replace(/^.*?\[mocha\] /, '[mocha] '));
    });
    const remote = (p: string) => `vscode-remote://remote${p}`;
    await browser.page.goto(
      server.url({ folder: args.folder }, [
        ...args.extensionDevelopmentPaths.map((p): [string, string] => ['extensionDevelopmentPath', remote(p)]),
        ['extensionTestsPath', remote(args.extensionTestsPath)],
      ]),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.error(
          `no result from the extension host in ${RESULT_TIMEOUT_MS / 1000} s; code-server's log:\n${server.logText().slice(-3000)}`,
        );
        resolve(1);
      }, RESULT_TIMEOUT_MS);
    });
    return await Promise.race([exited, timedOut]).finally(() => clearTimeout(timer));
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (require.main === module) {
  Promise.resolve()
    .then(() => runInCodeServer(parseLaunchArgs(process.argv.slice(2))))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
}
