import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import { registerConveyorCommand } from '../../ui/commands';
import type { CommandOptions, ReportFailure } from '../../ui/commands';
import type { RefOf } from '../../core/viewNode';
import type { FolderStatus } from '../../loop/folderStatus';
import { createLocalBoard, STATUS_LABELS, WORK_ITEM_STATUSES } from '../localBoard';
import { toWorkItem } from '../localBoardProvider';
import { isHosted } from '../boardProviders';
import type { BoardProvider, WorkItem, WorkItemTransition } from '../workItem';
import { isUnknownStartStatus, startWorkMove } from '../startWorkStatus';
import type { StartWorkConfig } from '../../core/config/conveyorConfig';
import type { StartWorkResult } from '../../code/startWork';
import type { FolderOpener, WorktreeStartResult } from '../../code/worktree';
import type { BoardGrouping } from '../boardGrouping';
import { planEngine } from './planEngineLoader';
import type { BoardService } from './boardService';

export function registerBoardCommands(model: WorkspaceModel, service: BoardService, log: vscode.LogOutputChannel): vscode.Disposable {
  const host = { model, log };
  /** Where the board's commands send a service's "sign in first". */
  const board = { signIn: 'conveyor.board.signIn' };
  /** The folder and item a Board row (or the kanban) names. */
  const itemOf = (ref: RefOf<'work-item'> | undefined): { status: FolderStatus; item: WorkItem } | undefined => {
    const status = ref && model.statusOf(ref.folder);
    if (!ref || !status) return undefined;
    const local = status.board.items.find((i) => i.key === ref.key);
    const remote = service.remote.state(status.folder)?.items.find((i) => i.key === ref.key);
    const item = remote ?? (local && toWorkItem(local));
    return item && { status, item };
  };
  /** Moves an item through its provider: the local board directly, a hosted one by one of its transitions. */
  const moveItem = async (status: FolderStatus, item: WorkItem, column: WorkItem['column'] | undefined): Promise<void> => {
    if (item.provider === 'local') {
      if (column) await boardOf(status).move(item, { id: column, name: STATUS_LABELS[column], column });
      return;
    }
    const provider = await service.remote.provider(status);
    if (!provider?.transitions || !provider.move) throw new Error(`Sign in to ${item.provider} first.`);
    const transitions = await provider.transitions(item);
    const transition = column
      ? transitions.find((t) => t.column === column)
      : (
          await vscode.window.showQuickPick(
            transitions.map((t) => ({ label: t.name, description: STATUS_LABELS[t.column], t })),
            { placeHolder: `Move ${item.key} to…` },
          )
        )?.t;
    if (!transition) return;
    await provider.move(item, transition);
    await service.refreshRemote(status.folder);
  };
  /** Who to assign: a person (their provider id), null for nobody, undefined when the user cancelled. */
  const pickAssignee = async (status: FolderStatus, item: WorkItem, failed: ReportFailure): Promise<string | null | undefined> => {
    const nobody = { label: 'Nobody', description: 'unassign', id: null as string | null };
    if (item.provider !== 'local') {
      const provider = await service.remote.provider(status);
      if (!provider?.assignees) {
        void vscode.window.showErrorMessage(`Sign in to ${item.provider} to assign ${item.key}.`);
        return undefined;
      }
      const people = await provider.assignees(item).catch(failed(`Could not list who can be assigned ${item.key}`));
      if (!people) return undefined;
      const picked = await vscode.window.showQuickPick(
        [...people.map((p) => ({ label: p.name, description: p.name === item.assignee ? 'assigned now' : undefined, id: p.id })), nobody],
        { placeHolder: `Assign ${item.key} to…`, matchOnDescription: true },
      );
      return picked?.id;
    }
    const names = [...new Set(status.board.items.map((i) => i.assignee).filter((a): a is string => Boolean(a)))].sort();
    const picked = await vscode.window.showQuickPick(
      [...names.map((n) => ({ label: n, id: n })), { label: 'Someone else…', id: '' }, nobody],
      { placeHolder: `Assign ${item.key} to…` },
    );
    if (!picked || picked.id !== '') return picked?.id;
    const typed = await vscode.window.showInputBox({ prompt: 'Name' });
    return typed?.trim() || undefined;
  };
  const boardOf = (status: FolderStatus) => new (planEngine().LocalBoardProvider)(status.folder, status.board.file);
  const changed = async (status: FolderStatus) => model.reload(status.folder);
  /** A command on a Board row, run while the board still has the item. */
  const onItem = (
    id: string,
    run: (target: { status: FolderStatus; item: WorkItem }, failed: ReportFailure) => unknown,
    options: CommandOptions<never> = {},
  ) =>
    registerConveyorCommand(
      host,
      id,
      ({ ref, failed }) => {
        const target = itemOf(ref);
        return target && run(target, failed);
      },
      { ...options, refs: ['work-item'] },
    );
  return vscode.Disposable.from(
    registerConveyorCommand(
      host,
      'conveyor.board.startWork',
      async ({ ref, pickFolder, failed }) => {
        const target = itemOf(ref) ?? (await pickItem(pickFolder));
        if (!target) return;
        const { status, item } = target;
        const onStartWork = status.config.config.board?.onStartWork;
        const couldNot = failed(`Could not start work on ${item.key}`);
        let provider: BoardProvider | undefined;
        let move: WorkItemTransition | undefined;
        let boardFailure: unknown;
        try {
          // Asked of the board first: a status it does not have stops Start Work before any branch is made.
          provider = await service.provider(status);
          move = await startWorkMove(provider, item, onStartWork);
        } catch (error) {
          if (isUnknownStartStatus(error)) return couldNot(error);
          // A board that cannot be asked (signed out, unreachable) does not hold up the branch; its failure is shown after.
          boardFailure = error;
        }
        const started = await startBranch(
          status.folder,
          item,
          status.config.config.code?.startWork ?? {},
          newWindowFor(service, item.key),
        ).catch(couldNot);
        if (!started) return;
        if (boardFailure) failed(`Started ${item.key}'s branch, but could not move it on the board`)(boardFailure);
        // In a worktree the local board file that moves is the worktree's own: this checkout stays as it was.
        const mover =
          'worktree' in started && !isHosted(status) ? new (planEngine().LocalBoardProvider)(started.opened, status.board.file) : provider;
        const movedTo =
          move &&
          (await mover
            ?.move?.(item, move)
            .then(() => move.status ?? move.name, failed(`Could not move ${item.key} to ${move.status ?? move.name}`)));
        if (movedTo) await service.refreshRemote(status.folder);
        await changed(status);
        const itemStatus = ` ${item.key} is ${movedTo ?? item.status}.`;
        if ('worktree' in started) {
          void vscode.window.showInformationMessage(
            `${started.reused ? 'Opened the worktree' : 'Created the worktree'} ${started.worktree} on ${started.existed ? '' : 'the new branch '}${started.branch} in a new window.${itemStatus}`,
          );
          return;
        }
        await service.setActiveItem(status.folder, item.key);
        prefillCommitMessage(status.folder, item.key);
        void vscode.window.showInformationMessage(
          `${started.existed ? 'Switched to' : 'Created'} ${started.branch}${started.existed ? '' : ` from ${started.base}`}${started.stashed ? ' (your changes are stashed)' : ''}.${itemStatus}`,
        );
      },
      { needsTrust: 'Start Work runs git, so it waits', refs: ['work-item'], ...board },
    ),
    onItem(
      'conveyor.board.moveTo',
      async (target, failed) => {
        let column: WorkItem['column'] | undefined;
        if (target.item.provider === 'local') {
          const picked = await vscode.window.showQuickPick(
            WORK_ITEM_STATUSES.filter((s) => s !== target.item.column).map((s) => ({ label: STATUS_LABELS[s], column: s })),
            { placeHolder: `Move ${target.item.key} to…` },
          );
          if (!picked) return;
          column = picked.column;
        }
        await moveItem(target.status, target.item, column).then(() => changed(target.status), failed(`Could not move ${target.item.key}`));
      },
      board,
    ),
    onItem(
      'conveyor.board.assignTo',
      async (target, failed) => {
        const { status, item } = target;
        const assignee = await pickAssignee(status, item, failed);
        if (assignee === undefined) return;
        const id = assignee === null ? undefined : assignee;
        if (item.provider === 'local') {
          await boardOf(status)
            .assign(item, id)
            .then(() => changed(status), failed(`Could not assign ${item.key}`));
          return;
        }
        const provider = await service.remote.provider(status);
        if (!provider?.assign) return void vscode.window.showErrorMessage(`Sign in to ${item.provider} to assign ${item.key}.`);
        await provider.assign(item, id).then(() => service.refreshRemote(status.folder), failed(`Could not assign ${item.key}`));
      },
      board,
    ),
    registerConveyorCommand(
      host,
      'conveyor.board.newItem',
      async ({ status }) => {
        const title = await vscode.window.showInputBox({
          title: 'New work item',
          prompt: 'Title',
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() ? undefined : 'A title is needed'),
        });
        if (!title) return;
        const item = await service.createItem(status, { title: title.trim() });
        vscode.window.setStatusBarMessage(`Added ${item.key}`, 4000);
      },
      { folder: { placeHolder: 'Add a work item to which folder?' }, failure: 'Could not add the item', ...board },
    ),
    onItem('conveyor.board.deleteItem', async (target, failed) => {
      const ok = await vscode.window.showWarningMessage(
        `Delete ${target.item.key} "${target.item.title}" from the board file?`,
        { modal: true },
        'Delete',
      );
      if (ok)
        await boardOf(target.status)
          .delete(target.item)
          .then(() => changed(target.status), failed(`Could not delete ${target.item.key}`));
    }),
    // Used by the kanban webview: moves and creates by key and column, no pickers; it shows failures itself.
    registerConveyorCommand(
      host,
      'conveyor.board.moveItem',
      async (_call, folder: string, key: string, column: WorkItem['column']) => {
        const target = itemOf({ kind: 'work-item', folder, key });
        if (!target) throw new Error(`${key} is no longer on the board.`);
        await moveItem(target.status, target.item, column);
        await changed(target.status);
      },
      { rethrow: true },
    ),
    registerConveyorCommand(
      host,
      'conveyor.board.createItem',
      async ({ status }, _folder: string, title: string, column: WorkItem['column']) => {
        if (status) await service.createItem(status, { title, column });
      },
      { rethrow: true },
    ),
    registerConveyorCommand(
      host,
      'conveyor.board.signIn',
      async ({ status }) => {
        if (await service.remote.signIn(status)) await service.refreshRemote(status.folder);
      },
      { folder: { placeHolder: 'Sign in to the board of which folder?' } },
    ),
    registerConveyorCommand(host, 'conveyor.board.refresh', () => service.refreshRemote()),
    onItem('conveyor.board.openInBrowser', async ({ item }) => {
      if (item.url) await vscode.env.openExternal(vscode.Uri.parse(item.url));
    }),
    onItem('conveyor.board.copyKey', ({ item }) => vscode.env.clipboard.writeText(item.key)),
    registerConveyorCommand(host, 'conveyor.board.groupBy', async () => {
      const picked = await vscode.window.showQuickPick(
        (['status', 'assignee', 'milestone'] as BoardGrouping[]).map((g) => ({
          label: g[0].toUpperCase() + g.slice(1),
          grouping: g,
          picked: service.query().groupBy === g,
        })),
        { placeHolder: 'Group the board by…' },
      );
      if (picked) await service.groupBy(picked.grouping);
    }),
    registerConveyorCommand(host, 'conveyor.board.showMine', () => service.setQuery({ mine: true })),
    registerConveyorCommand(host, 'conveyor.board.showAll', () => service.setQuery({ mine: false })),
    registerConveyorCommand(host, 'conveyor.board.search', async () => {
      const search = await vscode.window.showInputBox({
        title: 'Search the board',
        prompt: 'Words in the key, title, assignee or labels',
        value: service.query().search,
      });
      if (search !== undefined) await service.setQuery({ search: search.trim() || undefined });
    }),
    registerConveyorCommand(host, 'conveyor.board.clearSearch', () => service.setQuery({ search: undefined })),
    registerConveyorCommand(
      host,
      'conveyor.board.createLocal',
      async ({ status }) => {
        const { path: file, created } = await createLocalBoard(status.folder, status.board.file);
        await model.reload(status.folder);
        void vscode.commands.executeCommand('conveyor.board.focus');
        void vscode.window.showInformationMessage(
          created
            ? `Created the local board ${path.relative(status.folder, file)} in ${status.name}. It is a plain file: commit it with your code.`
            : `${status.name} already has a board file (${path.relative(status.folder, file)}); it was left as it is.`,
        );
      },
      { folder: { placeHolder: 'Create the local board in which folder?' } },
    ),
    registerConveyorCommand(
      host,
      'conveyor.board.openFile',
      async ({ status }, _folder?: unknown, line?: unknown) => {
        const file = path.join(status.folder, status.board.file);
        if (!status.board.exists) {
          void vscode.window.showInformationMessage(`${status.name} has no board file yet.`, 'Create Local Board').then((choice) => {
            if (choice) void vscode.commands.executeCommand('conveyor.board.createLocal', status.folder);
          });
          return;
        }
        const position = typeof line === 'number' ? new vscode.Position(Math.max(0, line - 1), 0) : undefined;
        await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: position && new vscode.Range(position, position) });
      },
      { folder: { placeHolder: 'Open the board file of which folder?' } },
    ),
  );
}

