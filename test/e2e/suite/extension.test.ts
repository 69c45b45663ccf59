// Runs inside the real VS Code extension host (code-server), against the vscode API itself.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'conveyor-dev.conveyor';

import type { ConveyorApi } from '../../../src/extension';

function folder(): string {
  const first = vscode.workspace.workspaceFolders?.[0];
  assert.ok(first, 'the test workspace has a folder');
  return first.uri.fsPath;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function configDiagnostics(): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(path.join(folder(), 'conveyor.yml'))).filter((d) => d.source === 'conveyor');
}

describe('Conveyor in the real extension host', () => {
  let api: ConveyorApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<ConveyorApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    api = await extension.activate();
    await api.whenReady();
  });

  it('activates on workspaceContains:conveyor.yml and measures its activation time', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(extension.isActive, true);
    assert.ok(api.activationMs > 0 && api.activationMs < 5000, `activation took ${api.activationMs} ms`);
    const events = (extension.packageJSON as { activationEvents: string[] }).activationEvents;
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), 'activation stays narrow');
  });

  it('registers every command it contributes, all under the Conveyor category', async () => {
    const contributed = (
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } }
    ).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 7);
    for (const command of contributed) {
      assert.ok(registered.has(command.command), `${command.command} is registered`);
      assert.equal(command.category, 'Conveyor');
    }
  });

  it('contributes the ten views of the loop, each focusable and with a welcome text', async () => {
    const contributes = (
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
        contributes: { views: Record<string, { id: string }[]>; viewsWelcome: { view: string }[] };
      }
    ).contributes;
    const ids = contributes.views.conveyor.map((v) => v.id);
    assert.deepEqual(ids, [
      'conveyor.board',
      'conveyor.pipeline',
      'conveyor.belt',
      'conveyor.ci',
      'conveyor.releases',
      'conveyor.environments',
      'conveyor.errors',
      'conveyor.uptime',
      'conveyor.goals',
      'conveyor.trace',
    ]);
    for (const id of ids) {
      assert.ok(
        contributes.viewsWelcome.some((w) => w.view === id),
        `${id} has a welcome text`,
      );
      await vscode.commands.executeCommand(`${id}.focus`);
    }
  });

  it('shows each problem of the broken conveyor.yml in Problems at its line and column', async () => {
    const diagnostics = await until('conveyor.yml diagnostics', () => {
      const found = configDiagnostics();
      return found.length >= 3 ? found : undefined;
    });
    const located = diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message.split(';')[0]}`).sort();
    assert.deepEqual(located, [
      '3:13 board.provider must be one of: local, github, linear, jira, notion (found "trello")',
      '7:16 pipeline.stages[0].timeout must be: Seconds (1 to 2,000,000, about 23 days), or a duration above zero such as 90s, 10m, 1h',
      '9:1 Unknown key "colour" in conveyor.yml',
    ]);
    assert.ok(diagnostics.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
  });

  it('re-validates unsaved edits, and clears the problems once the file is fixed and saved', async () => {
    const uri = vscode.Uri.file(path.join(folder(), 'conveyor.yml'));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.insert(new vscode.Position(document.lineCount, 0), 'goals: 7\n'));
    await until('a diagnostic for the unsaved goals line', () =>
      configDiagnostics().find((d) => d.message.startsWith('goals must be a list')),
    );

    const fixed = 'version: 1\nboard:\n  provider: local\npipeline:\n  stages:\n    - name: lint\n      run: "true"\n';
    await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, document.lineCount, 0), fixed));
    await document.save();
    await until('no conveyor.yml diagnostics', () => (configDiagnostics().length === 0 ? true : undefined));
  });

  it('opens the workspace status as a read-only document', async () => {
    await vscode.commands.executeCommand('conveyor.showStatus', folder());
    const text = await until('the status document', () => {
      const doc = vscode.window.activeTextEditor?.document;
      return doc?.uri.scheme === 'conveyor-status' ? doc.getText() : undefined;
    });
    assert.match(text, /Build & Test: 1 stage\(s\) from conveyor\.yml/);
    assert.match(text, /git: branch main/);
  });

  it('creates the local board file from the Board view command', async () => {
    await vscode.commands.executeCommand('conveyor.board.createLocal', folder());
    const text = await fs.readFile(path.join(folder(), '.conveyor', 'board.yml'), 'utf8');
    assert.match(text, /key: CNV-1/);
  });

  it('runs the pipeline from its command: the failing test from the JUnit report is a diagnostic at its line, and the run is recorded', async () => {
    const root = folder();
    await fs.mkdir(path.join(root, 'test'), { recursive: true });
    await fs.writeFile(
      path.join(root, 'test', 'math.test.js'),
      [
        "const test = require('node:test');",
        "const assert = require('node:assert');",
        "test('adds', () => assert.strictEqual(1 + 1, 2));",
        "test('multiplies', () => {",
        '  assert.strictEqual(2 * 3, 7);',
        '});',
        '',
      ].join('\n'),
    );
    await fs.writeFile(
      path.join(root, 'conveyor.yml'),
      [
        'version: 1',
        'pipeline:',
        '  security: false',
        '  stages:',
        '    - name: unit',
        '      run: mkdir -p reports && node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml test/math.test.js',
        '      junit: reports/junit.xml',
        '',
      ].join('\n'),
    );
    await until('the new stage', () => (configDiagnostics().length === 0 ? true : undefined));
    await vscode.commands.executeCommand('conveyor.refresh');
    await vscode.commands.executeCommand('conveyor.pipeline.run', root);
    const run = api.pipelineRun(root);
    assert.equal(run?.result, 'failed');
    const unit = run.stages.find((s) => s.name === 'unit');
    assert.deepEqual(unit?.tests?.counts, { total: 2, passed: 1, failed: 1, skipped: 0 });
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(root, 'test', 'math.test.js')));
    const failure = diagnostics.find((d) => d.source === 'unit (tests)');
    assert.ok(failure, `a diagnostic from the report among ${JSON.stringify(diagnostics.map((d) => d.message))}`);
    assert.equal(failure.range.start.line + 1, 5);
    assert.match(failure.message, /^multiplies: /);
  });
});
