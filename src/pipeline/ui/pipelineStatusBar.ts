import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pipelineIndicator } from '../pipelineIndicator';

/** The pipeline indicator for the active editor's folder, present from activation. */
export function registerPipelineStatusBar(model: WorkspaceModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.pipeline', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Conveyor Pipeline';
  item.text = '$(loading~spin) Conveyor';
  item.show();
  const update = () => {
    const indicator = pipelineIndicator(model.activeFolder(), vscode.workspace.isTrusted, model.folders().length > 1);
    item.text = indicator.text;
    item.tooltip = new vscode.MarkdownString(indicator.tooltip);
    item.command = indicator.hasStages ? 'conveyor.pipeline.focus' : 'conveyor.pipeline.detect';
    item.accessibilityInformation = { label: indicator.accessibilityLabel };
  };
  void model.ready.then(update);
  return vscode.Disposable.from(
    item,
    model.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidGrantWorkspaceTrust(update),
  );
}
