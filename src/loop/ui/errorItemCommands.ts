import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ErrorIssue } from '../../monitor/errors/errorModel';
import type { ErrorService } from '../../monitor/ui/errorService';
import { issueFacts, issuesOfFolder } from '../../monitor/ui/monitorNodes';
import type { BoardService } from '../../plan/ui/boardService';
import { registerConveyorCommand } from '../../ui/commands';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { createItemFromError } from '../errorItems/createItemFromError';
import type { FolderStatus } from '../folderStatus';
import type { ErrorItemService } from './errorItemService';

export interface ErrorItemServices {
  errors: ErrorService;
  board: BoardService;
  errorItems: ErrorItemService;
}

const OPEN_ITEM = 'Open Item';

/** Create Work Item from Error: an error row (or a picked error) becomes an item in To do on the folder's board. */
export function registerErrorItemCommands(
  model: WorkspaceModel,
  services: ErrorItemServices,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const { errors, board, errorItems } = services;
  const creating = new Set<string>();
  return registerConveyorCommand(
    { model, log },
    'conveyor.errors.createWorkItem',
    async ({ ref, status }) => {
      const issue = ref ? errors.issue(ref.id) : await pickError(status, errors);
      if (!issue) {
        if (ref) void vscode.window.showWarningMessage('This error is no longer in the Errors view: refresh it and try again.');
        return;
      }
      // A second click while a slow board creates the first item would make a second one.
      const busy = `${status.folder}\n${issue.id}`;
      if (creating.has(busy)) {
        void vscode.window.showInformationMessage(`A work item for ${issue.shortId} is being created.`);
        return;
      }
      creating.add(busy);
      try {
        const existing = await errorItems.forError(status, issue.id);
        if (existing) {
          const another = 'Create Another';
          const choice = await vscode.window.showInformationMessage(
            `${issue.shortId} already has work item ${existing.itemKey}.`,
            { modal: true },
            OPEN_ITEM,
            another,
          );
          if (choice === OPEN_ITEM) return openItem(status, existing.itemKey, existing.itemUrl);
          if (choice !== another) return;
        }
        const { item } = await createItemFromError(issue, {
          folder: status.folder,
          create: (fields) => board.createItem(status, fields),
          links: { add: (link) => errorItems.add(status, link) },
          locate: (_frame, index) => errors.mapFrame(issue, index),
        });
        creating.delete(busy);
        const choice = await vscode.window.showInformationMessage(`Created ${item.key} from ${issue.shortId}`, OPEN_ITEM);
        if (choice === OPEN_ITEM) await openItem(status, item.key, item.url);
      } finally {
        creating.delete(busy);
      }
    },
    {
      refs: ['error'],
      folder: { placeHolder: 'Create the work item on the board of which folder?' },
      failure: 'Could not create the work item',
      signIn: 'conveyor.board.signIn',
    },
  );
}

/** A hosted item opens in the browser; a local one in the board file, at its key. */
async function openItem(status: FolderStatus, key: string, url: string | undefined): Promise<void> {
  if (url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  } else if (status.board.provider === 'local') {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(status.folder, status.board.file)));
    const line = document
      .getText()
      .split('\n')
      .findIndex((text) => text.replace(/["'\s]/g, '') === `-key:${key}` || text.replace(/["'\s]/g, '') === `key:${key}`);
    const position = new vscode.Position(Math.max(0, line), 0);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
  } else {
    await vscode.commands.executeCommand('conveyor.board.focus');
  }
}

async function pickError(status: FolderStatus, errors: ErrorService): Promise<ErrorIssue | undefined> {
  const issues = issuesOfFolder(status.folder, errors.viewState(status.folder));
  if (issues.length === 0) {
    void vscode.window.showInformationMessage(`${status.name} has no errors in the Errors view to make a work item from.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    issues.map((issue) => ({ label: issue.title, description: issue.shortId, detail: issueFacts(issue), issue })),
    { placeHolder: 'Create a work item from which error?', matchOnDescription: true },
  );
  return picked?.issue;
}
