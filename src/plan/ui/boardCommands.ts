import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { pickFolder } from '../../ui/folderPicker';
import type { ViewNode } from '../../core/viewNode';
import type { FolderStatus } from '../../folderStatus';
import { createLocalBoard, STATUS_LABELS, WORK_ITEM_STATUSES } from '../localBoard';
import { toWorkItem } from '../localBoardProvider';
import type { WorkItem } from '../workItem';
import type { BoardGrouping } from '../boardGrouping';
import { planEngine } from './boardService';
import type { BoardService } from './boardService';

export function registerBoardCommands(model: WorkspaceModel, service: BoardService, log: vscode.LogOutputChannel): vscode.Disposable {
  /** The folder and item of a Board view row (`<folder>/board/item/<key>`). */
  const itemOf = (node: unknown): { status: FolderStatus; item: WorkItem } | undefined => {
    const id = (node as ViewNode | undefined)?.id ?? '';
    const at = id.lastIndexOf('/board/item/');
    const status = at === -1 ? undefined : model.statusOf(id.slice(0, at));
    const local = status?.board.items.find((i) => i.key === id.slice(at + '/board/item/'.length));
    return status && local ? { status, item: toWorkItem(local) } : undefined;
  };
  const boardOf = (status: FolderStatus) => new (planEngine().LocalBoardProvider)(status.folder, status.board.file);
  const fail = (what: string) => (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`${what}: ${message}`);
  };
  const changed = async (status: FolderStatus) => model.reload(status.folder);
  return vscode.Disposable.from(
    vscode.commands.registerCommand('conveyor.board.startWork', async (node?: unknown) => {
      const target = itemOf(node) ?? (await pickItem(model));
      if (!target) return;
      if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('Restricted Mode: Start Work runs git, so it waits until you trust this workspace.');
      const { status, item } = target;
      const engine = planEngine();
      let result;
      try {
        result = await engine.startWork(status.folder, item);
      } catch (error) {
        if (!(error instanceof engine.StartWorkError) || error.kind !== 'dirty') return fail(`Could not start work on ${item.key}`)(error);
        const choice = await vscode.window.showWarningMessage(error.message, { modal: true }, 'Carry Changes', 'Stash Changes');
        if (!choice) return;
        result = await engine.startWork(status.folder, item, choice === 'Carry Changes' ? 'carry' : 'stash').catch(fail(`Could not start work on ${item.key}`));
        if (!result) return;
      }
      if (item.column === 'todo') await boardOf(status).move(item, { id: 'in-progress', name: 'In progress', column: 'in-progress' }).catch(fail(`Could not move ${item.key} to In progress`));
      await service.setActiveItem(status.folder, item.key);
      prefillCommitMessage(status.folder, item.key);
      await changed(status);
      void vscode.window.showInformationMessage(`${result.existed ? 'Switched to' : 'Created'} ${result.branch}${result.existed ? '' : ` from ${result.base}`}${result.stashed ? ' (your changes are stashed)' : ''}. ${item.key} is in progress.`);
    }),
    vscode.commands.registerCommand('conveyor.board.moveTo', async (node?: unknown) => {
      const target = itemOf(node);
      if (!target) return;
      const picked = await vscode.window.showQuickPick(
        WORK_ITEM_STATUSES.filter((s) => s !== target.item.column).map((s) => ({ label: STATUS_LABELS[s], column: s })),
        { placeHolder: `Move ${target.item.key} to…` },
      );
      if (!picked) return;
      await boardOf(target.status).move(target.item, { id: picked.column, name: picked.label, column: picked.column }).then(() => changed(target.status), fail(`Could not move ${target.item.key}`));
    }),
    vscode.commands.registerCommand('conveyor.board.assignTo', async (node?: unknown) => {
      const target = itemOf(node);
      if (!target) return;
      const people = [...new Set(target.status.board.items.map((i) => i.assignee).filter((a): a is string => Boolean(a)))].sort();
      const picked = await vscode.window.showQuickPick([...people.map((p) => ({ label: p })), { label: 'Someone else…' }, { label: 'Nobody', description: 'unassign' }], { placeHolder: `Assign ${target.item.key} to…` });
      if (!picked) return;
      const assignee = picked.label === 'Nobody' ? undefined : picked.label === 'Someone else…' ? await vscode.window.showInputBox({ prompt: 'Name' }) : picked.label;
      if (picked.label === 'Someone else…' && !assignee) return;
      await boardOf(target.status).assign(target.item, assignee).then(() => changed(target.status), fail(`Could not assign ${target.item.key}`));
    }),
    vscode.commands.registerCommand('conveyor.board.newItem', async (arg?: unknown) => {
      const status = await pickFolder(model, typeof arg === 'string' ? arg : undefined, 'Add a work item to which folder?');
      if (!status) return;
      const title = await vscode.window.showInputBox({ title: 'New work item', prompt: 'Title', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A title is needed') });
      if (!title) return;
      await boardOf(status).create({ title }).then(async (item) => {
        await changed(status);
        vscode.window.setStatusBarMessage(`Added ${item.key}`, 4000);
      }, fail('Could not add the item'));
    }),
    vscode.commands.registerCommand('conveyor.board.deleteItem', async (node?: unknown) => {
      const target = itemOf(node);
      if (!target) return;
      const ok = await vscode.window.showWarningMessage(`Delete ${target.item.key} "${target.item.title}" from the board file?`, { modal: true }, 'Delete');
      if (ok) await boardOf(target.status).delete(target.item).then(() => changed(target.status), fail(`Could not delete ${target.item.key}`));
    }),
    vscode.commands.registerCommand('conveyor.board.copyKey', async (node?: unknown) => {
      const target = itemOf(node);
      if (target) await vscode.env.clipboard.writeText(target.item.key);
    }),
    vscode.commands.registerCommand('conveyor.board.groupBy', async () => {
      const picked = await vscode.window.showQuickPick(
        (['status', 'assignee', 'milestone'] as BoardGrouping[]).map((g) => ({ label: g[0].toUpperCase() + g.slice(1), grouping: g, picked: service.query().groupBy === g })),
        { placeHolder: 'Group the board by…' },
      );
      if (picked) await service.groupBy(picked.grouping);
    }),
    vscode.commands.registerCommand('conveyor.board.showMine', () => service.setQuery({ mine: true })),
    vscode.commands.registerCommand('conveyor.board.showAll', () => service.setQuery({ mine: false })),
    vscode.commands.registerCommand('conveyor.board.search', async () => {
      const search = await vscode.window.showInputBox({ title: 'Search the board', prompt: 'Words in the key, title, assignee or labels', value: service.query().search });
      if (search !== undefined) await service.setQuery({ search: search.trim() || undefined });
    }),
    vscode.commands.registerCommand('conveyor.board.clearSearch', () => service.setQuery({ search: undefined })),
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

async function pickItem(model: WorkspaceModel): Promise<{ status: FolderStatus; item: WorkItem } | undefined> {
  const status = await pickFolder(model, undefined, 'Start work in which folder?');
  if (!status) return undefined;
  const picked = await vscode.window.showQuickPick(
    status.board.items.filter((i) => i.status !== 'done').map((i) => ({ label: `${i.key} ${i.title}`, description: STATUS_LABELS[i.status], item: toWorkItem(i) })),
    { placeHolder: 'Start work on which item?' },
  );
  return picked && { status, item: picked.item };
}

interface GitRepositoryApi {
  rootUri: vscode.Uri;
  inputBox: { value: string };
}

/** Puts `KEY: ` in the Source Control commit box (through the built-in git extension), unless the user typed something. */
function prefillCommitMessage(folder: string, key: string): void {
  const git = vscode.extensions.getExtension<{ getAPI(version: 1): { repositories: GitRepositoryApi[] } }>('vscode.git');
  if (!git?.isActive) return;
  const repository = git.exports.getAPI(1).repositories.find((r) => folder.startsWith(r.rootUri.fsPath));
  if (repository && !repository.inputBox.value.trim()) repository.inputBox.value = `${key}: `;
}
