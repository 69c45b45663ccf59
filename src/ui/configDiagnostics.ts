import * as vscode from 'vscode';
import type { WorkspaceModel } from './workspaceModel';

/** Shows every conveyor.yml problem in Problems, at its line and column, replacing the previous set. */
export function registerConfigDiagnostics(model: WorkspaceModel): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('conveyor');
  const update = () => {
    collection.clear();
    for (const status of model.folders()) {
      const { config } = status;
      if (!config.found || config.problems.length === 0) continue;
      collection.set(
        vscode.Uri.file(config.file),
        config.problems.map((p) => {
          const range = new vscode.Range(p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character);
          const diagnostic = new vscode.Diagnostic(
            range,
            p.message,
            p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
          );
          diagnostic.source = 'conveyor';
          return diagnostic;
        }),
      );
    }
  };
  update();
  return vscode.Disposable.from(collection, model.onDidChange(update));
}
