import * as assert from 'node:assert/strict';
import { parseLaunchArgs } from '../../../scripts/vscode-host/standin';

describe('the arguments runTests gives the code-server stand-in (unit)', () => {
  // The order runTests builds: launchArgs first, then its own flags, then the profile folders.
  const fromRunTests = [
    '/tmp/ws/host-suite',
    '--disable-extensions',
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-updates',
    '--skip-welcome',
    '--skip-release-notes',
    '--disable-workspace-trust',
    '--extensionTestsPath=/repo/out/test/suite/index',
    '--extensionDevelopmentPath=/repo',
    '--extensions-dir=/repo/.vscode-test/extensions',
    '--user-data-dir=/repo/.vscode-test/user-data',
  ];

  it('takes the workspace folder, the extension under development and the tests entry point', () => {
    assert.deepEqual(parseLaunchArgs(fromRunTests), {
      folder: '/tmp/ws/host-suite',
      extensionDevelopmentPaths: ['/repo'],
      extensionTestsPath: '/repo/out/test/suite/index',
    });
  });

  it('keeps every extension under development and opens an empty window without a folder', () => {
    const args = parseLaunchArgs(['--extensionTestsPath=/t', '--extensionDevelopmentPath=/a', '--extensionDevelopmentPath=/b']);
    assert.deepEqual(args.extensionDevelopmentPaths, ['/a', '/b']);
    assert.equal(args.folder, undefined);
  });

  it('refuses a run without tests, or with more folders than one window opens', () => {
    assert.throws(() => parseLaunchArgs(['/tmp/ws']), /--extensionTestsPath/);
    assert.throws(() => parseLaunchArgs(['--extensionTestsPath=/t', '/a', '/b']), /one workspace folder/);
  });
});
