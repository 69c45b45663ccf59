import * as vscode from 'vscode';
import { messageOf } from '../core/errors';
import type { FolderStatus } from '../loop/folderStatus';
import { webviewHtml, type WebviewPage } from './webviewHtml';
import type { WorkspaceModel } from './workspaceModel';

export interface FolderPanelSpec<ToHost extends { type: string }, ToWebview> {
  viewType: string;
  /** The editor tab's title. */
  title: (status: FolderStatus) => string;
  /** The page, from the bundles in dist/webviews. */
  page: WebviewPage;
  /** The message that draws the folder's current state. */
  render: (status: FolderStatus) => ToWebview;
  /** Redraw the visible panels when one of these fires. */
  redrawOn: vscode.Event<unknown>[];
  /** A message from the page other than `ready` (which is answered with `render`); a throw is shown in the page. */
  handle: (message: Exclude<ToHost, { type: 'ready' }>, status: FolderStatus) => Promise<void>;
  /** The page's message for an error text. */
  error: (message: string) => ToWebview;
  /** Redraw after each handled message, whether it worked or not (a failed drag snaps back). */
  redrawAfterMessage?: boolean;
}

/**
 * Webview panels with one panel per workspace folder: `open` reveals the folder's panel or creates it (strict
 * CSP page, message wiring), visible panels are redrawn when the spec's events fire, and each panel is
 * forgotten when the user closes it.
 */
export class FolderPanels<ToHost extends { type: string }, ToWebview> implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly subscriptions: vscode.Disposable[];
  private readonly root: vscode.Uri;

  constructor(
    private readonly model: WorkspaceModel,
    extensionUri: vscode.Uri,
    private readonly spec: FolderPanelSpec<ToHost, ToWebview>,
  ) {
    this.root = vscode.Uri.joinPath(extensionUri, 'dist', 'webviews');
    this.subscriptions = spec.redrawOn.map((event) => event(() => this.redrawVisible()));
  }

  open(status: FolderStatus): void {
    const existing = this.panels.get(status.folder);
    if (existing) return existing.reveal();
    const { folder } = status;
    const panel = vscode.window.createWebviewPanel(this.spec.viewType, this.spec.title(status), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [this.root],
      retainContextWhenHidden: false,
    });
    panel.webview.html = webviewHtml(panel.webview, this.root, this.spec.page);
    this.panels.set(folder, panel);
    // The folder's current state; the one it was opened with if it has just left the workspace.
    const current = () => this.model.statusOf(folder) ?? status;
    panel.onDidDispose(() => this.panels.delete(folder));
    panel.onDidChangeViewState(() => panel.visible && this.post(panel, current()));
    panel.webview.onDidReceiveMessage(async (message: ToHost) => {
      if (message.type === 'ready') return this.post(panel, current());
      try {
        await this.spec.handle(message as Exclude<ToHost, { type: 'ready' }>, current());
      } catch (error) {
        void panel.webview.postMessage(this.spec.error(messageOf(error)));
      }
      if (this.spec.redrawAfterMessage) this.post(panel, current());
    });
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const panel of [...this.panels.values()]) panel.dispose();
  }

  private redrawVisible(): void {
    for (const [folder, panel] of this.panels) {
      const status = this.model.statusOf(folder);
      if (status && panel.visible) this.post(panel, status);
    }
  }

  private post(panel: vscode.WebviewPanel, status: FolderStatus): void {
    void panel.webview.postMessage(this.spec.render(status));
  }
}
