import * as vscode from 'vscode';
import type { WorkspaceModel } from '../../ui/workspaceModel';
import type { BoardGrouping, BoardQuery } from '../boardGrouping';
import { planEngine } from './planEngineLoader';
import type { BoardViewState } from './boardNodes';
import { RemoteBoards } from './remoteBoard';
import { isHosted, PROVIDER_NAMES } from '../boardProviders';
import type { BoardProvider } from '../workItem';
import type { FolderStatus } from '../../loop/folderStatus';
import { ServiceError } from '../../core/errors';
import type { RememberedConsent } from '../../core/rememberedConsent';
import type { ItemLinks } from '../../code/itemLinks';
import type { NewWorkItem, WorkItem } from '../workItem';

const QUERY_KEY = 'conveyor.board.query';
const ACTIVE_KEY = 'conveyor.board.activeItem';
const HANDOVER_KEY = 'conveyor.board.worktreeItems';
const MAX_HANDED_OVER = 50;

/** The Board view's query (group, mine, search) and the item being worked on, kept per workspace. */
export class BoardService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private me: string | undefined;
  private visible = false;
  private readonly links = new Map<string, Map<string, ItemLinks>>();
  readonly remote: RemoteBoards;
  private readonly listeners: vscode.Disposable[];

  constructor(
    private readonly model: WorkspaceModel,
    private readonly state: vscode.Memento,
    /** Every window's: how Start Work in a worktree hands the item to the window that opens it. */
    private readonly handover: vscode.Memento,
    secrets: vscode.SecretStorage,
    tokenHosts: RememberedConsent,
  ) {
    this.remote = new RemoteBoards(secrets, tokenHosts);
    this.listeners = [
      this.remote,
      this.remote.onDidChange(() => this.changed.fire()),
      model.onDidChange(() => {
        if (!this.visible) return;
        // The view can open before the folders are described: load hosted boards that have no state yet.
        void this.refreshRemote(undefined, { missingOnly: true });
        // A new commit or branch may link to an item.
        void this.refreshLinks();
      }),
    ];
    void this.updateContext();
    // Show Mine is kept across reloads; who "mine" is must be read again, or the filter would match no one.
    if (this.query().mine)
      void this.model.ready
        .then(() => this.gitUserName())
        .then((me) => {
          this.me ??= me;
          this.changed.fire();
        });
  }

  viewState(folder: string): BoardViewState {
    return {
      query: { ...this.query(), me: this.me },
      activeKey: this.activeItem(folder),
      remote: this.remote.state(folder),
      links: this.links.get(folder),
    };
  }

  /** Hosted boards are asked only while the Board view is visible. */
  setViewVisible(visible: boolean): void {
    const opened = visible && !this.visible;
    this.visible = visible;
    if (opened) {
      void this.refreshRemote();
      void this.refreshLinks();
    }
  }

  /** Branches and commits that mention each item (git processes: trusted workspaces only). */
  async refreshLinks(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const status of this.model.folders()) {
      if (!status.git.isRepository) continue;
      const keys = [...status.board.items.map((i) => i.key), ...(this.remote.state(status.folder)?.items.map((i) => i.key) ?? [])];
      if (keys.length === 0) continue;
      this.links.set(
        status.folder,
        await planEngine()
          .readItemLinks(status.folder, keys)
          .catch(() => new Map<string, ItemLinks>()),
      );
    }
    this.changed.fire();
  }

  async refreshRemote(folder?: string, options: { missingOnly?: boolean } = {}): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const folders = this.model
      .folders()
      .filter((f) => (!folder || f.folder === folder) && isHosted(f))
      .filter((f) => !options.missingOnly || this.remote.state(f.folder) === undefined);
    await Promise.all(folders.map((f) => this.remote.load(f, this.query().mine)));
  }

  /** Creates on the folder's board: the local file, or the hosted provider (which needs a sign-in). */
  async createItem(status: FolderStatus, fields: NewWorkItem): Promise<WorkItem> {
    if (status.board.provider === 'local') {
      const item = await new (planEngine().LocalBoardProvider)(status.folder, status.board.file).create(fields);
      await this.model.reload(status.folder);
      return item;
    }
    const provider = await this.remote.provider(status);
    if (!provider?.create) throw this.remote.noProvider(status, 'create items on this board');
    const item = await provider.create(fields);
    await this.refreshRemote(status.folder);
    return item;
  }

  /** The folder's board to change items on: its file, or the hosted board once signed in. */
  async provider(status: FolderStatus): Promise<BoardProvider> {
    if (!isHosted(status)) return new (planEngine().LocalBoardProvider)(status.folder, status.board.file);
    const hosted = await this.remote.provider(status);
    const name = PROVIDER_NAMES[status.board.provider];
    if (!hosted) throw new ServiceError(name, 'unauthorized', `Sign in to ${name} (Sign In to the Board) so that items can move on it.`);
    return hosted;
  }

  query(): BoardQuery {
    return this.state.get<BoardQuery>(QUERY_KEY) ?? { groupBy: 'status', mine: false };
  }

  async setQuery(change: Partial<BoardQuery>): Promise<void> {
    if (change.mine && this.me === undefined) this.me = await this.gitUserName();
    await this.state.update(QUERY_KEY, { ...this.query(), ...change });
    await this.updateContext();
    this.changed.fire();
  }

  async groupBy(grouping: BoardGrouping): Promise<void> {
    await this.setQuery({ groupBy: grouping });
  }

  activeItem(folder: string): string | undefined {
    return (
      this.state.get<Record<string, string>>(ACTIVE_KEY)?.[folder] ?? this.handover.get<Record<string, string>>(HANDOVER_KEY)?.[folder]
    );
  }

  /** The item a worktree's window shows as active: its folder is new, so this window's state cannot say it. */
  async handOverActiveItem(folder: string, key: string): Promise<void> {
    const handed = Object.entries(this.handover.get<Record<string, string>>(HANDOVER_KEY) ?? {}).filter(([f]) => f !== folder);
    // Every window's state: the newest worktrees only, so it does not grow with each one ever made.
    await this.handover.update(HANDOVER_KEY, Object.fromEntries([...handed.slice(-(MAX_HANDED_OVER - 1)), [folder, key]]));
  }

  async setActiveItem(folder: string, key: string | undefined): Promise<void> {
    const all = { ...(this.state.get<Record<string, string>>(ACTIVE_KEY) ?? {}) };
    if (key) all[folder] = key;
    else delete all[folder];
    await this.state.update(ACTIVE_KEY, all);
    this.changed.fire();
  }

  /** "Mine" means the git user (user.name), the name people put in the board file's assignee. */
  private async gitUserName(): Promise<string | undefined> {
    const folder = this.model.activeFolder()?.folder;
    if (!folder || !vscode.workspace.isTrusted) return undefined;
    const { execFile } = await import('node:child_process');
    return new Promise((resolve) =>
      execFile('git', ['config', 'user.name'], { cwd: folder }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined)),
    );
  }

  private async updateContext(): Promise<void> {
    const query = this.query();
    await vscode.commands.executeCommand('setContext', 'conveyor.board.mine', query.mine);
    await vscode.commands.executeCommand('setContext', 'conveyor.board.searching', Boolean(query.search));
  }

  dispose(): void {
    vscode.Disposable.from(...this.listeners).dispose();
    this.changed.dispose();
  }
}
