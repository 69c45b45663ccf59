import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../../../webviews/board/protocol';
import type { ViewRef } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { registerConveyorCommand } from '../../ui/commands';
import { FolderPanels } from '../../ui/folderPanel';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { STATUS_LABELS, WORK_ITEM_STATUSES } from '../localBoard';
import { toWorkItem } from '../localBoardProvider';
import type { Event } from '../../core/events';
import type { ItemDelivery } from '../workItem';
import type { BoardService } from './boardService';
import { kanbanCards } from './boardNodes';

/** Where the belt has taken each item, from the loop's records (handed in: the plan stage does not read them). */
export interface KanbanDeliveries {
  deliveriesOf(folder: string, keys: readonly string[]): ReadonlyMap<string, ItemDelivery> | undefined;
  onDidChange: Event<void>;
}

/** The board as a kanban in an editor tab: one panel per folder, kept current while open. */
export function registerKanban(
  model: WorkspaceModel,
  board: BoardService,
  extensionUri: vscode.Uri,
  log: vscode.LogOutputChannel,
  deliveries?: KanbanDeliveries,
): vscode.Disposable {
  const panels = new FolderPanels<WebviewToHost, HostToWebview>(model, extensionUri, {
    viewType: 'conveyor.kanban',
    title: (status) => `Board: ${status.name}`,
    page: {
      title: 'Board',
      script: 'board.js',
      style: 'board-style.css',
      mainId: 'board',
      mainRole: 'application',
      csp: 'font-src {cspSource};',
    },
    render: (status) => boardMessage(status, board, deliveries),
    redrawOn: [model.onDidChange, board.onDidChange, ...(deliveries ? [deliveries.onDidChange] : [])],
    error: (message) => ({ type: 'error', message }),
    // The board as written, whether the change worked or not (a failed move snaps back).
    redrawAfterMessage: true,
    handle: async (message, status) => {
      const ref: ViewRef | undefined = 'key' in message ? { kind: 'work-item', folder: status.folder, key: message.key } : undefined;
      if (message.type === 'move')
        await vscode.commands.executeCommand('conveyor.board.moveItem', status.folder, message.key, message.column);
      else if (message.type === 'create')
        await vscode.commands.executeCommand('conveyor.board.createItem', status.folder, message.title, message.column);
      else if (message.type === 'assign') await vscode.commands.executeCommand('conveyor.board.assignTo', ref);
      else await vscode.commands.executeCommand('conveyor.board.startWork', ref);
    },
  });
  return vscode.Disposable.from(
    panels,
    registerConveyorCommand(
      { model, log },
      'conveyor.board.openKanban',
      ({ status }) => {
        panels.open(status);
        // A hosted board loads while the Board view is visible; a kanban opened with the sidebar closed asks itself.
        void board.refreshRemote(status.folder, { missingOnly: true });
      },
      {
        folder: { placeHolder: 'Open the kanban of which folder?' },
      },
    ),
  );
}

function boardMessage(status: FolderStatus, board: BoardService, deliveries: KanbanDeliveries | undefined): HostToWebview {
  const hosted = status.board.provider !== 'local';
  const remote = hosted ? board.remote.state(status.folder) : undefined;
  const items = hosted ? (remote?.items ?? []) : status.board.items.map(toWorkItem);
  const cards = kanbanCards(
    items,
    deliveries?.deliveriesOf(
      status.folder,
      items.map((i) => i.key),
    ),
  );
  return {
    type: 'board',
    title: `${status.name} board`,
    columns: WORK_ITEM_STATUSES.map((id) => ({ id, label: STATUS_LABELS[id] })),
    cards,
    canCreate: !remote?.needsSignIn,
    notices: [
      ...(hosted && (!remote || (remote.loading && remote.items.length === 0))
        ? [{ text: 'Loading the board…', kind: 'info' as const }]
        : []),
      ...(remote?.error ? [{ text: remote.error, kind: 'error' as const }] : []),
      ...(remote?.shortened ? [{ text: remote.shortened, kind: 'info' as const }] : []),
    ],
  };
}
