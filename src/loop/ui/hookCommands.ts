import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickFolder } from '../../ui/folderPicker';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { CHAINED_HOOK, installPrePushHook, prePushHookState, removePrePushHook } from '../hooks/prePushHook';
import { messageOf } from '../../core/errors';

/** Install / Remove Pre-push Hook: the pipeline through the extension's own CLI before every push (opt-in). */
export function registerHookCommands(model: WorkspaceModel, extensionPath: string): vscode.Disposable {
  const folderFor = async (arg: unknown, verb: string) => {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(`Restricted Mode: Conveyor ${verb} no git hook until you trust this workspace.`, 'Manage Workspace Trust');
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const status = await pickFolder(model, typeof arg === 'string' ? arg : undefined, 'Which folder?');
    if (status && !status.git.isRepository) void vscode.window.showErrorMessage(`${status.name} is not a git repository: a pre-push hook needs one.`);
    return status?.git.isRepository ? status : undefined;
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.hooks.installPrePush', async (arg?: unknown) => {
      const status = await folderFor(arg, 'installs');
      if (!status) return;
      try {
        const before = await prePushHookState(status.folder);
        const keep = before.kind === 'other' ? ` The hook that is there now is kept and runs first (moved to ${CHAINED_HOOK}).` : '';
        const install = 'Install Hook';
        const answer = await vscode.window.showInformationMessage(`Run ${status.name}'s pipeline before every git push? A failing pipeline stops the push (git push --no-verify skips it).${keep}`, { modal: true }, install);
        if (answer !== install) return;
        // The hook runs this extension's CLI with the Node that runs the extension host.
        const state = await installPrePushHook(status.folder, { node: process.execPath, script: path.join(extensionPath, 'dist', 'cli.js') });
        void vscode.window.showInformationMessage(`Pre-push hook installed at ${state.file}.`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Could not install the pre-push hook: ${messageOf(error)}`);
      }
    }),
    vscode.commands.registerCommand('conveyor.hooks.removePrePush', async (arg?: unknown) => {
      const status = await folderFor(arg, 'removes');
      if (!status) return;
      try {
        const state = await removePrePushHook(status.folder);
        void vscode.window.showInformationMessage(state.kind === 'other' ? `Conveyor's pre-push hook was removed; the hook that was there before is back at ${state.file}.` : `Conveyor's pre-push hook was removed from ${path.dirname(state.file)}.`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Could not remove the pre-push hook: ${messageOf(error)}`);
      }
    }),
  );
}
