import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderStatus } from '../folderStatus';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { CHAINED_HOOK, installPrePushHook, prePushHookState, removePrePushHook } from '../hooks/prePushHook';

/** Install / Remove Pre-push Hook: the pipeline through the extension's own CLI before every push (opt-in). */
export function registerHookCommands(model: WorkspaceModel, extensionPath: string, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  const repository = (status: FolderStatus) => {
    if (!status.git.isRepository) void vscode.window.showErrorMessage(`${status.name} is not a git repository: a pre-push hook needs one.`);
    return status.git.isRepository;
  };
  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.hooks.installPrePush',
      async ({ status }) => {
        if (!repository(status)) return;
        const before = await prePushHookState(status.folder);
        const keep = before.kind === 'other' ? ` The hook that is there now is kept and runs first (moved to ${CHAINED_HOOK}).` : '';
        const install = 'Install Hook';
        const answer = await vscode.window.showInformationMessage(
          `Run ${status.name}'s pipeline before every git push? A failing pipeline stops the push (git push --no-verify skips it).${keep}`,
          { modal: true },
          install,
        );
        if (answer !== install) return;
        // The hook runs this extension's CLI with the Node that runs the extension host.
        const state = await installPrePushHook(status.folder, {
          node: process.execPath,
          script: path.join(extensionPath, 'dist', 'cli.js'),
        });
        void vscode.window.showInformationMessage(`Pre-push hook installed at ${state.file}.`);
      },
      {
        needsTrust: 'Conveyor installs no git hook',
        folder: { placeHolder: 'Which folder?' },
        failure: 'Could not install the pre-push hook',
      },
    ),
    registerConveyorCommand(
      host,
      'conveyor.hooks.removePrePush',
      async ({ status }) => {
        if (!repository(status)) return;
        const state = await removePrePushHook(status.folder);
        void vscode.window.showInformationMessage(
          state.kind === 'other'
            ? `Conveyor's pre-push hook was removed; the hook that was there before is back at ${state.file}.`
            : `Conveyor's pre-push hook was removed from ${path.dirname(state.file)}.`,
        );
      },
      {
        needsTrust: 'Conveyor removes no git hook',
        folder: { placeHolder: 'Which folder?' },
        failure: 'Could not remove the pre-push hook',
      },
    ),
  );
}
