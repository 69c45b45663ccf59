import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAME } from '../core/config/conveyorConfig';
import { describeFolder } from '../loop/folderStatus';
import type { FolderStatus } from '../loop/folderStatus';
import { messageOf } from '../core/errors';
import { SENTRY_MANIFESTS } from '../monitor/sentrySdks';

/**
 * Files whose change can change what Conveyor detects in a folder (the branch refs: the commit HEAD is at; the
 * manifests that may name a Sentry SDK).
 */
const WATCHED_FILES = [
  CONFIG_FILE_NAME,
  ...SENTRY_MANIFESTS,
  ...['Makefile', 'GNUmakefile', 'makefile', 'Dockerfile', 'Containerfile', 'pytest.ini', 'Jenkinsfile'],
  ...['.conveyor/**', '.github/workflows/**', 'k8s/**', 'kubernetes/**', 'deploy/**', 'manifests/**', '.k8s/**'],
  ...['.git/HEAD', '.git/refs/heads/**', '.git/packed-refs'],
];
const WATCHED = `{${WATCHED_FILES.join(',')}}`;
const RELOAD_DELAY_MS = 300;

/**
 * The FolderStatus of every workspace folder, kept current from file watchers and from unsaved edits of
 * conveyor.yml. Views and the status bar read it; it fires onDidChange after each reload.
 */
export class WorkspaceModel implements vscode.Disposable {
  private readonly statuses = new Map<string, FolderStatus>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private folderWatchers = new Map<string, vscode.Disposable>();
  readonly onDidChange = this.changed.event;
  ready: Promise<void>;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        this.log.info(`Workspace folders changed: +${e.added.length} -${e.removed.length}`);
        this.ready = this.reloadAll();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => this.onConfigEdited(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.onConfigEdited(d)),
    );
    this.ready = this.reloadAll();
  }

  /** Folders in workspace order. */
  folders(): FolderStatus[] {
    return (vscode.workspace.workspaceFolders ?? [])
      .map((f) => this.statuses.get(f.uri.fsPath))
      .filter((s): s is FolderStatus => s !== undefined);
  }

  statusOf(folderPath: string): FolderStatus | undefined {
    return this.statuses.get(folderPath);
  }

  /** The folder as its files are on disk now, not as last watched; the model itself is not changed. */
  describeNow(folderPath: string): Promise<FolderStatus> {
    return describeFolder(folderPath);
  }

  /** The folder of the active editor, else the first folder. */
  activeFolder(): FolderStatus | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
    return (folder && this.statuses.get(folder.uri.fsPath)) ?? this.folders()[0];
  }

  async reloadAll(): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const live = new Set(folders.map((f) => f.uri.fsPath));
    for (const [key, watcher] of this.folderWatchers) {
      if (!live.has(key)) {
        watcher.dispose();
        this.folderWatchers.delete(key);
        this.statuses.delete(key);
      }
    }
    for (const folder of folders) this.watch(folder);
    await Promise.all(folders.map((f) => this.load(f.uri.fsPath)));
    this.changed.fire();
  }

  async reload(folderPath: string): Promise<void> {
    await this.load(folderPath);
    this.changed.fire();
  }

  private async load(folderPath: string): Promise<void> {
    const started = performance.now();
    try {
      const status = await describeFolder(folderPath, this.unsavedConfigText(folderPath));
      this.statuses.set(folderPath, status);
      this.log.debug(`Described ${folderPath} in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      this.log.error(`Could not read ${folderPath}: ${messageOf(error)}`);
    }
  }

  private unsavedConfigText(folderPath: string): string | undefined {
    const file = path.join(folderPath, CONFIG_FILE_NAME);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    return doc?.isDirty ? doc.getText() : undefined;
  }

  private watch(folder: vscode.WorkspaceFolder): void {
    if (this.folderWatchers.has(folder.uri.fsPath)) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, WATCHED));
    const schedule = () => this.scheduleReload(folder.uri.fsPath);
    this.folderWatchers.set(
      folder.uri.fsPath,
      vscode.Disposable.from(watcher, watcher.onDidChange(schedule), watcher.onDidCreate(schedule), watcher.onDidDelete(schedule)),
    );
  }

  private onConfigEdited(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file' || path.basename(document.uri.fsPath) !== CONFIG_FILE_NAME) return;
    const folder = path.dirname(document.uri.fsPath);
    if (this.statuses.has(folder)) this.scheduleReload(folder);
  }

  /** Coalesces bursts (a git checkout touches many files) into one reload per folder. */
  private scheduleReload(folderPath: string): void {
    clearTimeout(this.pending.get(folderPath));
    this.pending.set(
      folderPath,
      setTimeout(() => {
        this.pending.delete(folderPath);
        void this.reload(folderPath);
      }, RELOAD_DELAY_MS),
    );
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    for (const watcher of this.folderWatchers.values()) watcher.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
