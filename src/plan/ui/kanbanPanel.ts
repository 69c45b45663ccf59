import * as vscode from 'vscode';
import type { HostToWebview, KanbanCard, WebviewToHost } from '../../../webviews/board/protocol';
import type { ViewRef } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { pickFolder } from '../../ui/folderPicker';
import { webviewHtml } from '../../ui/webviewHtml';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { STATUS_LABELS, WORK_ITEM_STATUSES } from '../localBoard';
import { toWorkItem } from '../localBoardProvider';
import type { BoardService } from './boardService';
import { messageOf } from '../../core/errors';

/** The board as a kanban in an editor tab: one panel per folder, kept current while open. */
export function registerKanban(model: WorkspaceModel, board: BoardService, extensionUri: vscode.Uri): vscode.Disposable {
  const panels = new Map<string, vscode.WebviewPanel>();
  const post = (status: FolderStatus, panel: vscode.WebviewPanel) => void panel.webview.postMessage(boardMessage(status, board));
  const refreshAll = () => {
    for (const [folder, panel] of panels) {
      const status = model.statusOf(folder);
      if (status && panel.visible) post(status, panel);
    }
  };
  return vscode.Disposable.from(
    model.onDidChange(refreshAll),
    board.onDidChange(refreshAll),
    vscode.commands.registerCommand('conveyor.board.openKanban', async (arg?: unknown) => {
      const status = await pickFolder(model, typeof arg === 'string' ? arg : undefined, 'Open the kanban of which folder?');
      if (!status) return;
      const existing = panels.get(status.folder);
      if (existing) return existing.reveal();
      const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
      const panel = vscode.window.createWebviewPanel('conveyor.kanban', `Board: ${status.name}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [root], retainContextWhenHidden: false });
      panel.webview.html = webviewHtml(panel.webview, root, { title: 'Board', script: 'board.js', style: 'board-style.css', mainId: 'board', mainRole: 'application', csp: 'font-src {cspSource};' });
      panels.set(status.folder, panel);
      panel.onDidDispose(() => panels.delete(status.folder));
      panel.onDidChangeViewState(() => panel.visible && post(model.statusOf(status.folder) ?? status, panel));
      panel.webview.onDidReceiveMessage(async (message: WebviewToHost) => {
        const current = model.statusOf(status.folder) ?? status;
        const ref: ViewRef | undefined = 'key' in message ? { kind: 'work-item', folder: status.folder, key: message.key } : undefined;
        try {
          if (message.type === 'ready') post(current, panel);
          else if (message.type === 'move') await vscode.commands.executeCommand('conveyor.board.moveItem', status.folder, message.key, message.column);
          else if (message.type === 'create') await vscode.commands.executeCommand('conveyor.board.createItem', status.folder, message.title, message.column);
          else if (message.type === 'assign') await vscode.commands.executeCommand('conveyor.board.assignTo', ref);
          else await vscode.commands.executeCommand('conveyor.board.startWork', ref);
        } catch (error) {
          void panel.webview.postMessage({ type: 'error', message: messageOf(error) } satisfies HostToWebview);
        }
        // The board as written, whether the change worked or not (a failed move snaps back).
        post(model.statusOf(status.folder) ?? current, panel);
      });
    }),
    { dispose: () => panels.forEach((panel) => void panel.dispose()) },
  );
}

function boardMessage(status: FolderStatus, board: BoardService): HostToWebview {
  const hosted = status.board.provider !== 'local';
  const items = hosted ? (board.remote.state(status.folder)?.items ?? []) : status.board.items.map(toWorkItem);
  const cards: KanbanCard[] = items.map((i) => ({ key: i.key, title: i.title, column: i.column, status: i.status, assignee: i.assignee }));
  return { type: 'board', title: `${status.name} board`, columns: WORK_ITEM_STATUSES.map((id) => ({ id, label: STATUS_LABELS[id] })), cards, canCreate: !hosted || !board.remote.state(status.folder)?.needsSignIn };
}
