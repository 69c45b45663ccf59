import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pickFolder } from '../../ui/folderPicker';

export function registerPipelineCommands(model: WorkspaceModel): vscode.Disposable {
  return vscode.commands.registerCommand('conveyor.pipeline.detect', async (folder?: unknown) => {
    const picked = await pickFolder(model, folder, 'Detect the pipeline of which folder?');
    if (!picked) return;
    await model.reload(picked.folder);
    const status = model.statusOf(picked.folder) ?? picked;
    void vscode.commands.executeCommand('conveyor.pipeline.focus');
    const { stages, source } = status.pipeline;
    if (stages.length === 0) {
      const choice = await vscode.window.showInformationMessage(
        `No pipeline stages found in ${status.name}: add lint/build/test scripts to package.json, Makefile targets, or list stages in conveyor.yml.`,
        'Create conveyor.yml',
      );
      if (choice) await vscode.commands.executeCommand('conveyor.openConfig', status.folder);
      return;
    }
    const names = stages.map((s) => s.name).join(', ');
    if (source === 'conveyor.yml') {
      void vscode.window.showInformationMessage(`${status.name}: ${stages.length} stages from conveyor.yml (${names}).`);
      return;
    }
    const from = [...new Set(stages.map((s) => s.source))].join(', ');
    const choice = await vscode.window.showInformationMessage(
      `Detected ${stages.length} stages in ${status.name} from ${from}: ${names}.`,
      'Save as conveyor.yml',
    );
    if (choice) await vscode.commands.executeCommand('conveyor.openConfig', status.folder);
  });
}
