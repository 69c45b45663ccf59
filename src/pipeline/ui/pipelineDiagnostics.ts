import * as vscode from 'vscode';
import type { Problem } from '../problem';

/** Problems found by pipeline stages, in the Problems panel; a stage's problems are replaced when it runs again. */
export class PipelineDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('conveyor');
  private readonly byStage = new Map<string, Problem[]>();

  setStageProblems(folder: string, stage: string, problems: Problem[]): void {
    this.byStage.set(`${folder}\n${stage}`, problems);
    this.publish();
  }

  private publish(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problems of this.byStage.values()) {
      for (const p of problems) {
        const start = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
        const end = p.endLine ? new vscode.Position(p.endLine - 1, Math.max(0, (p.endColumn ?? p.column) - 1)) : start.translate(0, 1);
        const diagnostic = new vscode.Diagnostic(new vscode.Range(start, end), p.message, SEVERITY[p.severity]);
        diagnostic.source = p.source;
        if (p.code) diagnostic.code = p.code;
        byFile.set(p.file, [...(byFile.get(p.file) ?? []), diagnostic]);
      }
    }
    this.collection.clear();
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

const SEVERITY: Record<Problem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};
