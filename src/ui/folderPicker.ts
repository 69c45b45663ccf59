import * as vscode from 'vscode';
import type { FolderStatus } from '../loop/folderStatus';
import type { WorkspaceModel } from './workspaceModel';

/**
 * The folder a command acts on: the one given (from a view row), the only one, or the user's choice.
 * Undefined when there is no folder (the user is told) or the pick was cancelled.
 */
export async function pickFolder(
  model: WorkspaceModel,
  given?: unknown,
  placeHolder = 'Workspace folder',
): Promise<FolderStatus | undefined> {
  await model.ready;
  if (typeof given === 'string') {
    const status = model.statusOf(given);
    if (status) return status;
  }
  const folders = model.folders();
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('Conveyor works on a folder: open one first.', 'Open Folder').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.files.openFolder');
    });
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  const active = model.activeFolder();
  const picked = await vscode.window.showQuickPick(
    folders.map((status) => ({ label: status.name, description: status.folder, status, picked: status === active })),
    { placeHolder },
  );
  return picked?.status;
}
