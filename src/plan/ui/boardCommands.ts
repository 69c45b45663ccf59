import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pickFolder } from '../../ui/folderPicker';
import { createLocalBoard } from '../localBoard';

export function registerBoardCommands(model: WorkspaceModel): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.board.createLocal', async (folder?: unknown) => {
      const status = await pickFolder(model, folder, 'Create the local board in which folder?');
      if (!status) return;
      const { path: file, created } = await createLocalBoard(status.folder, status.board.file);
      await model.reload(status.folder);
      void vscode.commands.executeCommand('conveyor.board.focus');
      void vscode.window.showInformationMessage(
        created
          ? `Created the local board ${path.relative(status.folder, file)} in ${status.name}. It is a plain file: commit it with your code.`
          : `${status.name} already has a board file (${path.relative(status.folder, file)}); it was left as it is.`,
      );
    }),
    vscode.commands.registerCommand('conveyor.board.openFile', async (folder?: unknown, line?: unknown) => {
      const status = await pickFolder(model, folder, 'Open the board file of which folder?');
      if (!status) return;
      const file = path.join(status.folder, status.board.file);
      if (!status.board.exists) {
        void vscode.window.showInformationMessage(`${status.name} has no board file yet.`, 'Create Local Board').then((choice) => {
          if (choice) void vscode.commands.executeCommand('conveyor.board.createLocal', status.folder);
        });
        return;
      }
      const position = typeof line === 'number' ? new vscode.Position(Math.max(0, line - 1), 0) : undefined;
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: position && new vscode.Range(position, position) });
    }),
  );
}
