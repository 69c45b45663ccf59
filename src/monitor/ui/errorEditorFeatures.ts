import * as vscode from 'vscode';
import type { ErrorIssue } from '../errors/errorModel';
import type { IssueLocation } from '../errors/frameMapping';
import { formatAge } from '../../core/formatAge';
import { frameWhere, issueFacts, issueStatusText, unmappedText } from './monitorNodes';
import type { FrameNote } from '../errors/frameMapping';
import type { ErrorService } from './errorService';

/** "TypeError: x is undefined — 152 events, 14 users, last 3 min ago, first seen in 1.4.2". */
export function issueSummary(issue: ErrorIssue, now = Date.now()): string {
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  const firstRelease = issue.firstRelease ?? issue.latestEvent?.release;
  const regression = issue.status === 'regressed' ? `regression (resolved in v${issue.resolvedIn}), ` : '';
  return `${issue.title} — ${regression}${plural(issue.count, 'event')}, ${plural(issue.userCount, 'user')}, last ${formatAge(Date.parse(issue.lastSeen), now)}${firstRelease ? `, first seen in ${firstRelease}` : ''}`;
}

/** Resolved issues leave the editor, as they leave Sentry's default list; a regression comes back. */
function unresolved(mark: IssueLocation): boolean {
  return mark.issue.status !== 'resolved';
}

/**
 * Production (or local) errors where they happened: a diagnostic on each line an error's innermost in-app frame
 * points at, a CodeLens above it, and a hover with the stack on every line of its stack in the workspace.
 */
export function registerErrorEditorFeatures(service: ErrorService): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('conveyor-errors');
  const lensesChanged = new vscode.EventEmitter<void>();
  const selector: vscode.DocumentSelector = { scheme: 'file' };

  const updateDiagnostics = () => {
    diagnostics.clear();
    const now = Date.now();
    for (const file of service.filesWithErrors()) {
      const marks = service.locationsIn(file).filter((mark) => mark.top && unresolved(mark));
      if (marks.length === 0) continue;
      diagnostics.set(
        vscode.Uri.file(file),
        marks.map((mark) => diagnosticOf(mark, now)),
      );
    }
  };

  return vscode.Disposable.from(
    diagnostics,
    lensesChanged,
    service.onDidChange(() => {
      updateDiagnostics();
      lensesChanged.fire();
    }),
    vscode.languages.registerCodeLensProvider(selector, {
      onDidChangeCodeLenses: lensesChanged.event,
      provideCodeLenses(document) {
        const now = Date.now();
        // One lens per line and issue, where it happened (callers get the hover, not a lens each).
        return service
          .locationsIn(document.uri.fsPath)
          .filter((mark) => mark.top && unresolved(mark) && mark.line <= document.lineCount)
          .map((mark) => {
            const range = document.lineAt(mark.line - 1).range;
            const { issue } = mark;
            const firstRelease = issue.firstRelease ?? issue.latestEvent?.release;
            const status = issueStatusText(issue);
            const title = `$(bug) ${issue.exceptionType || shorten(issue.title)} × ${issue.count.toLocaleString('en-US')}${status ? ` · ${status}` : ''}${issue.userCount ? ` · ${issue.userCount} user${issue.userCount === 1 ? '' : 's'}` : ''} · last ${formatAge(Date.parse(issue.lastSeen), now)}${firstRelease ? ` · first in ${firstRelease}` : ''}`;
            return new vscode.CodeLens(range, {
              title,
              tooltip: issueSummary(issue, now),
              command: 'conveyor.errors.showStack',
              arguments: [issue.id],
            });
          });
      },
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(document, position) {
        const marks = service.locationsIn(document.uri.fsPath).filter((mark) => mark.line === position.line + 1 && unresolved(mark));
        if (marks.length === 0) return undefined;
        const now = Date.now();
        const contents = marks.slice(0, 3).map((mark) => hoverOf(mark, service.frameNotesOf(mark.issue.id), now));
        return new vscode.Hover(contents, document.lineAt(position.line).range);
      },
    }),
  );
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const SEVERITIES: Record<ErrorIssue['level'], vscode.DiagnosticSeverity> = {
  fatal: vscode.DiagnosticSeverity.Error,
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  debug: vscode.DiagnosticSeverity.Hint,
};

function diagnosticOf(mark: IssueLocation, now: number): vscode.Diagnostic {
  const { issue } = mark;
  const position = new vscode.Position(mark.line - 1, Math.max(0, mark.column - 1));
  // To the end of the line: the column points at the throw, the whole statement is what to read.
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(position, position.translate(0, 10_000)),
    issueSummary(issue, now),
    SEVERITIES[issue.level] ?? vscode.DiagnosticSeverity.Error,
  );
  diagnostic.source = issue.source === 'sentry' ? 'Sentry' : 'Conveyor errors';
  diagnostic.code = issue.url ? { value: issue.shortId, target: vscode.Uri.parse(issue.url) } : issue.shortId;
  return diagnostic;
}

/** The issue, its facts and its stack. All remote text goes in as plain text or code, never as Markdown. */
function hoverOf(mark: IssueLocation, notes: readonly FrameNote[], now: number): vscode.MarkdownString {
  const { issue } = mark;
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.isTrusted = { enabledCommands: ['conveyor.errors.showStack', 'conveyor.errors.mapUrlToFolder'] };
  markdown.appendMarkdown('$(bug) **');
  markdown.appendText(issue.title);
  markdown.appendMarkdown('**\n\n');
  const status = issueStatusText(issue);
  markdown.appendText(
    `${status ? `${status} · ` : ''}${issueFacts(issue, now)} · first seen ${formatAge(Date.parse(issue.firstSeen), now)}${issue.firstRelease ? ` in ${issue.firstRelease}` : ''} · ${issue.shortId}`,
  );
  if (!mark.top) markdown.appendText('\n\nThis line called the code where it happened.');
  const frames = issue.latestEvent?.frames ?? [];
  if (frames.length > 0) {
    const lines = [...frames]
      .reverse()
      .slice(0, 12)
      .map((f) => `${f.inApp === false ? '  ' : '> '}at ${f.function ?? '<anonymous>'} (${frameWhere(f)})`);
    markdown.appendCodeblock(
      `${issue.exceptionType}: ${issue.exceptionValue}\n${lines.join('\n')}${frames.length > 12 ? `\n  … ${frames.length - 12} more` : ''}`,
      'text',
    );
  }
  for (const note of notes) {
    if (!note.resolution.unmapped) continue;
    markdown.appendMarkdown('$(question) Unmapped ');
    markdown.appendText(
      `${frameWhere(note.frame, true)}: ${unmappedText(note.resolution.unmapped, (file) => vscode.workspace.asRelativePath(file))}`,
    );
    if (note.url) {
      const mapArgs = encodeURIComponent(JSON.stringify([issue.id, note.frameIndex]));
      markdown.appendMarkdown(` · [Map URL to Folder…](command:conveyor.errors.mapUrlToFolder?${mapArgs})`);
    }
    markdown.appendMarkdown('\n\n');
  }
  const args = encodeURIComponent(JSON.stringify([issue.id]));
  markdown.appendMarkdown(`[Show Stack Trace](command:conveyor.errors.showStack?${args})`);
  if (issue.url && /^https?:\/\//.test(issue.url)) markdown.appendMarkdown(` · [Open in Sentry](${encodeURI(issue.url)})`);
  return markdown;
}
