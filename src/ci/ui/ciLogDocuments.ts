import * as vscode from 'vscode';

export const CI_LOG_SCHEME = 'conveyor-ci-log';
const FOLDING_SETTLE_MS = 400;

interface LogContent {
  text: string;
  sections: { startLine: number; endLine: number }[];
}

/**
 * Read-only documents for CI logs (a GitHub job's log, a Jenkins console), with each step folded: the
 * failing step is the one left for the user to open.
 */
export class CiLogDocuments implements vscode.TextDocumentContentProvider, vscode.FoldingRangeProvider, vscode.Disposable {
  private readonly contents = new Map<string, LogContent>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registrations: vscode.Disposable;

  constructor() {
    this.registrations = vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(CI_LOG_SCHEME, this),
      vscode.languages.registerFoldingRangeProvider({ scheme: CI_LOG_SCHEME }, this),
    );
  }

  async open(name: string, content: LogContent, options: { revealLine?: number } = {}): Promise<void> {
    const uri = vscode.Uri.from({ scheme: CI_LOG_SCHEME, path: `/${name.replace(/[^\w.-]+/g, '-')}.log` });
    this.contents.set(uri.toString(), content);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    // Fold every step, then open the one where the first error is. The editor asks for folding ranges
    // after it shows the document, so give it a moment before folding them.
    await new Promise((resolve) => setTimeout(resolve, FOLDING_SETTLE_MS));
    await vscode.commands.executeCommand('editor.foldAll');
    if (options.revealLine !== undefined) {
      const position = new vscode.Position(options.revealLine, 0);
      editor.selection = new vscode.Selection(position, position);
      await vscode.commands.executeCommand('editor.unfold', { selectionLines: [options.revealLine] });
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString())?.text ?? 'This log is no longer available: open it again from the CI view.';
  }

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    return (this.contents.get(document.uri.toString())?.sections ?? [])
      .filter((s) => s.endLine > s.startLine)
      .map((s) => new vscode.FoldingRange(s.startLine, s.endLine, vscode.FoldingRangeKind.Region));
  }

  dispose(): void {
    this.registrations.dispose();
    this.changed.dispose();
  }
}
