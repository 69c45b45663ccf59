import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { BoardService } from './boardService';

/** The work item in progress in the active folder (set by Start Work); click reveals the Board view. */
export function registerActiveItemStatusBar(model: WorkspaceModel, board: BoardService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('conveyor.activeItem', vscode.StatusBarAlignment.Left, 51);
  item.name = 'Conveyor Work Item';
  const update = () => {
    const status = model.activeFolder();
    const key = status && board.activeItem(status.folder);
    const workItem = key ? status.board.items.find((i) => i.key === key) : undefined;
    if (!status || !key || !workItem) return item.hide();
    item.text = `$(issues) ${key}`;
    item.tooltip = `Working on ${key}: ${workItem.title}`;
    item.command = 'conveyor.board.focus';
    item.show();
  };
  return vscode.Disposable.from(
    item,
    board.onDidChange(update),
    model.onDidChange(update),
    vscode.window.onDidChangeActiveTextEditor(update),
  );
}
