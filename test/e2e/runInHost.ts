// Runs the in-host mocha suites (test/e2e/suite, built by `node esbuild.mjs --tests`) through
// @vscode/test-electron's runTests, on a sample workspace with a conveyor.yml the suites expect.
//   node --import tsx test/e2e/runInHost.ts                      code-server through the stand-in (CI, this machine)
//   CONVEYOR_VSCODE=electron node --import tsx test/e2e/runInHost.ts   desktop VS Code, downloaded by runTests
// Prints the suites' `[mocha]` lines and exits with the host's code.
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import * as path from 'node:path';
import { sampleWorkspace } from '../support/sampleWorkspace';

const ROOT = path.resolve(__dirname, '..', '..');
export const IN_HOST_SUITE = path.join(ROOT, 'out', 'test', 'suite', 'index');
const STAND_IN = path.join(ROOT, 'scripts', 'vscode-host', 'code-standin');
const BROKEN_CONFIG = [
  'version: 1',
  'board:',
  '  provider: trello',
  'pipeline:',
  '  stages:',
  '    - name: lint',
  '      timeout: ten',
  '      run: npm run lint',
  'colour: blue',
  '',
].join('\n');

/** The host's exit code: 0 when every suite passed. */
export async function runInHostSuite(): Promise<number> {
  const workspace = sampleWorkspace(
    { 'conveyor.yml': BROKEN_CONFIG, 'package.json': '{"scripts":{"test":"mocha"}}' },
    { git: true, name: 'host-suite' },
  );
  try {
    return await runTests({
      // Left out, runTests downloads the current desktop VS Code into .vscode-test/, as in any extension.
      vscodeExecutablePath: process.env.CONVEYOR_VSCODE === 'electron' ? undefined : STAND_IN,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: IN_HOST_SUITE,
      launchArgs: [workspace.dir, '--disable-extensions'],
    });
  } catch (error) {
    if (error instanceof TestRunFailedError) return error.code ?? 1;
    throw error;
  } finally {
    workspace.remove();
  }
}

if (require.main === module) {
  runInHostSuite().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
