import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { planEngine } from '../../plan/ui/planEngineLoader';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { ciExport, JENKINSFILE, VENDORED_CLI, WORKFLOW_FILE, writeCiExport } from '../ciExport';

/** Export Pipeline to CI: the workflow and Jenkinsfile that run the same stages (and ship) through the CLI. */
export function registerCiExportCommands(model: WorkspaceModel, extensionPath: string, log: vscode.LogOutputChannel): vscode.Disposable {
  return registerConveyorCommand(
    { model, log },
    'conveyor.pipeline.exportToCi',
    async ({ status }) => {
      const root = status.git.root;
      if (!root) {
        void vscode.window.showErrorMessage(`${status.name} is not in a git repository: CI runs on pushes.`);
        return;
      }
      const exported = ciExport({ status, defaultBranch: await planEngine().defaultBranchOf(root) });
      const existing = [WORKFLOW_FILE, JENKINSFILE].filter((file) => existsSync(path.join(root, file)));
      let overwrite = false;
      if (existing.length > 0) {
        const replace = 'Replace';
        const keep = 'Keep Mine';
        const answer = await vscode.window.showWarningMessage(
          `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}.`,
          { modal: true },
          replace,
          keep,
        );
        if (!answer) return;
        overwrite = answer === replace;
      }
      const files = await writeCiExport(root, exported, path.join(extensionPath, 'dist', 'cli.js'), overwrite);
      const what = exported.ships ? 'every push runs the pipeline, and pushes to the default branch ship' : 'every push runs the pipeline';
      void vscode.window.showInformationMessage(
        `Wrote ${files.written.join(', ')}: ${what}. Commit them (with ${VENDORED_CLI}, the CLI the jobs run).`,
      );
      if (files.written.includes(WORKFLOW_FILE)) await vscode.window.showTextDocument(vscode.Uri.file(path.join(root, WORKFLOW_FILE)));
    },
    { folder: { placeHolder: "Export which folder's pipeline?" }, failure: 'Could not export the pipeline' },
  );
}
