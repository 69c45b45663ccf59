import * as vscode from 'vscode';
import { folderStatusText } from '../loop/folderStatusText';
import type { WorkspaceModel } from './workspaceModel';

export const STATUS_SCHEME = 'conveyor-status';

/** Read-only documents `conveyor-status:/<folder>`: the same text as `conveyor status <folder>`. */
export function registerStatusDocuments(model: WorkspaceModel): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const open = new Set<string>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri) {
      await model.ready;
      open.add(uri.toString());
      const status = model.statusOf(uri.path);
      return status ? folderStatusText(status) : `Conveyor: ${uri.path} is not a workspace folder.\n`;
    },
  };
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(STATUS_SCHEME, provider),
    model.onDidChange(() => open.forEach((u) => changed.fire(vscode.Uri.parse(u)))),
    vscode.workspace.onDidCloseTextDocument((d) => open.delete(d.uri.toString())),
  );
}

export function statusDocumentUri(folderPath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: STATUS_SCHEME, path: folderPath });
}
