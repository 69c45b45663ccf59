import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pipelineIndicator } from '../pipelineIndicator';
import type { PipelineService } from './pipelineService';

/**
 * Two items for the active editor's folder, present from activation: the pipeline indicator
 * (`$(check) lint $(sync~spin) test`, red when the last run failed; click opens the Pipeline view) and an
 * action next to it (Run, Stop while running, Re-run Failed after a failure).
 */
export function registerPipelineStatusBar(model: WorkspaceModel, service: PipelineService): vscode.Disposable {
  const indicatorItem = vscode.window.createStatusBarItem('conveyor.pipeline', vscode.StatusBarAlignment.Left, 50);
  indicatorItem.name = 'Conveyor Pipeline';
  indicatorItem.text = '$(loading~spin) Conveyor';
  indicatorItem.show();
  const actionItem = vscode.window.createStatusBarItem('conveyor.pipeline.action', vscode.StatusBarAlignment.Left, 49);
  actionItem.name = 'Conveyor Pipeline Action';

  const update = () => {
    const status = model.activeFolder();
    const run = status && service.viewState(status.folder).run;
    const indicator = pipelineIndicator(status, vscode.workspace.isTrusted, model.folders().length > 1, run);
    indicatorItem.text = indicator.text;
    indicatorItem.tooltip = new vscode.MarkdownString(indicator.tooltip, true);
    indicatorItem.command = indicator.hasStages ? 'conveyor.pipeline.focus' : 'conveyor.pipeline.detect';
    indicatorItem.accessibilityInformation = { label: indicator.accessibilityLabel };
    indicatorItem.backgroundColor = indicator.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;

    const running = status !== undefined && service.isRunning(status.folder);
    if (!status || !indicator.hasStages || !vscode.workspace.isTrusted) {
      actionItem.hide();
    } else {
      const action = running
        ? { text: '$(debug-stop)', tooltip: 'Stop the pipeline run', command: 'conveyor.pipeline.stop' }
        : indicator.state === 'failed'
          ? { text: '$(debug-rerun)', tooltip: 'Re-run the failed stage and the ones after it', command: 'conveyor.pipeline.rerunFailed' }
          : { text: '$(play)', tooltip: 'Run the pipeline', command: 'conveyor.pipeline.run' };
      actionItem.text = action.text;
      actionItem.tooltip = `${action.tooltip} (${status.name})`;
      actionItem.command = { command: action.command, title: action.tooltip, arguments: [status.folder] };
      actionItem.accessibilityInformation = { label: `${action.tooltip} of ${status.name}` };
      actionItem.show();
    }
    void vscode.commands.executeCommand('setContext', 'conveyor.pipeline.running', service.isRunning());
    void vscode.commands.executeCommand('setContext', 'conveyor.pipeline.lastFailed', indicator.state === 'failed');
  };
  void model.ready.then(update);
  return vscode.Disposable.from(
    indicatorItem,
    actionItem,
    model.onDidChange(update),
    service.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidGrantWorkspaceTrust(update),
  );
}
