// A security patch from the light bulb in a real VS Code (code-server): the pipeline's npm audit puts the
// finding on package.json, the quick fix has the real npm update the package from a real registry (Verdaccio on
// loopback, behind the stub of npm's advisory endpoint serving recorded advisories), and the patch lands on a
// branch of its own, then goes through the pipeline.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { npmHome, runNpm, startNpmRegistry } from '../../support/npmRegistry';
import type { NpmHome, NpmRegistry } from '../../support/npmRegistry';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';
import { useVsixHost } from '../harness/vsixHost';
import { openFileAt, openWorkbench, runCommand, screenshot, statusBarItem } from '../harness/workbench';

describe('npm audit quick fix in VS Code, with real npm against Verdaccio and the advisory stub (e2e, stub)', () => {
  let registry: NpmRegistry;
  let home: NpmHome;
  let ws: SampleWorkspace;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();
  // What the pipeline printed, from its run history in the git directory: the one clue when a step never shows.
  const runLogs = () => {
    const logs = path.join(ws.dir, '.git', 'conveyor', 'logs');
    return existsSync(logs)
      ? readdirSync(logs)
          .map((name) => `--- ${name}\n${readFileSync(path.join(logs, name), 'utf8').slice(-4000)}`)
          .join('\n')
      : `(no ${logs}: no run was recorded)`;
  };

  before(async () => {
    registry = await startNpmRegistry();
    home = npmHome();
    await registry.publish('minimist-1.2.0');
    ws = sampleWorkspace(
      {
        'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, dependencies: { minimist: '^1.2.0' } }, null, 2)}\n`,
        '.gitignore': 'node_modules/\n',
        // The project's own registry: what the extension host's npm asks, as a user's .npmrc would make it.
        '.npmrc': `registry=${registry.url}\n`,
        'conveyor.yml': ['version: 1', 'pipeline:', '  stages:', '    - { name: test, run: "true" }', ''].join('\n'),
      },
      { git: true, name: 'patched-shop' },
    );
    git('config', 'user.name', 'Patch Tester');
    git('config', 'user.email', 'patch@conveyor.invalid');
    const install = await runNpm(ws.dir, ['install'], home.env(registry.url));
    assert.equal(install.exitCode, 0, install.stderr);
    git('add', 'package-lock.json');
    git('commit', '-qm', 'chore: lockfile');
    // The fixed release comes out after the project locked the vulnerable one.
    await registry.publish('minimist-1.2.8');
  });
  after(async () => {
    ws?.remove();
    home?.remove();
    await registry?.close();
  });
  // The terminal's DOM renderer, so the pipeline's output can be read from the page.
  const host = useVsixHost({ settings: () => ({ 'terminal.integrated.gpuAcceleration': 'off' }) });

  it('offers "Update minimist to 1.2.8" on the finding, and lands it on fix/security-minimist with the lockfile updated', async function () {
    // Each wait below has its own deadline and says what it waited for; the test's must not cut them short.
    this.timeout(600_000);
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    // The pipeline's status bar item shows once Conveyor has read the folder (its commands are ready then).
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.pipeline').filter({ hasText: 'test' }).waitFor({ timeout: 60_000 });
    await runCommand(page, 'Conveyor: Run Pipeline');
    // The run's terminal takes the panel when it opens: Problems is focused once the run is over, not before.
    // Longer than the stage's own audit timeout (120 s), so a hung audit says so in the run's log.
    const runDeadline = Date.now() + 150_000;
    while (!/━━ Run (passed|failed)/.test(runLogs())) {
      assert.ok(Date.now() < runDeadline, `a finished pipeline run; the run logs:\n${runLogs()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
    const finding = page.locator('.markers-panel .monaco-list-row', { hasText: 'Prototype Pollution' });
    await finding
      .first()
      .waitFor({ timeout: 30_000 })
      .catch((error: unknown) => assert.fail(`the audit finding in Problems (${String(error)}); the run logs:\n${runLogs()}`));
    assert.match(await finding.first().innerText(), /minimist/);

    await openFileAt(page, 'package.json', 6);
    // Onto the dependency's key, where the finding is (Home: its first non-blank character).
    await page.keyboard.press('Home');
    // The first ask plans with npm (audit, view); until it answers the menu may open empty: ask again.
    const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Update minimist to 1.2.8' });
    const quickFixDeadline = Date.now() + 90_000;
    for (;;) {
      await page.keyboard.press('Control+.');
      if (
        await action
          .first()
          .waitFor({ timeout: 5_000 })
          .then(
            () => true,
            () => false,
          )
      )
        break;
      assert.ok(Date.now() < quickFixDeadline, 'the quick fix "Update minimist to 1.2.8" in the light bulb menu');
      await page.keyboard.press('Escape');
    }
    await screenshot(page, '40-security-quick-fix');
    await action.first().click();

    const onBranch = () => git('rev-parse', '--abbrev-ref', 'HEAD');
    const deadline = Date.now() + 120_000;
    while (onBranch() !== 'fix/security-minimist') {
      assert.ok(Date.now() < deadline, `the patch branch (on ${onBranch()})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Then the pipeline runs on the patch: its audit finds nothing left.
    await page
      .locator('.terminal-wrapper .xterm-rows', { hasText: 'Dependency audit: 0 vulnerable packages' })
      .first()
      .waitFor({ timeout: 150_000 })
      .catch((error: unknown) => assert.fail(`the patch's clean audit (${String(error)}); the run logs:\n${runLogs()}`));
    await screenshot(page, '41-security-patch-landed');
    const lock = JSON.parse(readFileSync(path.join(ws.dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    assert.equal(lock.packages['node_modules/minimist']?.version, '1.2.8');
    assert.equal(git('log', '-1', '--format=%s'), 'fix(deps): update minimist to 1.2.8');
    assert.equal(git('status', '--porcelain'), '');
  });
});
