// Runs the mocha suites of test/e2e/suite inside the real extension host of code-server (the web
// workbench's dev/test payload), and fails unless they ran and all passed.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { launchBrowser } from '../harness/browser';
import type { Browser } from '../harness/browser';
import { startCodeServer } from '../../../scripts/vscode-host/codeServer';
import type { CodeServer } from '../../../scripts/vscode-host/codeServer';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SUITE = path.join(ROOT, 'out', 'test', 'suite', 'index');
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

describe('extension-host suites in code-server (e2e)', () => {
  let server: CodeServer;
  let browser: Browser;
  let workspace: SampleWorkspace;

  before(async () => {
    assert.ok(existsSync(`${SUITE}.js`), 'the in-host suite is built (node esbuild.mjs --tests)');
    assert.ok(existsSync(path.join(ROOT, 'dist', 'extension.js')), 'the extension is built');
    workspace = sampleWorkspace(
      { 'conveyor.yml': BROKEN_CONFIG, 'package.json': '{"scripts":{"test":"mocha"}}' },
      { git: true, name: 'host-suite' },
    );
    server = await startCodeServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('passes every suite run inside the extension host', async () => {
    const lines: string[] = [];
    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    await browser.page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    browser.page.on('console', (message) => {
      const text = message.text();
      if (text.includes('[mocha] ')) lines.push(...text.split('\n').map((l) => l.replace(/^.*?\[mocha\] /, '')));
    });
    const remote = (p: string) => `vscode-remote://remote${p}`;
    await browser.page.goto(
      server.url({ folder: workspace.dir }, [
        ['extensionDevelopmentPath', remote(ROOT)],
        ['extensionTestsPath', remote(SUITE)],
      ]),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no result from the extension host:\n${lines.join('\n')}\n${server.logText().slice(-3000)}`)),
        180_000,
      );
    });
    const code = await Promise.race([exited, timedOut]).finally(() => clearTimeout(timer));
    for (const line of lines) console.log(`      ${line}`);
    const summary = lines.find((l) => /^\d+ passed, \d+ failed$/.test(l));
    assert.ok(summary, 'the suite reported a summary');
    assert.equal(code, 0, `extension host exit code ${code}`);
    assert.match(summary, /^[1-9]\d* passed, 0 failed$/);
  });
});
