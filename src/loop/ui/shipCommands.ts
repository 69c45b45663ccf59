import * as vscode from 'vscode';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { BeltService } from './beltService';
import { deliveryPlan } from '../belt/deliveryPlan';
import { beltStatusText } from './beltNodes';

/**
 * Ship and Stop Ship (palette, the Ship and Pipeline views' title bars) and the belt's status bar item: a
 * Ship button while idle, where the belt is (`$(rocket) v1.5.0 · staging · verifying 0:42`) while it runs.
 */
export function registerShipCommands(model: WorkspaceModel, belt: BeltService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  const item = vscode.window.createStatusBarItem('conveyor.belt', vscode.StatusBarAlignment.Left, 48);
  item.name = 'Conveyor Ship';
  let ticker: NodeJS.Timeout | undefined;
  const update = () => {
    const run = belt.running();
    void vscode.commands.executeCommand('setContext', 'conveyor.belt.running', run !== undefined);
    if (!run) {
      clearInterval(ticker);
      ticker = undefined;
      // Idle: a Ship button for the active folder, where there is somewhere to ship to.
      const status = model.activeFolder();
      const route =
        status && vscode.workspace.isTrusted && status.image
          ? deliveryPlan(status.config.config, status.deploy.environments).steps.map((s) => s.environment.name)
          : [];
      if (!status || route.length === 0) {
        item.hide();
        return;
      }
      item.text = '$(rocket)';
      item.tooltip = `Ship ${status.name}: pipeline → release → ${route.join(' → ')}`;
      item.command = { command: 'conveyor.ship', title: 'Ship', arguments: [status.folder] };
      item.show();
      return;
    }
    item.text = beltStatusText(run);
    item.tooltip = `${run.message} — click to show Ship`;
    item.command = 'conveyor.belt.focus';
    item.show();
    // The clock in the text moves while a station runs.
    ticker ??= setInterval(update, 1000);
  };
  void model.ready.then(update);
  return vscode.Disposable.from(
    item,
    belt.onDidChange(update),
    model.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidGrantWorkspaceTrust(update),
    { dispose: () => clearInterval(ticker) },
    registerConveyorCommand(host, 'conveyor.ship', ({ status }) => belt.ship(status), {
      needsTrust: 'Ship runs the pipeline, builds and pushes an image and deploys it; Conveyor does none of that',
      folder: { placeHolder: 'Ship which folder?' },
    }),
    registerConveyorCommand(host, 'conveyor.ship.stop', ({ status }) => belt.stop(status?.folder)),
  );
}
