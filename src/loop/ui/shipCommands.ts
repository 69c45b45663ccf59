import * as vscode from 'vscode';
import { pickFolder } from '../../ui/folderPicker';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { BeltService } from './beltService';
import { beltStatusText } from './beltNodes';

/** Ship and Stop Ship (palette, the Ship and Pipeline views' title bars) and the belt's status bar item. */
export function registerShipCommands(model: WorkspaceModel, belt: BeltService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.belt', vscode.StatusBarAlignment.Left, 48);
  item.name = 'Conveyor Ship';
  item.command = 'conveyor.belt.focus';
  let ticker: NodeJS.Timeout | undefined;
  const update = () => {
    const run = belt.running();
    void vscode.commands.executeCommand('setContext', 'conveyor.belt.running', run !== undefined);
    if (!run) {
      item.hide();
      clearInterval(ticker);
      ticker = undefined;
      return;
    }
    item.text = beltStatusText(run);
    item.tooltip = `${run.message} — click to show Ship`;
    item.show();
    // The clock in the text moves while a station runs.
    ticker ??= setInterval(update, 1000);
  };
  return vscode.Disposable.from(
    item,
    belt.onDidChange(update),
    { dispose: () => clearInterval(ticker) },
    vscode.commands.registerCommand('conveyor.ship', async (arg?: unknown) => {
      if (!vscode.workspace.isTrusted) {
        const choice = await vscode.window.showWarningMessage('Restricted Mode: Ship runs the pipeline, builds and pushes an image and deploys it; Conveyor does none of that until you trust this workspace.', 'Manage Workspace Trust');
        if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
        return;
      }
      const status = await pickFolder(model, typeof arg === 'string' ? arg : undefined, 'Ship which folder?');
      if (status) await belt.ship(status);
    }),
    vscode.commands.registerCommand('conveyor.ship.stop', (arg?: unknown) => belt.stop(typeof arg === 'string' ? arg : undefined)),
  );
}