async function pickItem(
  pickFolder: (placeHolder: string) => Promise<FolderStatus | undefined>,
): Promise<{ status: FolderStatus; item: WorkItem } | undefined> {
  const status = await pickFolder('Start work in which folder?');
  if (!status) return undefined;
  const picked = await vscode.window.showQuickPick(
    status.board.items
      .filter((i) => i.status !== 'done')
      .map((i) => ({ label: `${i.key} ${i.title}`, description: STATUS_LABELS[i.status], item: toWorkItem(i) })),
    { placeHolder: 'Start work on which item?' },
  );
  return picked && { status, item: picked.item };
}

/**
 * Switches the checkout to the item's branch, or starts it in a worktree of its own (as conveyor.yml says, as the
 * user picks, or as the way out of a dirty tree). Undefined when the user cancelled.
 */
async function startBranch(
  folder: string,
  item: WorkItem,
  settings: StartWorkConfig,
  newWindow: FolderOpener,
): Promise<StartWorkResult | WorktreeStartResult | undefined> {
  const engine = planEngine();
  const branchTemplate = settings.branch;
  const inWorktree = () =>
    engine.startWorkInWorktree(folder, item, { branchTemplate, worktreeFolder: settings.worktreeFolder, opener: newWindow });
  const where = settings.worktree === 'ask' ? await askWhere(item.key) : settings.worktree ? 'worktree' : 'checkout';
  if (where !== 'checkout') return where && inWorktree();
  try {
    return await engine.startWork(folder, item, undefined, { branchTemplate });
  } catch (error) {
    if (!(error instanceof engine.StartWorkError) || error.kind !== 'dirty') throw error;
    const choice = await vscode.window.showWarningMessage(
      `${error.message} Or start in a new worktree, and they stay here untouched.`,
      { modal: true },
      'Carry Changes',
      'Stash Changes',
      'New Worktree',
    );
    if (choice === 'New Worktree') return inWorktree();
    return choice && engine.startWork(folder, item, choice === 'Carry Changes' ? 'carry' : 'stash', { branchTemplate });
  }
}

async function askWhere(key: string): Promise<'checkout' | 'worktree' | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Switch Branch', description: 'check out the branch here', where: 'checkout' as const },
      {
        label: 'New Worktree',
        description: 'in a folder of its own, opened in a new window; this checkout stays as it is',
        where: 'worktree' as const,
      },
    ],
    { placeHolder: `Start work on ${key}: where?` },
  );
  return picked?.where;
}

/**
 * A worktree opens in a window of its own (this one keeps its checkout), with the item handed over first: the
 * new window reads its active item when it loads.
 */
function newWindowFor(service: BoardService, key: string): FolderOpener {
  return {
    openFolder: async (folder, options) => {
      await service.handOverActiveItem(folder, key);
      return vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), options);
    },
  };
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
