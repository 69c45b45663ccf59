import * as vscode from 'vscode';

const DEBOUNCE_MS = 250;

interface Registration {
  id: string;
  view: vscode.TreeView<unknown>;
  refresh: () => void;
  stale: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * The one place views are refreshed: a change refreshes visible views (debounced) and only marks hidden
 * ones stale; a stale view refreshes when it becomes visible. A hidden view costs nothing.
 */
export class RefreshManager implements vscode.Disposable {
  private readonly registrations: Registration[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  register(id: string, view: vscode.TreeView<unknown>, refresh: () => void): void {
    const registration: Registration = { id, view, refresh, stale: false };
    this.registrations.push(registration);
    this.disposables.push(
      view.onDidChangeVisibility((e) => {
        if (e.visible && registration.stale) this.schedule(registration);
      }),
    );
  }

  /** Something changed: every view (or the one named) may need new rows. */
  requestRefresh(viewId?: string): void {
    for (const registration of this.registrations) {
      if (viewId && registration.id !== viewId) continue;
      if (registration.view.visible) this.schedule(registration);
      else registration.stale = true;
    }
  }

  private schedule(registration: Registration): void {
    registration.stale = false;
    clearTimeout(registration.timer);
    registration.timer = setTimeout(() => registration.refresh(), DEBOUNCE_MS);
  }

  dispose(): void {
    for (const r of this.registrations) clearTimeout(r.timer);
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
